package hub

import (
	"math/rand/v2"
	"time"
)

// sweepEvery is the watchdog's period: a stalled write is noticed at most
// this long after WriteTimeout.
const sweepEvery = time.Second

// sweep is the hub's one watchdog for all clients. Instead of a timer or a
// context per write (coder/websocket#570: a context.WithTimeout per write was
// 99% of a chat server's allocations), each write stores its start time and
// the sweep closes clients whose write has been in progress too long. It
// also sends the keepalive pings, so that a peer that vanished without a
// FIN is found.
func (h *Hub) sweep() {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-h.stop:
			return
		case now := <-tick.C:
			h.sweepOnce(now)
		}
	}
}

func (h *Hub) sweepOnce(now time.Time) {
	stalledBefore := now.Add(-h.opts.WriteTimeout).UnixNano()
	unansweredBefore := now.Add(-h.opts.CloseTimeout).UnixNano()
	noPongBefore := now.Add(-h.opts.PingTimeout).UnixNano()
	nowNanos := now.UnixNano()
	var due []*Client
	h.Each(func(c *Client) {
		if start := c.writeStart.Load(); start != 0 && start < stalledBefore {
			h.stats.writeTimeouts.Add(1)
			go c.kill()
			return
		}
		if at := c.closedAt.Load(); at != 0 && at < unansweredBefore {
			go c.kill() // the peer never answered the close
			return
		}
		if sent := c.pingSent.Load(); sent != 0 {
			if sent < noPongBefore {
				h.stats.pingTimeouts.Add(1)
				go c.kill()
			}
			return
		}
		if c.nextPing.Load() <= nowNanos {
			due = append(due, c)
		}
	})
	// Outside the registry's locks: a ping is a write.
	for _, c := range due {
		c.pingSent.Store(nowNanos)
		// Jitter keeps a crowd that connected together from pinging together.
		jitter := rand.Int64N(int64(h.opts.PingInterval / 10))
		c.nextPing.Store(nowNanos + int64(h.opts.PingInterval) + jitter)
		_, _ = c.WriteControl(pingFrame)
	}
}

// pingFrame is the server's keepalive ping: an empty one, written as any
// control frame is (Client.WriteControl), whose pong the session reports
// with Client.Pong. No goroutine, context or timer per ping.
var pingFrame = []byte{0x89, 0}
