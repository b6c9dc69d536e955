package app

import (
	"context"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Browsing the public rooms: GET /api/rooms/public in a dialog, each room
// with a way to join it.

// kindBrowse is the dialog's kind while it lists the public rooms.
const kindBrowse = "browse"

// publicRoom is a room of GET /api/rooms/public.
type publicRoom struct {
	Name   string    `json:"name"`
	Active time.Time `json:"active"` // its last message or change
	Online int       `json:"online"`
}

func fetchPublicRooms(ctx context.Context) ([]publicRoom, error) {
	var a struct {
		Rooms []publicRoom `json:"rooms"`
	}
	err := apiCall(ctx, "GET", "/api/rooms/public", nil, &a)
	return a.Rooms, err
}

func (p *chatPage) onBrowseRooms(ctx app.Context, e app.Event) {
	p.dialog = roomDialog{kind: kindBrowse, busy: true}
	p.publicRooms = nil
	p.menuOpen = false
	loop := p.loop
	ctx.Async(func() {
		rooms, err := fetchPublicRooms(loop)
		ctx.Dispatch(func(ctx app.Context) {
			if p.dialog.kind != kindBrowse {
				return
			}
			p.dialog.busy = false
			if err != nil {
				p.dialog.err = "Could not list the rooms: " + err.Error()
				return
			}
			p.publicRooms = rooms
		})
	})
	focusAfterRender("browse-close")
}

// onBrowseJoin joins (or opens) the room of the button.
func (p *chatPage) onBrowseJoin(ctx app.Context, e app.Event) {
	room := ctx.JSSrc().Get("dataset").Get("room").String()
	if !p.st.join(room) {
		p.dialog.err = p.st.roomError
		return
	}
	p.dialog = roomDialog{}
	p.flush(ctx)
	focusAfterRender("composer-text")
}

// renderBrowse is #browse-dialog.
func (p *chatPage) renderBrowse() app.UI {
	rooms := p.publicRooms
	return app.Div().Class("modal-wrap").Body(
		app.Div().Class("modal-backdrop").Aria("hidden", "true").OnClick(p.onDialogCancel),
		app.Div().
			ID("browse-dialog").
			Class("modal browse").
			Role("dialog").
			Aria("modal", "true").
			Aria("labelledby", "browse-title").
			Body(
				app.H2().ID("browse-title").Class("modal-title").Text("Public rooms"),
				app.P().ID("dialog-error").Class("form-error").Role("alert").Text(p.dialog.err),
				app.If(p.dialog.busy, func() app.UI {
					return app.P().Class("field-hint").Text("Loading…")
				}),
				app.If(!p.dialog.busy && p.dialog.err == "" && len(rooms) == 0, func() app.UI {
					return app.P().Class("field-hint").Text("No public rooms yet: make one by joining it by name.")
				}),
				app.Ul().ID("public-rooms").Class("public-rooms").Body(
					app.Range(rooms).Slice(func(i int) app.UI {
						r := rooms[i]
						joined := p.st.rooms[r.Name] != nil
						label := "Join"
						if joined {
							label = "Open"
						}
						return app.Li().Class("public-room").DataSet("room", r.Name).Body(
							app.Div().Class("public-what").Body(
								app.Span().Class("public-name").Text("#"+r.Name),
								app.Span().Class("public-counts").Text(plural(r.Online, "online", "online")+" · "+activeAgo(r.Active, time.Now())),
							),
							app.Button().Type("button").Class("button small "+map[bool]string{true: "secondary", false: "primary"}[joined]).
								DataSet("room", r.Name).Aria("label", label+" #"+r.Name).
								OnClick(p.onBrowseJoin).Text(label),
						)
					}),
				),
				app.Div().Class("modal-actions").Body(
					app.Button().ID("browse-close").Type("button").Class("button secondary").OnClick(p.onDialogCancel).Text("Close"),
				),
			),
	)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// activeAgo says how long ago a room was last active, as a directory
// shows it: "active now", "active 5 min ago", "active 3 h ago", then
// days, then the date.
func activeAgo(at, now time.Time) string {
	switch d := now.Sub(at); {
	case d < time.Minute:
		return "active now"
	case d < time.Hour:
		return "active " + strconv.Itoa(int(d/time.Minute)) + " min ago"
	case d < 24*time.Hour:
		return "active " + strconv.Itoa(int(d/time.Hour)) + " h ago"
	case d < 30*24*time.Hour:
		return "active " + plural(int(d/(24*time.Hour)), "day", "days") + " ago"
	}
	return "active " + at.Local().Format("2 Jan 2006")
}
