package app

import (
	"context"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminPage is /admin: make an invitation link to sign up, ban a person
// by name, and the list of bans (who, by whom, when). Only admins get
// past the first check; the server refuses everyone else anyway.
type adminPage struct {
	app.Compo

	me        *user
	bans      []ban
	loadErr   string
	inviteURL string
	inviteErr string
	banErr    string
	banNote   string
	busy      bool
}

func (p *adminPage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Admin · Chat")
	if !app.IsClient {
		return
	}
	ctx.Async(func() {
		me, err := fetchMe(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case errorStatus(err) == 401:
				ctx.Navigate(withNext("/login", "/admin"))
				return
			case err != nil:
				p.loadErr = err.Error()
				return
			}
			p.me = &me
			if me.Admin {
				p.loadBans(ctx)
			}
		})
	})
}

func (p *adminPage) loadBans(ctx app.Context) {
	ctx.Async(func() {
		list, err := fetchBans(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.loadErr = err.Error()
				return
			}
			p.bans, p.loadErr = list, ""
		})
	})
}

func (p *adminPage) Render() app.UI {
	switch {
	case p.me == nil:
		return authShell("admin", "Admin", true,
			formError("admin-error", p.loadErr),
			app.P().Class("notice").Role("status").Text("Loading…"),
		)
	case !p.me.Admin:
		return authShell("admin", "Admin", true,
			app.P().ID("admin-refused").Class("form-error").Role("alert").Text("Only an admin may see this page."),
			app.P().Class("auth-alt").Body(app.A().ID("to-chat").Href("/").Text("Back to the chat")),
		)
	}
	return authShell("admin", "Admin", true,
		app.Section().Class("auth-section").Aria("labelledby", "invite-title").Body(
			app.H2().ID("invite-title").Class("auth-subtitle").Text("Invite someone"),
			app.P().Class("field-hint").Text("A link to sign up with, for one person."),
			app.Button().ID("make-invite").Type("button").Class("button primary").Disabled(p.busy).OnClick(p.onInvite).Text("Make an invite link"),
			formError("invite-error", p.inviteErr),
			app.If(p.inviteURL != "", func() app.UI {
				return app.Div().Class("field").Body(
					app.Label().For("admin-invite-link").Class("field-label").Text("Invitation link"),
					app.Input().ID("admin-invite-link").Type("text").ReadOnly(true).Value(p.inviteURL),
				)
			}),
		),
		app.Section().Class("auth-section").Aria("labelledby", "ban-title").Body(
			app.H2().ID("ban-title").Class("auth-subtitle").Text("Ban a person"),
			app.Form().ID("ban-form").Class("auth-form").OnSubmit(p.onBan).Body(
				field{id: "ban-name", label: "Name", kind: "text", autocomplete: "off", maxLength: 24,
					hint: "They are signed out everywhere and cannot sign in again."}.render(),
				formError("ban-error", p.banErr),
				formNote("ban-note", p.banNote),
				app.Button().ID("ban-submit").Type("submit").Class("button danger").Disabled(p.busy).Text("Ban"),
			),
		),
		app.Section().Class("auth-section").Aria("labelledby", "bans-title").Body(
			app.H2().ID("bans-title").Class("auth-subtitle").Text("Banned"),
			formError("bans-error", p.loadErr),
			app.If(len(p.bans) == 0, func() app.UI {
				return app.P().ID("no-bans").Class("field-hint").Text("Nobody is banned.")
			}).Else(func() app.UI {
				return app.Div().Class("table-wrap").Body(
					app.Table().ID("bans").Class("bans").Body(
						app.THead().Body(app.Tr().Body(
							app.Th().Scope("col").Text("Person"),
							app.Th().Scope("col").Text("Banned by"),
							app.Th().Scope("col").Text("When"),
							app.Th().Scope("col").Body(app.Span().Class("visually-hidden").Text("Unban")),
						)),
						app.TBody().Body(
							app.Range(p.bans).Slice(func(i int) app.UI {
								b := p.bans[i]
								return app.Tr().DataSet("user", b.User.ID).Body(
									app.Td().Class("ban-name").Text(b.User.Name),
									app.Td().Class("ban-by").Text(byName(b.By)),
									app.Td().Class("ban-at").Text(shortTime(b.At)),
									app.Td().Body(
										app.Button().Type("button").Class("button secondary small unban").
											DataSet("user", b.User.ID).DataSet("name", b.User.Name).
											Aria("label", "Unban "+b.User.Name).Disabled(p.busy).
											OnClick(p.onUnban).Text("Unban"),
									),
								)
							}),
						),
					),
				)
			}),
		),
		&adminBots{},
		app.P().Class("auth-alt").Body(app.A().ID("to-chat").Href("/").Text("Back to the chat")),
	)
}

// byName is the admin who banned: by name, or by id for an account gone.
func byName(u user) string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}

// onUnban reads the account from the button: go-app keeps a row's first
// handler.
func (p *adminPage) onUnban(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	id, name := data.Get("user").String(), data.Get("name").String()
	p.busy, p.banErr, p.banNote = true, "", ""
	ctx.Async(func() {
		err := unban(context.Background(), id)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.banErr = err.Error()
				return
			}
			p.banNote = name + " may sign in again."
			p.loadBans(ctx)
		})
	})
}

func (p *adminPage) onInvite(ctx app.Context, e app.Event) {
	p.busy, p.inviteErr = true, ""
	ctx.Async(func() {
		inv, err := makeInvite(context.Background(), "")
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.inviteErr = err.Error()
				return
			}
			p.inviteURL = inv.URL
			copyText(ctx, inv.URL, func(bool) {})
			ctx.Defer(func(app.Context) {
				if el := app.Window().GetElementByID("admin-invite-link"); el.Truthy() {
					el.Call("select")
				}
			})
		})
	})
}

func (p *adminPage) onBan(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	name := strings.TrimSpace(fieldValue("ban-name"))
	if name == "" {
		p.banErr, p.banNote = "Type the name of the person to ban.", ""
		return
	}
	p.busy, p.banErr, p.banNote = true, "", ""
	ctx.Async(func() {
		err := banName(context.Background(), name)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.banErr = err.Error()
				return
			}
			setFieldValue("ban-name", "")
			p.banNote = name + " is banned."
			p.loadBans(ctx)
		})
	})
}
