package app

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// renderSidebar is the column of who you are, rooms and people: always
// there on a wide screen, a drawer on a narrow one (chat.css).
func (p *chatPage) renderSidebar() app.HTMLAside {
	return app.Aside().
		ID("sidebar").
		Class("sidebar").
		Aria("label", "Rooms and people").
		Body(
			app.Div().Class("brand").Body(
				app.Img().Class("logo").Src("/web/icon.svg").Alt("").Width(32).Height(32),
				app.Span().Class("brand-name").Text("Chat"),
			),
			p.renderMe(),
			p.renderRooms(),
			p.renderRoomForm(),
			p.renderPrivateRooms(),
			p.renderDirectRooms(),
			p.renderPresence(),
			// The figures are the operator's: /stats answers others with
			// a refusal, so only an admin is shown the way there.
			app.If(p.st.admin, func() app.UI {
				return app.A().ID("stats-link").Class("side-link").Href("/stats").Text("Server stats")
			}),
		)
}

// renderRooms is #rooms: one li[data-room] per public room joined, with
// its unread count in .unread. Each room is a button; the one on screen
// has aria-current.
func (p *chatPage) renderRooms() app.UI {
	return app.Nav().Class("rooms-nav").Aria("labelledby", "rooms-title").Body(
		app.H2().ID("rooms-title").Class("side-title").Text("Rooms"),
		p.renderRoomList("rooms", p.st.roomsOfKind(kindPublic)),
		app.Button().ID("browse-rooms").Type("button").Class("button link browse-rooms").OnClick(p.onBrowseRooms).Text("Browse rooms"),
	)
}

// renderRoomList is a list of rooms as #rooms shows them; the private and
// direct ones by title, with their own mark instead of the #.
func (p *chatPage) renderRoomList(id string, names []string) app.UI {
	return app.Ul().ID(id).Class("rooms").Body(
		app.Range(names).Slice(func(i int) app.UI {
			name := names[i]
			unread := p.st.unread(name)
			mentioned := p.st.mentionCount(name)
			current := name == p.st.current
			class := "room-item"
			if current {
				class += " current"
			}
			title := p.st.roomTitle(name)
			kind := p.st.roomKind(name)
			label := title
			if kind == kindPublic {
				label = "#" + name
			}
			if unread > 0 {
				label += ", " + strconv.Itoa(unread) + " unread"
			}
			if mentioned > 0 {
				label += ", " + strconv.Itoa(mentioned) + " mentioning you"
			}
			link := app.Button().
				Type("button").
				Class("room-link").
				DataSet("room", name).
				Aria("label", label).
				OnClick(p.onRoomClick).
				Body(
					roomMark(kind),
					app.Span().Class("room-label").Text(title),
					app.If(unread > 0, func() app.UI {
						return app.Span().Class("unread").Aria("hidden", "true").Text(badgeText(unread))
					}),
					// Never without the unread badge before it: a mention is unread.
					app.If(mentioned > 0, func() app.UI {
						return app.Span().Class("mentioned").Aria("hidden", "true").Text("@" + badgeText(mentioned))
					}),
				)
			if current {
				link = link.Aria("current", "page")
			}
			return app.Li().Class(class).DataSet("room", name).Body(link)
		}),
	)
}

// roomMark is what stands before a room's name: # for a public room, a
// lock for a private one, a person for a direct message.
func roomMark(kind string) app.UI {
	switch kind {
	case kindPrivate:
		return app.Span().Class("room-hash room-icon").Aria("hidden", "true").Body(lockIcon())
	case kindDirect:
		return app.Span().Class("room-hash room-icon").Aria("hidden", "true").Body(personIcon())
	}
	return app.Span().Class("room-hash").Aria("hidden", "true").Text("#")
}

// renderPrivateRooms is #private-rooms and the way to make one; a guest is
// told that it takes an account.
func (p *chatPage) renderPrivateRooms() app.UI {
	return app.Nav().Class("rooms-nav").Aria("labelledby", "private-title").Body(
		app.Div().Class("side-head").Body(
			app.H2().ID("private-title").Class("side-title").Text("Private rooms"),
			app.If(!p.st.guest && p.st.user != "", func() app.UI {
				return app.Button().ID("new-private").Type("button").Class("icon-button small").
					Title("New private room").Aria("label", "New private room").
					DataSet("kind", kindPrivate).OnClick(p.onNewRoom).Body(plusIcon())
			}),
		),
		p.renderRoomList("private-rooms", p.st.roomsOfKind(kindPrivate)),
		app.If(p.st.guest, func() app.UI {
			return app.P().Class("side-note").Body(
				app.A().Href("/signup").Text("Sign up"),
				app.Text(" to make private rooms and send direct messages."),
			)
		}),
	)
}

// renderDirectRooms is #direct-rooms and the way to start one.
func (p *chatPage) renderDirectRooms() app.UI {
	return app.Nav().Class("rooms-nav").Aria("labelledby", "direct-title").Body(
		app.Div().Class("side-head").Body(
			app.H2().ID("direct-title").Class("side-title").Text("Direct messages"),
			app.If(!p.st.guest && p.st.user != "", func() app.UI {
				return app.Button().ID("new-direct").Type("button").Class("icon-button small").
					Title("New direct message").Aria("label", "New direct message").
					DataSet("kind", kindDirect).OnClick(p.onNewRoom).Body(plusIcon())
			}),
		),
		p.renderRoomList("direct-rooms", p.st.roomsOfKind(kindDirect)),
	)
}

// onRoomClick reads the room from the button: go-app keeps a node's first
// handler when it re-renders a row, so a closure over the row's room would
// switch to whichever room the row first showed.
func (p *chatPage) onRoomClick(ctx app.Context, e app.Event) {
	room := ctx.JSSrc().Get("dataset").Get("room").String()
	p.st.join(room) // on screen if joined; a listed room over the limit is joined now
	p.flush(ctx)
	p.menuOpen = false
	ctx.Defer(func(app.Context) { focusByID("composer-text") })
}

// renderRoomForm is #room-form: type a name to join or create a room.
func (p *chatPage) renderRoomForm() app.UI {
	return sideForm{
		id: "room-form", label: "Join or create a room",
		inputID: "room-name", input: app.Input().Name("room").Placeholder("room-name").MaxLength(wire.MaxRoomLen), hint: "go",
		button: "room-join", buttonText: "Join",
		errID: "room-error", err: p.st.roomError,
	}.render(p.onRoomSubmit)
}

func (p *chatPage) onRoomSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("room-name")
	if !p.st.join(input.Get("value").String()) {
		return
	}
	input.Set("value", "")
	p.flush(ctx)
	p.menuOpen = false
	ctx.Defer(func(app.Context) { focusByID("composer-text") })
}

// renderPresence is #presence: who is in the room on screen. The server
// names at most 50 people and counts the rest. While the count is not live
// the list is marked stale and the title says since when.
func (p *chatPage) renderPresence() app.UI {
	r := p.st.cur()
	more := r.online - len(r.names)
	live := p.presenceLive(r)
	count, class := " · "+strconv.Itoa(r.online), "presence"
	if !live {
		class += " stale"
		count = " · unknown"
		if !r.seenAt.IsZero() {
			count = " · " + strconv.Itoa(r.online) + " at " + clockTime(r.seenAt)
		}
	}
	return app.Section().Class("people").Aria("labelledby", "people-title").Body(
		app.H2().ID("people-title").Class("side-title").Body(
			app.Text("In "+p.st.roomHeading(r.name)),
			app.Span().Class("count").Text(count),
		),
		app.Ul().ID("presence").Class(class).Body(
			app.Range(r.names).Slice(func(i int) app.UI {
				name := r.names[i]
				class := "person"
				if name == p.st.name {
					class += " me"
				}
				return app.Li().Class(class).Body(
					app.Span().Class("avatar small", hueClass(name)).Aria("hidden", "true").Text(initial(name)),
					app.Span().Class("person-name").Text(name),
				)
			}),
			app.If(more > 0, func() app.UI {
				return app.Li().Class("person more").Text("and " + strconv.Itoa(more) + " more")
			}),
		),
	)
}
