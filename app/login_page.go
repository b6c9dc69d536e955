package app

import (
	"context"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// loginPage is /login: sign in with a name and a password, then go on to
// ?next= (the chat by default). ?reason=ended says the last session ended.
type loginPage struct {
	app.Compo

	next   string
	reason string
	err    string
	busy   bool
}

func (p *loginPage) OnMount(ctx app.Context) {
	takeEarlyForm(ctx, "login-form", p.submit)
}

func (p *loginPage) OnNav(ctx app.Context) {
	q := ctx.Page().URL().Query()
	p.next = localNext(q.Get("next"))
	p.reason = q.Get("reason")
	p.err, p.busy = "", false
	ctx.Page().SetTitle("Sign in · Chat")
	ctx.Defer(func(app.Context) { focusByID("login-name") })
}

func (p *loginPage) Render() app.UI {
	return authShell("login", "Sign in", false,
		// In a box of its own: the form after it keeps its place.
		app.Div().Class("auth-notices").Body(
			app.If(p.reason == "ended", func() app.UI {
				return app.P().ID("login-notice").Class("notice").Role("status").
					Text("Your session ended: you signed out elsewhere, the session was revoked, or the account was banned. Sign in again to chat.")
			}),
		),
		app.Form().ID("login-form").Class("auth-form").OnSubmit(p.onSubmit).Body(
			field{id: "login-name", label: "Name", kind: "text", autocomplete: "username", maxLength: 24}.render(),
			field{id: "login-password", label: "Password", kind: "password", autocomplete: "current-password"}.render(),
			formError("login-error", p.err),
			app.Button().ID("login-submit").Type("submit").Class("button primary wide").
				Disabled(p.busy).Aria("busy", boolAttr(p.busy)).Text(signInLabel(p.busy)),
		),
		app.P().Class("auth-alt").Body(
			app.Text("No account yet? "),
			app.A().ID("to-signup").Href(withNext("/signup", p.next)).Text("Create one"),
		),
		app.P().Class("auth-alt").Body(
			app.A().ID("to-chat").Href("/").Text("Back to the chat"),
		),
	)
}

func signInLabel(busy bool) string {
	if busy {
		return "Signing in…"
	}
	return "Sign in"
}

func (p *loginPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.submit(ctx)
}

func (p *loginPage) submit(ctx app.Context) {
	if p.busy {
		return
	}
	c := credentials{Name: strings.TrimSpace(fieldValue("login-name")), Password: fieldValue("login-password")}
	if c.Name == "" || c.Password == "" {
		p.err = "Type your name and your password."
		return
	}
	p.busy, p.err = true, ""
	next := p.next
	ctx.Async(func() {
		_, err := signIn(context.Background(), c)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = err.Error()
				setFieldValue("login-password", "")
				ctx.Defer(func(app.Context) { focusByID("login-password") })
				return
			}
			ctx.Navigate(next)
		})
	})
}
