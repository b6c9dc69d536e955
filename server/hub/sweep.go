package hub

import (
	"context"
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
	nowNanos := now.UnixNano()
	h.Each(func(c *Client) {
		if start := c.writeStart.Load(); start != 0 && start < stalledBefore {
			h.stats.writeTimeouts.Add(1)
			go c.kill()
			return
		}
		if c.nextPing.Load() <= nowNanos && c.pinging.CompareAndSwap(false, true) {
			go h.ping(c)
		}
	})
}

func (h *Hub) ping(c *Client) {
	defer c.pinging.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.PingTimeout)
	defer cancel()
	if err := c.t.Ping(ctx); err != nil {
		h.stats.pingTimeouts.Add(1)
		c.kill()
		return
	}
	// Jitter keeps a crowd that connected together from pinging together.
	jitter := time.Duration(rand.Int64N(int64(h.opts.PingInterval / 10)))
	c.nextPing.Store(time.Now().Add(h.opts.PingInterval + jitter).UnixNano())
}
