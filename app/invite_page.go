package app

import (
	"context"
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// invitePage is /invite/{code}, a room's invitation link. Someone signed
// in with an account is let in at once and taken to the room; a guest, or
// someone signed out, is offered to sign up with the invitation (which
// puts the new account in the room) or to sign in and come back here.
type invitePage struct {
	app.Compo

	code  string
	info  *inviteInfo
	state string // "loading", "offer", "accepting", "failed"
	err   string
}

func (p *invitePage) OnNav(ctx app.Context) {
	p.code = strings.TrimPrefix(ctx.Page().URL().Path, "/invite/")
	p.info, p.state, p.err = nil, "loading", ""
	ctx.Page().SetTitle("Invitation · Chat")
	if !app.IsClient {
		return
	}
	code := p.code
	ctx.Async(func() {
		bg := context.Background()
		info, infoErr := fetchInvite(bg, code)
		me, meErr := fetchMe(bg)
		if infoErr == nil && meErr == nil && !me.Guest {
			ctx.Dispatch(func(app.Context) { p.info, p.state = &info, "accepting" })
			room, err := acceptInvite(bg, code)
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					p.state, p.err = "failed", err.Error()
					return
				}
				ctx.Navigate(roomURL(room.ID))
			})
			return
		}
		ctx.Dispatch(func(ctx app.Context) {
			if infoErr != nil {
				p.state, p.err = "failed", inviteErrorText(infoErr)
				return
			}
			p.info, p.state = &info, "offer"
		})
	})
}

func (p *invitePage) roomTitle() string {
	if p.info != nil && p.info.Room != nil && p.info.Room.Title != "" {
		return p.info.Room.Title
	}
	return "a private room"
}

func (p *invitePage) Render() app.UI {
	heading := "Invitation"
	if p.info != nil {
		heading = "You're invited to " + p.roomTitle()
	}
	return authShell("invite", heading, false,
		app.If(p.state == "loading", func() app.UI {
			return app.P().ID("invite-status").Class("notice").Role("status").Text("Looking at the invitation…")
		}).ElseIf(p.state == "accepting", func() app.UI {
			return app.P().ID("invite-status").Class("notice").Role("status").Text("Joining " + p.roomTitle() + "…")
		}).ElseIf(p.state == "failed", func() app.UI {
			return app.P().ID("invite-error").Class("form-error").Role("alert").Text(p.err)
		}).ElseIf(p.state == "offer", func() app.UI {
			return app.Div().ID("invite-offer").Class("invite-offer").Body(
				app.P().Text("To join, make an account, or sign in if you have one."),
				app.A().ID("invite-signup").Class("button primary wide").Href("/signup?invite="+url.QueryEscape(p.code)).Text("Create an account"),
				app.A().ID("invite-login").Class("button secondary wide").Href(withNext("/login", "/invite/"+p.code)).Text("Sign in"),
			)
		}),
		app.P().Class("auth-alt").Body(
			app.A().ID("to-chat").Href("/").Text("Back to the chat"),
		),
	)
}
