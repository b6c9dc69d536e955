package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"chat/server/hub"
	"chat/wire"
)

func TestBenchmarkBroadcastReachesEveryRawClient(t *testing.T) {
	s, hs := startServer(t, nil)
	// Plain clients, as in the article's benchmark: they connect and read,
	// and never say a word.
	var clients []*client
	for range 50 {
		clients = append(clients, dial(t, hs))
	}
	waitClients(t, s, 50)
	const triggers = 3
	for range triggers {
		if res := get(t, hs.URL+"/benchmark"); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /benchmark: %s", res.Status)
		}
	}
	for i, cl := range clients {
		for range triggers {
			if ev := cl.next(wire.TypeBroadcast); ev.Text != wire.BenchmarkText {
				t.Fatalf("client %d: broadcast text %q", i, ev.Text)
			}
		}
		cl.none(wire.TypeBroadcast, 50*time.Millisecond)
	}
}

// TestBenchmarkIsForLocalClientsByDefault: one request to /benchmark is a
// delivery to every client, so by default only this host may ask, and not
// through a proxy; -benchmark all opens it.
func TestBenchmarkIsForLocalClientsByDefault(t *testing.T) {
	s, _ := startServer(t, nil)
	open, _ := startServer(t, func(c *Config) { c.Benchmark = BenchmarkAll })
	try := func(srv *Server, remote string, header ...string) int {
		req := httptest.NewRequest(http.MethodGet, "/benchmark", nil)
		req.RemoteAddr = remote
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	for _, c := range []struct {
		name   string
		srv    *Server
		remote string
		header []string
		want   int
	}{
		{"loopback", s, "127.0.0.1:5000", nil, http.StatusOK},
		{"loopback v6", s, "[::1]:5000", nil, http.StatusOK},
		{"another host", s, "203.0.113.7:5000", nil, http.StatusForbidden},
		{"through a local proxy", s, "127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.7"}, http.StatusForbidden},
		{"through a local proxy (Forwarded)", s, "127.0.0.1:5000", []string{"Forwarded", "for=203.0.113.7"}, http.StatusForbidden},
		{"another host, opened", open, "203.0.113.7:5000", nil, http.StatusOK},
	} {
		if got := try(c.srv, c.remote, c.header...); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestBenchmarkCanBeSwitchedOff(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.Benchmark = BenchmarkOff })
	if res := get(t, hs.URL+"/benchmark"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /benchmark with -benchmark=false: %s, want 404", res.Status)
	}
}

func TestMessageReachesEveryMemberWithSeq(t *testing.T) {
	_, hs := startServer(t, nil)
	ana, bo := dial(t, hs), dial(t, hs)
	ana.joinAs("ana", "lobby")
	bo.joinAs("bo", "lobby")

	ana.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "ana-1", Text: "hi <b>bo</b> & all"})
	var seqs []uint64
	for _, cl := range []*client{ana, bo} {
		m := cl.next(wire.TypeMsg)
		if m.Room != "lobby" || m.From != "ana" || m.ID != "ana-1" || m.Text != "hi <b>bo</b> & all" {
			t.Fatalf("msg = %+v", m)
		}
		if m.Seq == 0 || m.TS.IsZero() || time.Since(m.TS) > time.Minute {
			t.Fatalf("msg without seq or a recent ts: %+v", m)
		}
		seqs = append(seqs, m.Seq)
	}
	if seqs[0] != seqs[1] {
		t.Fatalf("the two members saw seqs %v; a message has one seq", seqs)
	}
	bo.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "bo-1", Text: "hello"})
	if m := ana.next(wire.TypeMsg); m.Seq <= seqs[0] || m.From != "bo" {
		t.Fatalf("second message %+v: seq must grow", m)
	}
}

func TestRoomsAreIsolatedEndToEnd(t *testing.T) {
	_, hs := startServer(t, nil)
	red, blue := dial(t, hs), dial(t, hs)
	red.joinAs("r", "red")
	blue.joinAs("b", "blue")
	blue.send(wire.Event{Type: wire.TypeLeave, Room: "lobby"})
	red.send(wire.Event{Type: wire.TypeLeave, Room: "lobby"})

	red.send(wire.Event{Type: wire.TypeSend, Room: "red", ID: "r1", Text: "in red"})
	if m := red.next(wire.TypeMsg); m.Room != "red" {
		t.Fatalf("red got %+v", m)
	}
	blue.none(wire.TypeMsg, 200*time.Millisecond)

	// Sending to a room one is not in is refused, and nothing is stored.
	blue.send(wire.Event{Type: wire.TypeSend, Room: "red", ID: "b1", Text: "sneaky"})
	if e := blue.next(wire.TypeError); e.Code != wire.CodeNotJoined || e.ID != "b1" {
		t.Fatalf("send to a room not joined: %+v, want %s with the id", e, wire.CodeNotJoined)
	}
	red.none(wire.TypeMsg, 200*time.Millisecond)
}

func TestPresenceCountsAndNames(t *testing.T) {
	_, hs := startServer(t, nil)
	ana := dial(t, hs)
	ana.joinAs("ana", "tea")
	waitPresence(t, ana, "tea", 1)
	bo := dial(t, hs)
	bo.joinAs("bo", "tea")
	p := waitPresence(t, ana, "tea", 2)
	if fmt.Sprint(p.Names) != "[ana bo]" {
		t.Fatalf("presence names %v, want [ana bo]", p.Names)
	}
	bo.c.CloseNow()
	waitPresence(t, ana, "tea", 1)
}

func TestHealthzProvesTheDataPath(t *testing.T) {
	s, hs := startServer(t, nil)
	if res := get(t, hs.URL+"/healthz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %s", res.Status)
	}
	// With NATS gone, health must say so.
	s.broker.Conn().Close()
	if res := get(t, hs.URL+"/healthz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/healthz with NATS closed: %s, want 503", res.Status)
	}
}

// waitPresence waits for a presence event of room with count members.
func waitPresence(t *testing.T, cl *client, room string, count int) wire.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		p := cl.next(wire.TypePresence)
		if p.Room == room && p.Count == count {
			return p
		}
	}
	t.Fatalf("no presence of %d in %s within 5s", count, room)
	return wire.Event{}
}

// waitClients waits until the hub has n clients registered: a dial returns
// when the handshake is answered, a moment before the hub has the client.
func waitClients(t *testing.T, s *Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Hub().Stats().Clients != n {
		if time.Now().After(deadline) {
			t.Fatalf("hub has %d clients, want %d", s.Hub().Stats().Clients, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPresenceIsCoalescedWhenManyJoin(t *testing.T) {
	s, hs := startServer(t, nil) // presence paced at 100 ms per room
	observer := dial(t, hs)
	observer.joinAs("observer", "lobby")
	start := time.Now()
	const joiners = 300
	for range joiners {
		dial(t, hs) // a silent client is in the lobby
	}
	waitClients(t, s, joiners+1)
	// Wait for the presence that counts everyone; count all presence events
	// the observer got since it joined.
	events := 0
	for _, ev := range observer.stash {
		if ev.Type == wire.TypePresence {
			events++
		}
	}
	deadline := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-observer.events:
			if ev.Type == wire.TypePresence {
				events++
				done = ev.Count == joiners+1
			}
		case <-deadline:
			t.Fatalf("no presence with %d members within 10s", joiners+1)
		}
	}
	elapsed := time.Since(start)
	// At most one per pacing period (plus the one at join and slack for
	// timer edges); without coalescing it would be one per joiner.
	if limit := int(elapsed/(100*time.Millisecond)) + 3; events > limit {
		t.Fatalf("%d joins over %v cost the observer %d presence events, want at most %d", joiners, elapsed, events, limit)
	}
	t.Logf("%d joins over %v: %d presence events", joiners, elapsed.Round(time.Millisecond), events)
}

func TestPingKeepsLiveClientsAndDropsDeadOnes(t *testing.T) {
	s, hs := startServer(t, func(c *Config) {
		c.Hub = &hub.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond}
	})
	live := dial(t, hs) // coder/websocket answers pings while it reads
	dead := dialStalled(t, hs)
	defer dead.Close()
	waitClients(t, s, 2)
	deadline := time.Now().Add(10 * time.Second)
	for s.Hub().Stats().PingTimeouts != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the silent peer was not dropped: %+v", s.Hub().Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitClients(t, s, 1)
	// The live client went through several pings and is still served.
	live.send(wire.Event{Type: wire.TypeHello, Name: "alive"})
	live.next(wire.TypeWelcome)
	if st := s.Hub().Stats(); st.PingTimeouts != 1 {
		t.Fatalf("ping timeouts %d, want only the dead peer's", st.PingTimeouts)
	}
}
