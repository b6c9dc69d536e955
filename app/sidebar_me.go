package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// renderMe is #me: who the session is, with a guest badge, and where to go
// from here: to sign up or in (a guest), or to the account, the admin page
// (an admin) and out (an account). Nothing until the session is known.
func (p *chatPage) renderMe() app.UI {
	return app.Section().ID("me").Class("me-card").Aria("label", "You").Body(
		app.If(p.st.user != "", func() app.UI {
			name := p.st.name
			return app.Div().Class("me-row").Body(
				app.Span().Class("avatar small", hueClass(name)).Aria("hidden", "true").Text(initial(name)),
				app.Span().ID("me-name").Class("me-name").Title(name).Text(name),
				app.If(p.st.guest, guestBadge),
			)
		}),
		app.If(p.st.user != "" && p.st.guest, func() app.UI {
			return app.Div().Class("me-links").Body(
				app.A().ID("signup-link").Class("button primary small").Href("/signup").Text("Sign up"),
				app.A().ID("login-link").Class("button secondary small").Href("/login").Text("Sign in"),
			)
		}).ElseIf(p.st.user != "", func() app.UI {
			return app.Div().Class("me-links").Body(
				app.A().ID("account-link").Class("button secondary small").Href("/account").Text("Account"),
				app.If(p.st.admin, func() app.UI {
					return app.A().ID("admin-link").Class("button secondary small").Href("/admin").Text("Admin")
				}),
				app.Button().ID("sign-out").Type("button").Class("button link").OnClick(p.onSignOut).Text("Sign out"),
			)
		}),
	)
}

// guestBadge marks a name without an account.
func guestBadge() app.UI {
	return app.Span().Class("guest-badge").Title("A guest: no account").Text("guest")
}
