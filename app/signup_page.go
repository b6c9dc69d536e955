package app

import (
	"context"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// signupPage is /signup: make an account (name, password), with
// ?invite=CODE when the server lets only invited people in, or to come
// into a room. The invitation says what it is for: the first-run link
// makes the admin, a room's puts the new account in the room.
type signupPage struct {
	app.Compo

	invite  string
	info    *inviteInfo // what the invitation is for, once known
	infoErr string      // the invitation is not valid (used, expired, unknown)
	next    string
	err     string
	busy    bool
}

func (p *signupPage) OnMount(ctx app.Context) {
	takeEarlyForm(ctx, "signup-form", p.submit)
}

func (p *signupPage) OnNav(ctx app.Context) {
	q := ctx.Page().URL().Query()
	p.invite = strings.TrimSpace(q.Get("invite"))
	p.next = localNext(q.Get("next"))
	p.info, p.infoErr, p.err, p.busy = nil, "", "", false
	ctx.Page().SetTitle("Sign up · Chat")
	ctx.Defer(func(app.Context) { focusByID("signup-name") })
	if p.invite == "" || !app.IsClient {
		return
	}
	code := p.invite
	ctx.Async(func() {
		info, err := fetchInvite(context.Background(), code)
		ctx.Dispatch(func(ctx app.Context) {
			if code != p.invite {
				return
			}
			if err != nil {
				p.infoErr = inviteErrorText(err)
				return
			}
			p.info = &info
		})
	})
}

// inviteErrorText is what a person is told of an invitation that cannot
// be used.
func inviteErrorText(err error) string {
	if errorStatus(err) == 404 {
		return "This invitation is not valid: it was used already, or it expired. Ask for a new one."
	}
	return err.Error()
}

// heading says what signing up here does.
func (p *signupPage) heading() string {
	switch {
	case p.info != nil && p.info.Setup:
		return "Create the admin account"
	case p.info != nil && p.info.Room != nil:
		title := p.info.Room.Title
		if title == "" {
			title = "a private room"
		}
		return "You're invited to " + title
	}
	return "Create an account"
}

func (p *signupPage) Render() app.UI {
	login := withNext("/login", p.next)
	if p.invite != "" {
		login = withNext("/login", "/invite/"+p.invite)
	}
	return authShell("signup", p.heading(), false,
		// What comes and goes sits in a box of its own, so that the form
		// after it keeps its place (go-app matches children by position:
		// the form would be rebuilt, and what is typed in it lost).
		app.Div().Class("auth-notices").Body(
			app.If(p.info != nil && p.info.Setup, func() app.UI {
				return app.P().ID("signup-notice").Class("notice").Text("This is the first account of this server: it will be its admin, and can invite others.")
			}).ElseIf(p.info != nil && p.info.Room != nil, func() app.UI {
				return app.P().ID("signup-notice").Class("notice").Text("Make an account to join the room. Already have one? Sign in instead, and you will be taken in.")
			}),
			app.If(p.infoErr != "", func() app.UI {
				return app.P().ID("invite-error").Class("form-error").Role("alert").Text(p.infoErr)
			}),
		),
		app.Form().ID("signup-form").Class("auth-form").OnSubmit(p.onSubmit).Body(
			field{id: "signup-name", label: "Name", kind: "text", autocomplete: "username", maxLength: wire.MaxNameRunes,
				hint: "What others see. Up to 24 characters."}.render(),
			field{id: "signup-password", label: "Password", kind: "password", autocomplete: "new-password",
				hint: "At least 8 characters."}.render(),
			formError("signup-error", p.err),
			app.Button().ID("signup-submit").Type("submit").Class("button primary wide").
				Disabled(p.busy).Aria("busy", boolAttr(p.busy)).Text(signUpLabel(p.busy)),
		),
		app.P().Class("auth-alt").Body(
			app.Text("Have an account? "),
			app.A().ID("to-login").Href(login).Text("Sign in"),
		),
		app.P().Class("auth-alt").Body(
			app.A().ID("to-chat").Href("/").Text("Back to the chat"),
		),
	)
}

func signUpLabel(busy bool) string {
	if busy {
		return "Creating the account…"
	}
	return "Create account"
}

// onSubmit checks what the app can (the name's rules are the protocol's),
// then asks the server, whose refusal (name taken, password too short,
// invitation needed) is shown as it says it.
func (p *signupPage) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.submit(ctx)
}

func (p *signupPage) submit(ctx app.Context) {
	if p.busy {
		return
	}
	c := credentials{Name: strings.TrimSpace(fieldValue("signup-name")), Password: fieldValue("signup-password"), Invite: p.invite}
	if err := wire.ValidName(c.Name); err != nil {
		p.err = "The " + errorText(err) + "."
		ctx.Defer(func(app.Context) { focusByID("signup-name") })
		return
	}
	p.busy, p.err = true, ""
	next := p.next
	if p.info != nil && p.info.Room != nil {
		next = roomURL(p.info.Room.ID)
	}
	ctx.Async(func() {
		_, err := signUp(context.Background(), c)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = err.Error()
				return
			}
			ctx.Navigate(next)
		})
	})
}
