package app

import (
	"context"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// accountPage is /account: change the password, and see and end the
// sessions (devices) signed in to the account. Someone signed out is sent
// to sign in first; a guest has no account to manage.
type accountPage struct {
	app.Compo

	me       *user
	sessions []device
	listErr  string
	pwErr    string
	pwNote   string
	busy     bool
}

func (p *accountPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Account · Chat")
	if !app.IsClient {
		return
	}
	ctx.Async(func() {
		me, err := fetchMe(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case errorStatus(err) == 401:
				ctx.Navigate(withNext("/login", "/account"))
				return
			case err != nil:
				p.listErr = err.Error()
				return
			}
			p.me = &me
			if !me.Guest {
				p.loadSessions(ctx)
			}
		})
	})
}

func (p *accountPage) loadSessions(ctx app.Context) {
	ctx.Async(func() {
		list, err := fetchSessions(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.listErr = err.Error()
				return
			}
			p.sessions, p.listErr = list, ""
		})
	})
}

func (p *accountPage) Render() app.UI {
	switch {
	case p.me == nil:
		return authShell("account", "Account", true,
			formError("account-error", p.listErr),
			app.P().Class("notice").Role("status").Text("Loading…"),
		)
	case p.me.Guest:
		return authShell("account", "Account", true,
			app.P().ID("account-guest").Class("notice").Text("You are chatting as a guest, "+p.me.Name+": there is no account to manage."),
			app.A().ID("guest-signup").Class("button primary wide").Href("/signup").Text("Create an account"),
			app.P().Class("auth-alt").Body(app.A().ID("to-chat").Href("/").Text("Back to the chat")),
		)
	}
	return authShell("account", "Account", true,
		app.P().ID("account-who").Class("auth-who").Body(
			app.Text("Signed in as "),
			app.Strong().ID("account-name").Text(p.me.Name),
			app.If(p.me.Admin, func() app.UI { return app.Span().Class("role-badge").Text("admin") }),
		),
		app.Section().Class("auth-section").Aria("labelledby", "password-title").Body(
			app.H2().ID("password-title").Class("auth-subtitle").Text("Change the password"),
			app.Form().ID("password-form").Class("auth-form").OnSubmit(p.onPassword).Body(
				field{id: "password-old", label: "Current password", kind: "password", autocomplete: "current-password"}.render(),
				field{id: "password-new", label: "New password", kind: "password", autocomplete: "new-password", hint: "At least 8 characters."}.render(),
				formError("password-error", p.pwErr),
				formNote("password-note", p.pwNote),
				app.Button().ID("password-submit").Type("submit").Class("button primary").Disabled(p.busy).Text("Change password"),
			),
		),
		app.Section().Class("auth-section").Aria("labelledby", "sessions-title").Body(
			app.H2().ID("sessions-title").Class("auth-subtitle").Text("Where you are signed in"),
			formError("sessions-error", p.listErr),
			app.Ul().ID("sessions").Class("session-list").Body(
				app.Range(p.sessions).Slice(func(i int) app.UI {
					d := p.sessions[i]
					return app.Li().Class("session").DataSet("id", d.ID).Body(
						app.Div().Class("session-info").Body(
							app.P().Class("session-agent").Title(d.Agent).Body(
								app.Text(agentName(d.Agent)),
								app.If(d.Current, func() app.UI { return app.Span().Class("role-badge").Text("this device") }),
							),
							app.P().Class("session-times").Text("Signed in "+shortTime(d.Created)+" · last seen "+shortTime(d.Seen)),
						),
						app.Button().Type("button").Class("button secondary small revoke").
							DataSet("id", d.ID).DataSet("current", boolAttr(d.Current)).
							Aria("label", "Sign out "+agentName(d.Agent)+", signed in "+shortTime(d.Created)).
							Disabled(p.busy).OnClick(p.onRevoke).Text("Sign out"),
					)
				}),
			),
		),
		app.P().Class("auth-alt").Body(app.A().ID("to-chat").Href("/").Text("Back to the chat")),
	)
}

func (p *accountPage) onPassword(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	old, pw := fieldValue("password-old"), fieldValue("password-new")
	if old == "" || pw == "" {
		p.pwErr, p.pwNote = "Type the current password and the new one.", ""
		return
	}
	p.busy, p.pwErr, p.pwNote = true, "", ""
	ctx.Async(func() {
		err := changePassword(context.Background(), old, pw)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.pwErr = err.Error()
				return
			}
			setFieldValue("password-old", "")
			setFieldValue("password-new", "")
			p.pwNote = "Password changed."
			p.loadSessions(ctx) // the server may have ended the other sessions
		})
	})
}

// onRevoke ends one session (read from the button: go-app keeps a row's
// first handler). Ending this device's own is signing out.
func (p *accountPage) onRevoke(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	id, current := data.Get("id").String(), data.Get("current").String() == "true"
	p.busy = true
	ctx.Async(func() {
		err := revokeSession(context.Background(), id)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.listErr = err.Error()
				return
			}
			if current {
				forgetChat(ctx.LocalStorage())
				ctx.Navigate("/login")
				return
			}
			p.loadSessions(ctx)
		})
	})
}

// agentName makes a browser's User-Agent readable: "Chrome on Linux".
func agentName(ua string) string {
	browser := "A browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Headless Chrome"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	if ua == "" {
		return "An unknown device"
	}
	return browser
}

// shortTime is a time as people read it in a list: today's as 15:04, else
// with the day.
func shortTime(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	local := t.Local()
	if startOfDay(local).Equal(startOfDay(time.Now())) {
		return "today " + local.Format("15:04")
	}
	return local.Format("2 Jan 2006 15:04")
}
