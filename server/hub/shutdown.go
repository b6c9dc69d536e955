package hub

import (
	"context"
	"time"
)

// Shutdown closes every client with d (normally DisconnectShutdown) after
// flushing what is queued to it, and waits until their writers are done or
// ctx ends; whoever is left is then closed without a handshake.
func (h *Hub) Shutdown(ctx context.Context, d Disconnect) {
	h.Each(func(c *Client) { c.Close(d) })
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		busy := 0
		h.Each(func(c *Client) {
			if !c.idle() {
				busy++
			}
		})
		if busy == 0 {
			return
		}
		select {
		case <-ctx.Done():
			var rest []*Client
			h.Each(func(c *Client) { rest = append(rest, c) })
			for _, c := range rest {
				c.kill()
			}
			return
		case <-tick.C:
		}
	}
}

// KillAll closes every client at once, without a handshake: what Shutdown
// left waiting for its peer's answer.
func (h *Hub) KillAll() {
	var all []*Client
	h.Each(func(c *Client) { all = append(all, c) })
	for _, c := range all {
		c.kill()
	}
}
