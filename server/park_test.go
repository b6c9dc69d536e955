//go:build linux

package server

import (
	"runtime"
	"testing"
	"time"

	"chat/server/hub"
	"chat/wire"
)

// TestIdleConnectionsKeepNoGoroutine: idle connections are parked, yet they
// get their broadcasts, answer pings, send when they want to, and end
// when their peer goes or the server closes them.
func TestIdleConnectionsKeepNoGoroutine(t *testing.T) {
	s, hs := startServer(t, func(c *Config) {
		c.Hub = &hub.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 2 * time.Second}
	})
	before := runtime.NumGoroutine()
	const n = 200
	var clients []*client
	for range n {
		clients = append(clients, dial(t, hs))
	}
	waitClients(t, s, n)
	// Each test client has a reading goroutine of its own; the server side
	// of an idle connection has none.
	waitFor(t, 10*time.Second, "idle connections parked", func() bool {
		return runtime.NumGoroutine() < before+n+20
	})
	get(t, hs.URL+"/benchmark")
	for _, cl := range clients {
		cl.next(wire.TypeBroadcast)
	}
	// Pings went out and were answered by parked connections: nobody was
	// dropped for want of a pong.
	time.Sleep(2 * time.Second)
	if st := s.Hub().Stats(); st.PingTimeouts != 0 || st.Clients != n {
		t.Fatalf("after pings: %+v", st)
	}
	clients[0].joinAs("ana", "lobby")
	clients[0].say("lobby", "p-1", "from a parked connection")
	if m := clients[1].next(wire.TypeMsg); m.ID != "p-1" {
		t.Fatalf("got %+v", m)
	}
	// A peer that goes ends its parked session.
	clients[2].c.CloseNow()
	waitClients(t, s, n-1)
	// The server closing parked connections (here a slow-consumer style
	// kill of all at shutdown) ends their sessions too.
	s.Shutdown(t.Context())
	if got := s.Conns(); got != 0 {
		t.Fatalf("%d sessions left after shutdown", got)
	}
}
