package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// statusLabel is the readable text of each connection state.
func statusLabel(s connStatus) string {
	switch s {
	case statusConnected:
		return "Connected"
	case statusUnreachable:
		return "Server unreachable"
	case statusOffline:
		return "Offline"
	}
	return "Connecting…"
}

// queuedNote is what a message waiting for a connection says, by state.
func queuedNote(s connStatus) string {
	switch s {
	case statusOffline:
		return "Will be sent when you are back online."
	case statusUnreachable:
		return "Will be sent when the server is back."
	}
	return "Will be sent once connected."
}

// presenceLive reports whether a room's head count is true now: it came on
// this connection, which is up. Otherwise it is shown as of when it was
// last true, or as unknown.
func (p *chatPage) presenceLive(r *room) bool {
	return p.st.status == statusConnected && r.presenceLive
}

// onlineLabel is the text of #online; the count leads so it reads at a
// glance, and one that is not live says when it was true, so that it does
// not pass for the room now.
func onlineLabel(r *room, live bool) string {
	switch {
	case live:
		return strconv.Itoa(r.online) + " online"
	case !r.seenAt.IsZero():
		return strconv.Itoa(r.online) + " online at " + clockTime(r.seenAt)
	}
	return "Online: unknown"
}

// onlineTitle lists who is here, for the tooltip: the server sends names
// for rooms small enough to list and a count only for big ones.
func onlineTitle(r *room, live bool) string {
	switch {
	case live && len(r.names) > 0:
		return strings.Join(r.names, ", ")
	case live:
		return ""
	case !r.seenAt.IsZero():
		return "Not connected: who was here at " + clockTime(r.seenAt) + ". " + strings.Join(r.names, ", ")
	}
	return "Not connected: who is here is not known yet."
}

// clockTime is a local time of today as 15:04, of another day with the date.
func clockTime(t time.Time) string {
	local := t.Local()
	if startOfDay(local).Equal(startOfDay(time.Now())) {
		return local.Format("15:04")
	}
	return local.Format("2 Jan 15:04")
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

// renderOffline is #offline, the banner under the header while there is
// no connection: why, what still works, and, when the server is what is
// away, a way to try at once (when the network is, the page tries as soon
// as the browser says it is back).
func (p *chatPage) renderOffline() app.UI {
	switch p.st.status {
	case statusConnected:
		if p.st.storeDown {
			return app.Div().ID("store-down").Class("offline-banner").Role("status").Body(
				app.Span().Text("Messages cannot be saved right now. What you send is kept and goes out when the service is back."),
			)
		}
		return nil
	case statusOffline:
		return app.Div().ID("offline").Class("offline-banner").DataSet("state", string(statusOffline)).Body(
			app.Span().Text("You are offline. Messages you send are kept until you are back online."),
		)
	case statusUnreachable:
		return app.Div().ID("offline").Class("offline-banner").DataSet("state", string(statusUnreachable)).Body(
			app.Span().Text("The server cannot be reached; trying again. Messages you send are kept until it is back."),
			app.Button().
				ID("reconnect").
				Type("button").
				Class("button link").
				OnClick(p.onRetryNow).
				Text("Retry now"),
		)
	}
	return nil
}

// renderOnline is #online, the room's head count: live, or marked stale
// (class stale, and the time it was true) while it is not.
func (p *chatPage) renderOnline() app.UI {
	r := p.st.cur()
	live := p.presenceLive(r)
	class := "online"
	if !live {
		class += " stale"
	}
	return app.P().
		ID("online").
		Class(class).
		Title(onlineTitle(r, live)).
		Text(onlineLabel(r, live))
}

func (p *chatPage) onRetryNow(ctx app.Context, e app.Event) {
	if p.sock != nil {
		p.sock.retry()
	}
}
