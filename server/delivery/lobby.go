package delivery

import (
	"sync"
	"sync/atomic"
	"time"

	"chat/server/hub"
	"chat/wire"
)

// lobbyHoldFor is how long the implicit lobby membership holds the lobby's
// messages, waiting for the client to join the lobby with its last seq (a
// UI does so in its first frame).
const lobbyHoldFor = time.Second

// LobbyHold is a connection's implicit lobby membership while it holds
// the lobby's messages (see JoinLobby). Its zero value holds nothing; the
// connection keeps it, so that holding costs no allocation.
type LobbyHold struct {
	c    *hub.Client
	held atomic.Bool
}

// Take reports whether the hold was still on, and ends it for the caller
// to release or take over: of the connection's own join of the lobby, its
// end, and the release after lobbyHoldFor, only one gets true.
func (h *LobbyHold) Take() bool { return h.held.CompareAndSwap(true, false) }

// JoinLobby puts a new connection in the lobby, so that a plain WebSocket
// client (the article's benchmark) gets what the lobby gets. The lobby's
// messages are held for a moment: a client that then joins the lobby with
// its last seq resumes exactly (history, then live, no duplicate); one
// that does not gets the held messages when the moment ends.
func (d *Deliveries) JoinLobby(h *LobbyHold, c *hub.Client) {
	c.BeginSync(wire.DefaultRoom)
	if _, err := d.hub.Join(c, wire.DefaultRoom); err != nil {
		c.EndSync(wire.DefaultRoom, nil, 0)
		return
	}
	h.c = c
	h.held.Store(true)
	d.lobby.add(h)
}

// lobbyHolds releases the implicit lobby holds of new connections once they
// are lobbyHoldFor old (see JoinLobby). Every hold lasts as long, so a
// queue in arrival order and one goroutine do it for all connections: no
// timer per connection.
type lobbyHolds struct {
	mu    sync.Mutex
	queue []lobbyHold
	stop  chan struct{}
	done  chan struct{}
}

type lobbyHold struct {
	h       *LobbyHold
	release time.Time
}

func newLobbyHolds() *lobbyHolds {
	l := &lobbyHolds{stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

func (l *lobbyHolds) add(h *LobbyHold) {
	l.mu.Lock()
	l.queue = append(l.queue, lobbyHold{h, time.Now().Add(lobbyHoldFor)})
	l.mu.Unlock()
}

func (l *lobbyHolds) run() {
	defer close(l.done)
	tick := time.NewTicker(lobbyHoldFor / 10)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case now := <-tick.C:
			for _, h := range l.due(now) {
				if h.h.Take() {
					h.h.c.EndSync(wire.DefaultRoom, nil, 0)
				}
			}
		}
	}
}

// due takes the holds whose time has come off the queue.
func (l *lobbyHolds) due(now time.Time) []lobbyHold {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for n < len(l.queue) && !l.queue[n].release.After(now) {
		n++
	}
	out := append([]lobbyHold(nil), l.queue[:n]...)
	clear(l.queue[:n])
	l.queue = l.queue[n:]
	if len(l.queue) == 0 {
		l.queue = nil // let a large backing array go after a connection storm
	}
	return out
}

func (l *lobbyHolds) close() {
	close(l.stop)
	<-l.done
}
