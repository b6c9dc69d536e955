package app

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// refreshRooms asks for the person's private rooms and direct messages
// (accounts only: a guest has none) and joins them. The server's rooms
// event says when they changed (added, removed, a direct message, a
// topic); the page also asks on every welcome, since it may have missed
// events while away, and when it comes back into view.
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
			switch {
			case p.panel.open && p.st.rooms[p.panel.room] == nil:
				p.panel = roomPanel{}
			case p.panel.open && !p.panel.busy:
				p.loadPanel(ctx) // its members or topic may be what changed
			}
			p.flush(ctx)
		})
	})
}
