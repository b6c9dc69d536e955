package app

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderNotifyButton is the bell in the room's header: it opens the
// notification settings of this device and of the room.
func (p *chatPage) renderNotifyButton() app.UI {
	label := "Notifications"
	if p.notify.on {
		label = "Notifications: on"
	}
	return app.Button().
		ID("notify-toggle").
		Type("button").
		Class("icon-button notify-toggle").
		DataSet("on", boolAttr(p.notify.on)).
		Title(label).
		Aria("label", label).
		Aria("expanded", boolAttr(p.notify.open)).
		Aria("controls", "notify-panel").
		OnClick(p.onNotifyToggle).
		Body(bellIcon(p.notify.on))
}

// renderNotifyPanel is #notify-panel: notifications on this device (on,
// off, or why they cannot be), and for accounts the room's level and,
// for a private room or direct message, whether pushes carry its text.
func (p *chatPage) renderNotifyPanel() app.UI {
	if !p.notify.open {
		return nil
	}
	room := p.notify.room
	kind := p.st.roomKind(room)
	return app.Section().
		ID("notify-panel").
		Class("notify-panel").
		Role("dialog").
		Aria("labelledby", "notify-title").
		TabIndex(-1).
		Body(
			app.Div().Class("notify-head").Body(
				app.H2().ID("notify-title").Class("notify-title").Text("Notifications"),
				app.Button().ID("notify-close").Type("button").Class("icon-button small").
					Title("Close").Aria("label", "Close notifications").OnClick(p.onNotifyClose).Body(closeIcon()),
			),
			p.renderNotifyDevice(),
			app.If(!p.st.guest && p.st.user != "", func() app.UI {
				return p.renderNotifyRoom(room, kind)
			}),
			app.P().ID("notify-error").Class("form-error").Role("alert").Text(p.notify.err),
			app.P().ID("notify-note").Class("notify-note").Role("status").Text(p.notify.note),
		)
}

func (p *chatPage) onNotifyClose(ctx app.Context, e app.Event) { p.closeNotify(ctx) }

// renderNotifyDevice is this device's switch.
func (p *chatPage) renderNotifyDevice() app.UI {
	if p.st.guest || p.st.user == "" {
		return app.P().ID("notify-guest").Class("notify-device").Body(
			app.Text("Sign up to get notifications of mentions and direct messages. "),
			app.A().Href("/signup").Text("Sign up"),
		)
	}
	if p.notify.on {
		return app.Div().Class("notify-device").Body(
			app.P().Class("notify-state").Text("On for this device: mentions, direct messages and the rooms you chose, while the chat is in the background."),
			app.Button().ID("notify-off").Type("button").Class("button secondary small").
				OnClick(p.onNotifyOff).Text("Turn off on this device"),
		)
	}
	return app.Div().Class("notify-device").Body(
		app.P().Class("notify-state").Text("Off for this device. The browser asks you to allow them."),
		app.Button().ID("notify-on").Type("button").Class("button primary small").
			Disabled(p.notify.busy).OnClick(p.onNotifyOn).Text("Turn on notifications"),
	)
}

// renderNotifyRoom is the room's level and previews. Its radios are
// named per room: go-app keeps a node's first handler and state.
func (p *chatPage) renderNotifyRoom(room, kind string) app.UI {
	if !p.notify.loaded {
		return app.P().Class("notify-state").Text("Loading this room's setting…")
	}
	c := p.notify.choice
	option := func(level, label string) app.UI {
		id := "notify-level-" + level
		return app.Label().Class("notify-option").For(id).Body(
			app.Input().ID(id).Type("radio").Name("notify-level").Value(level).
				Checked(c.Level == level).OnChange(p.onNotifyLevel),
			app.Span().Text(label),
		)
	}
	mentionsLabel := "Mentions of you"
	if kind == kindDirect {
		mentionsLabel = "Mentions of you only"
	}
	return app.FieldSet().ID("notify-room").Class("notify-room").Body(
		app.Legend().Text("In "+p.st.roomHeading(room)),
		option(levelAll, "Every message"),
		option(levelMentions, mentionsLabel),
		option(levelNone, "Nothing"),
		app.If(kind != kindPublic, func() app.UI {
			return app.Label().Class("notify-option previews").For("notify-previews").Body(
				app.Input().ID("notify-previews").Type("checkbox").Checked(c.Previews).OnChange(p.onNotifyPreviews),
				app.Span().Body(
					app.Text("Show the message text in pushes"),
					app.Span().Class("field-hint").Text(" Pushes pass through the browser maker's servers; without this they say only who wrote."),
				),
			)
		}),
	)
}

func bellIcon(on bool) app.UI {
	if on {
		return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z" fill="currentColor"/><path d="M10 20a2 2 0 0 0 4 0" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg>`)
	}
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" fill="none"/></svg>`)
}
