package app

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// statusLabel is the readable text of each connection state.
func statusLabel(s connStatus) string {
	switch s {
	case statusConnected:
		return "Connected"
	case statusReconnecting:
		return "Reconnecting…"
	case statusOffline:
		return "Offline"
	}
	return "Connecting…"
}

// onlineLabel is the text of #online; the count leads so it reads at a glance.
func onlineLabel(count int) string {
	return strconv.Itoa(count) + " online"
}

// onlineTitle lists who is here, for the tooltip: the server sends names
// for rooms small enough to list and a count only for big ones.
func onlineTitle(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return strings.Join(names, ", ")
}

// renderStatus is #status, with a button to skip the wait while a reconnect
// is pending.
func (p *chatPage) renderStatus() app.UI {
	state := p.st.status
	return app.Div().Class("status-wrap").Body(
		app.P().
			ID("status").
			Class("status").
			DataSet("state", string(state)).
			Role("status").
			Body(
				app.Span().Class("status-dot").Aria("hidden", "true"),
				app.Span().Class("status-text").Text(statusLabel(state)),
			),
	)
}

// renderOffline is #offline, the banner under the header while the server
// cannot be reached: what still works, and a way to try at once.
func (p *chatPage) renderOffline() app.UI {
	if p.st.status == statusConnected && p.st.storeDown {
		return app.Div().ID("store-down").Class("offline-banner").Role("status").Body(
			app.Span().Text("Messages cannot be saved right now. What you send is kept and goes out when the service is back."),
		)
	}
	if p.st.status != statusOffline && p.st.status != statusReconnecting {
		return nil
	}
	text := "Reconnecting… Messages you send will go out as soon as the connection is back."
	if p.st.status == statusOffline {
		text = "You are offline. Messages you send are kept and go out when the connection is back."
	}
	return app.Div().ID("offline").Class("offline-banner").Body(
		app.Span().Text(text),
		app.Button().
			ID("reconnect").
			Type("button").
			Class("button link").
			OnClick(p.onRetryNow).
			Text("Retry now"),
	)
}

// renderOnline is #online, the room's member count. While disconnected it
// keeps the last count, marked stale, rather than claim an empty room.
func (p *chatPage) renderOnline() app.UI {
	r := p.st.cur()
	class := "online"
	if p.st.status != statusConnected {
		class += " stale"
	}
	return app.P().
		ID("online").
		Class(class).
		Title(onlineTitle(r.names)).
		Text(onlineLabel(r.online))
}

func (p *chatPage) onRetryNow(ctx app.Context, e app.Event) {
	if p.sock != nil {
		p.sock.retry()
	}
}
