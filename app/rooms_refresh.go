package app

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// roomsEvery is how often an open page asks for its rooms again: someone
// may have added this person to a room or started a direct message with
// them, which the socket does not tell (it tells only the rooms joined).
// The page also asks on every welcome and when it comes back into view.
const roomsEvery = time.Minute

// scheduleRoomRefresh asks for the rooms every roomsEvery while the page
// is visible, until the page's loop ends.
func (p *chatPage) scheduleRoomRefresh(ctx app.Context) {
	loop := p.loop
	ctx.After(roomsEvery, func(ctx app.Context) {
		if loop.Err() != nil {
			return
		}
		if app.Window().Get("document").Get("visibilityState").String() == "visible" {
			p.refreshRooms(ctx)
		}
		p.scheduleRoomRefresh(ctx)
	})
}

// refreshRooms asks for the person's private rooms and direct messages
// (accounts only: a guest has none) and joins them.
func (p *chatPage) refreshRooms(ctx app.Context) {
	if p.st.user == "" || p.st.guest {
		return
	}
	loop := p.loop
	if loop == nil {
		loop = context.Background()
	}
	ctx.Async(func() {
		list, err := fetchRooms(loop)
		if err != nil {
			return // kept as it was; asked again on the next visit or reconnect
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.st.setRoomList(list)
			if p.panel.open && p.st.rooms[p.panel.room] == nil {
				p.panel = roomPanel{}
			}
			p.flush(ctx)
		})
	})
}
