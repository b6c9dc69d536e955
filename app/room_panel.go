package app

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// roomPanel is the settings and members of the private room or direct
// message on screen: its topic (the owner edits it), its members (the
// owner removes and adds them), an invitation link, and leaving. Its
// fields change on the UI goroutine only, like the page's.
type roomPanel struct {
	open      bool
	room      string      // the room it is about
	detail    *roomDetail // nil until GET /api/rooms/{id} answers
	err       string      // the last refusal, in #panel-error
	note      string      // what the last action did, in #panel-note
	inviteURL string      // the last invitation link made
	busy      bool        // a call is under way: its buttons wait
	seen      string      // the names present when the members were last reloaded for them
}

func (p *chatPage) onPanelToggle(ctx app.Context, e app.Event) {
	if p.panel.open {
		p.closePanel(ctx)
		return
	}
	p.openPanel(ctx, p.st.current)
}

func (p *chatPage) openPanel(ctx app.Context, room string) {
	p.panel = roomPanel{open: true, room: room}
	p.menuOpen = false
	p.loadPanel(ctx)
	ctx.Defer(func(app.Context) { focusByID("panel-close") })
}

func (p *chatPage) closePanel(ctx app.Context) {
	p.panel = roomPanel{}
	focusAfterRender("room-settings")
}

// loadPanel fetches the room's members for the panel.
func (p *chatPage) loadPanel(ctx app.Context) {
	room, loop := p.panel.room, p.loop
	ctx.Async(func() {
		d, err := fetchRoom(loop, room)
		ctx.Dispatch(func(ctx app.Context) {
			if !p.panel.open || p.panel.room != room {
				return
			}
			if err != nil {
				p.panel.err = err.Error()
				return
			}
			p.panel.detail = &d
			// The room's own answer is the freshest word on its title
			// and topic.
			if info, ok := p.st.info[room]; ok {
				info.Title, info.Topic = d.Room.Title, d.Room.Topic
				p.st.info[room] = info
			}
		})
	})
}

// panelFollowPresence reloads the members when someone is in the room
// whom the list lacks: they came in (an invitation accepted) since it
// loaded. Once per set of names, so that someone present who is no member
// (an admin) does not reload it at every presence event.
func (p *chatPage) panelFollowPresence(ctx app.Context) {
	if !p.panel.open || p.panel.detail == nil || p.panel.busy {
		return
	}
	r := p.st.rooms[p.panel.room]
	if r == nil {
		return
	}
	names := strings.Join(r.names, "\x00")
	if names == p.panel.seen {
		return
	}
	for _, n := range r.names {
		if !slices.ContainsFunc(p.panel.detail.Members, func(m member) bool { return m.Name == n }) {
			p.panel.seen = names
			p.loadPanel(ctx)
			return
		}
	}
}

// panelCall runs one of the panel's API calls off the UI goroutine, then
// done (on the UI goroutine, when the call succeeded) and a reload of the
// members; a refusal goes to #panel-error.
func (p *chatPage) panelCall(ctx app.Context, call func(context.Context) error, done func(ctx app.Context)) {
	if p.panel.busy {
		return
	}
	p.panel.busy, p.panel.err, p.panel.note = true, "", ""
	room, loop := p.panel.room, p.loop
	ctx.Async(func() {
		err := call(loop)
		ctx.Dispatch(func(ctx app.Context) {
			if p.panel.room != room {
				return
			}
			p.panel.busy = false
			if err != nil {
				p.panel.err = err.Error()
				return
			}
			done(ctx)
			if p.panel.open {
				p.loadPanel(ctx)
			}
		})
	})
}

func (p *chatPage) onTopicSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	topic := strings.TrimSpace(app.Window().GetElementByID("topic-text").Get("value").String())
	room := p.panel.room
	p.panelCall(ctx, func(c context.Context) error { return setTopic(c, room, topic) }, func(ctx app.Context) {
		if info, ok := p.st.info[room]; ok {
			info.Topic = topic
			p.st.info[room] = info
		}
		p.panel.note = "Topic saved."
	})
}

func (p *chatPage) onAddMember(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("add-member-name")
	name := strings.TrimSpace(input.Get("value").String())
	if name == "" {
		p.panel.err = "Type the name of the person to add."
		return
	}
	room := p.panel.room
	p.panelCall(ctx, func(c context.Context) error { return addMember(c, room, name) }, func(ctx app.Context) {
		input.Set("value", "")
		p.panel.note = name + " was added."
	})
}

// onRemoveMember reads the member from the button: go-app keeps a row's
// first handler, so a closure over the row would remove whoever it first
// showed.
func (p *chatPage) onRemoveMember(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	userID, name := data.Get("user").String(), data.Get("name").String()
	room := p.panel.room
	p.panelCall(ctx, func(c context.Context) error { return removeMember(c, room, userID) }, func(ctx app.Context) {
		p.panel.note = name + " was removed."
	})
}

func (p *chatPage) onLeaveRoom(ctx app.Context, e app.Event) {
	room, me := p.panel.room, p.st.user
	p.panelCall(ctx, func(c context.Context) error { return removeMember(c, room, me) }, func(ctx app.Context) {
		p.panel = roomPanel{}
		p.st.leftRoom(room)
		p.flush(ctx)
		focusAfterRender("composer-text")
	})
}

// onInvite makes a link into the room and copies it; the link also stays
// in #invite-link, for a browser that does not let the page copy.
func (p *chatPage) onInvite(ctx app.Context, e app.Event) {
	room := p.panel.room
	var inv invite
	p.panelCall(ctx, func(c context.Context) (err error) {
		inv, err = makeInvite(c, room)
		return err
	}, func(ctx app.Context) {
		p.panel.inviteURL = inv.URL
		p.panel.note = "Invitation link made: anyone with it can join once."
		copyText(ctx, inv.URL, func(ok bool) {
			if ok && p.panel.inviteURL == inv.URL {
				p.panel.note = "Invitation link copied: anyone with it can join once."
			}
		})
		ctx.Defer(func(app.Context) {
			if el := app.Window().GetElementByID("invite-link"); el.Truthy() {
				el.Call("select")
			}
		})
	})
}

// copyText puts text on the clipboard; done says whether it worked, on the
// UI goroutine. The browser may refuse (no permission, not a secure page).
func copyText(ctx app.Context, text string, done func(bool)) {
	clip := app.Window().Get("navigator").Get("clipboard")
	if !clip.Truthy() {
		done(false)
		return
	}
	var ok, fail app.Func
	release := func() { ok.Release(); fail.Release() }
	ok = app.FuncOf(func(app.Value, []app.Value) any {
		ctx.Dispatch(func(app.Context) { done(true) })
		release()
		return nil
	})
	fail = app.FuncOf(func(app.Value, []app.Value) any {
		ctx.Dispatch(func(app.Context) { done(false) })
		release()
		return nil
	})
	clip.Call("writeText", text).Call("then", ok, fail)
}

// renderPanel is #room-panel, when open.
func (p *chatPage) renderPanel() app.UI {
	if !p.panel.open {
		return nil
	}
	room := p.panel.room
	kind := p.st.roomKind(room)
	owns := p.st.owns(room) && kind == kindPrivate
	d := p.panel.detail
	topic := p.st.info[room].Topic
	return app.Aside().
		ID("room-panel").
		Class("room-panel").
		Aria("labelledby", "panel-title").
		Body(
			app.Div().Class("panel-head").Body(
				app.H2().ID("panel-title").Class("panel-title").Text(p.st.roomTitle(room)),
				app.Button().ID("panel-close").Type("button").Class("icon-button").
					Title("Close").Aria("label", "Close room settings").OnClick(p.onPanelToggle).Body(closeIcon()),
			),
			app.P().ID("panel-error").Class("form-error").Role("alert").Text(p.panel.err),
			app.P().ID("panel-note").Class("form-note").Role("status").Text(p.panel.note),
			p.renderTopicSection(owns, topic),
			p.renderMembers(d, owns),
			app.If(owns, func() app.UI {
				return p.renderAddMember()
			}),
			app.If(owns, func() app.UI {
				return p.renderInviteSection()
			}),
			app.Div().Class("panel-section panel-leave").Body(
				app.Button().ID("leave-room").Type("button").Class("button danger").
					Disabled(p.panel.busy).OnClick(p.onLeaveRoom).Text(leaveText(kind)),
			),
		)
}

func leaveText(kind string) string {
	if kind == kindDirect {
		return "Leave conversation"
	}
	return "Leave room"
}

func (p *chatPage) renderTopicSection(owns bool, topic string) app.UI {
	if !owns {
		text := topic
		if text == "" {
			text = "No topic."
		}
		return app.Div().Class("panel-section").Body(
			app.H3().Class("panel-sub").Text("Topic"),
			app.P().ID("topic-shown").Class("topic-shown").Text(text),
		)
	}
	return app.Form().ID("topic-form").Class("panel-section").OnSubmit(p.onTopicSubmit).Body(
		app.Label().For("topic-text").Class("panel-sub").Text("Topic"),
		app.Div().Class("field-row").Body(
			app.Input().ID("topic-text").Type("text").Name("topic").Value(topic).MaxLength(250).
				Placeholder("What this room is about").AutoComplete(false),
			app.Button().ID("topic-save").Type("submit").Class("button secondary").Disabled(p.panel.busy).Text("Save"),
		),
	)
}

func (p *chatPage) renderMembers(d *roomDetail, owns bool) app.UI {
	if d == nil {
		return app.Div().Class("panel-section").Body(
			app.H3().Class("panel-sub").Text("Members"),
			app.P().Class("form-note").Text("Loading…"),
		)
	}
	members := d.Members
	return app.Div().Class("panel-section").Body(
		app.H3().Class("panel-sub").Text("Members · "+strconv.Itoa(len(members))),
		app.Ul().ID("members").Class("members").Body(
			app.Range(members).Slice(func(i int) app.UI {
				m := members[i]
				me := m.User == p.st.user
				return app.Li().Class("member").DataSet("user", m.User).Body(
					app.Span().Class("avatar small", hueClass(m.Name)).Aria("hidden", "true").Text(initial(m.Name)),
					app.Span().Class("member-name").Text(m.Name),
					app.If(m.Role == roleOwner, func() app.UI {
						return app.Span().Class("role-badge").Text("owner")
					}),
					app.If(me, func() app.UI {
						return app.Span().Class("member-you").Text("you")
					}),
					app.If(owns && !me, func() app.UI {
						return app.Button().Type("button").Class("button link remove-member").
							DataSet("user", m.User).DataSet("name", m.Name).
							Aria("label", "Remove "+m.Name).Disabled(p.panel.busy).
							OnClick(p.onRemoveMember).Text("Remove")
					}),
				)
			}),
		),
	)
}

func (p *chatPage) renderAddMember() app.UI {
	return app.Form().ID("add-member-form").Class("panel-section").OnSubmit(p.onAddMember).Body(
		app.Label().For("add-member-name").Class("panel-sub").Text("Add a person by name"),
		app.Div().Class("field-row").Body(
			app.Input().ID("add-member-name").Type("text").Name("name").AutoComplete(false).
				Spellcheck(false).Attr("autocapitalize", "off").Attr("enterkeyhint", "go"),
			app.Button().ID("add-member").Type("submit").Class("button secondary").Disabled(p.panel.busy).Text("Add"),
		),
	)
}

func (p *chatPage) renderInviteSection() app.UI {
	return app.Div().Class("panel-section").Body(
		app.H3().Class("panel-sub").Text("Invite with a link"),
		app.Button().ID("copy-invite").Type("button").Class("button secondary").
			Disabled(p.panel.busy).OnClick(p.onInvite).Text("Copy invite link"),
		app.If(p.panel.inviteURL != "", func() app.UI {
			return app.Div().Class("invite-box").Body(
				app.Label().For("invite-link").Class("visually-hidden").Text("Invitation link"),
				app.Input().ID("invite-link").Type("text").ReadOnly(true).Value(p.panel.inviteURL),
			)
		}),
	)
}
