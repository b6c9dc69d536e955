package server

import (
	"fmt"
	"testing"
	"time"

	"chat/server/broker"
	"chat/server/hub"
	"chat/wire"
)

// seatTransport is a hub seat with no socket behind it: every write is
// taken whole. It lets a test put one client in thousands of rooms.
type seatTransport struct{}

func (seatTransport) TryWrite(p []byte) (int, error) { return len(p), nil }
func (seatTransport) Write([]byte) error             { return nil }
func (seatTransport) CloseNow() error                { return nil }

// localRooms is how many rooms this node's presence has from node.
func (p *presence) localRooms(node string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.nodes[node]; n != nil {
		return len(n.rooms)
	}
	return 0
}

// TestPresenceRefreshOfTwentyThousandRooms: a node's periodic refresh lists
// every room it has members in; past NATS's payload limit it goes in parts.
// (It was one message: with 20,000 rooms it failed, and a node that started
// later never learned them.)
func TestPresenceRefreshOfTwentyThousandRooms(t *testing.T) {
	const rooms = 20000
	_, url := startNATS(t, t.TempDir(), 0)
	opts := func(c *Config) { c.PresenceExpiry = 1500 * time.Millisecond } // a refresh every 500 ms
	a, _ := startNodes(t, url, 1, opts)
	// 625 seats in 32 rooms each (the most one connection may join).
	var seats []*hub.Client
	for i := range rooms {
		if i%32 == 0 {
			seats = append(seats, a[0].Hub().Register(seatTransport{}, "everywhere"))
		}
		if _, err := a[0].Hub().Join(seats[len(seats)-1], fmt.Sprint("room-", i)); err != nil {
			t.Fatal(err)
		}
	}
	// A node that starts now learns the rooms from the refreshes alone.
	b, _ := startNodes(t, url, 1, opts)
	node := a[0].broker.NodeID()
	deadline := time.Now().Add(15 * time.Second)
	for b[0].presence.localRooms(node) < rooms {
		if time.Now().After(deadline) {
			t.Fatalf("the late node knows %d of %d rooms of the other", b[0].presence.localRooms(node), rooms)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p := b[0].presence.current("room-12345"); p.Count != 1 || len(p.Names) != 1 || p.Names[0] != "everywhere" {
		t.Fatalf("presence of room-12345 on the late node: %+v", p)
	}
	// And leaving them all is seen too.
	for _, seat := range seats {
		a[0].Hub().Unregister(seat)
	}
	for b[0].presence.localRooms(node) > 0 {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("after leaving, the late node still has %d rooms of the other", b[0].presence.localRooms(node))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPresenceRefreshInParts: a refresh's rooms count as they come; what no
// part listed is dropped only once every part has come.
func TestPresenceRefreshInParts(t *testing.T) {
	p := newPresence(nil, nil, 50, time.Second, time.Minute, nil)
	ev := func(room string, n int) wire.Event { return wire.Event{Type: wire.TypePresence, Room: room, Count: n} }
	p.update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 1, Parts: 1, Rooms: []wire.Event{ev("a", 1), ev("b", 1), ev("c", 1)}})
	// Refresh 2 lists a and b in two parts: c goes, after the last part.
	p.update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 2, Part: 0, Parts: 2, Rooms: []wire.Event{ev("a", 2)}})
	if got := p.current("c").Count; got != 1 {
		t.Fatalf("c dropped before the refresh's last part: %d", got)
	}
	p.update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 2, Part: 1, Parts: 2, Rooms: []wire.Event{ev("b", 1)}})
	if a, c := p.current("a").Count, p.current("c").Count; a != 2 || c != 0 {
		t.Fatalf("after refresh 2: a %d (want 2), c %d (want 0)", a, c)
	}
	// Refresh 3 loses its first part: nothing is dropped on its say-so.
	p.update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 3, Part: 1, Parts: 2, Rooms: []wire.Event{ev("b", 1)}})
	if a := p.current("a").Count; a != 2 {
		t.Fatalf("an incomplete refresh dropped a: %d", a)
	}
	// A change between refreshes keeps its room.
	p.update(broker.PresenceUpdate{Node: "n", Rooms: []wire.Event{ev("a", 3)}})
	p.update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 4, Parts: 1, Rooms: []wire.Event{ev("a", 3), ev("b", 1)}})
	if a, b := p.current("a").Count, p.current("b").Count; a != 3 || b != 1 {
		t.Fatalf("after refresh 4: a %d, b %d", a, b)
	}
	// An empty refresh (a node leaving) clears the node.
	p.update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 5, Parts: 1})
	if len(p.nodes) != 0 {
		t.Fatalf("nodes after an empty refresh: %v", p.nodes)
	}
}
