package server

import (
	"sync"
	"time"

	"chat/wire"
)

// lobbyHolds releases the implicit lobby holds of new connections once they
// are lobbyHoldFor old (see joinLobbyQuietly). Every hold lasts as long, so a
// queue in arrival order and one goroutine do it for all connections: no
// timer per connection.
type lobbyHolds struct {
	mu    sync.Mutex
	queue []lobbyHold
	stop  chan struct{}
	done  chan struct{}
}

type lobbyHold struct {
	ss      *session
	release time.Time
}

func newLobbyHolds() *lobbyHolds {
	l := &lobbyHolds{stop: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

func (l *lobbyHolds) add(ss *session) {
	l.mu.Lock()
	l.queue = append(l.queue, lobbyHold{ss, time.Now().Add(lobbyHoldFor)})
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
				if h.ss.takeLobbyHold() {
					h.ss.client.EndSync(wire.DefaultRoom, nil, 0)
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
