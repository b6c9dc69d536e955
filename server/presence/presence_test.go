package presence

import (
	"testing"
	"time"

	"chat/server/broker"
	"chat/wire"
)

// TestPresenceRefreshInParts: a refresh's rooms count as they come; what no
// part listed is dropped only once every part has come.
func TestPresenceRefreshInParts(t *testing.T) {
	p := New(nil, nil, 50, time.Second, time.Minute, nil)
	ev := func(room string, n int) wire.Event { return wire.Event{Type: wire.TypePresence, Room: room, Count: n} }
	p.Update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 1, Parts: 1, Rooms: []wire.Event{ev("a", 1), ev("b", 1), ev("c", 1)}})
	// Refresh 2 lists a and b in two parts: c goes, after the last part.
	p.Update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 2, Part: 0, Parts: 2, Rooms: []wire.Event{ev("a", 2)}})
	if got := p.Current("c").Count; got != 1 {
		t.Fatalf("c dropped before the refresh's last part: %d", got)
	}
	p.Update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 2, Part: 1, Parts: 2, Rooms: []wire.Event{ev("b", 1)}})
	if a, c := p.Current("a").Count, p.Current("c").Count; a != 2 || c != 0 {
		t.Fatalf("after refresh 2: a %d (want 2), c %d (want 0)", a, c)
	}
	// Refresh 3 loses its first part: nothing is dropped on its say-so.
	p.Update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 3, Part: 1, Parts: 2, Rooms: []wire.Event{ev("b", 1)}})
	if a := p.Current("a").Count; a != 2 {
		t.Fatalf("an incomplete refresh dropped a: %d", a)
	}
	// A change between refreshes keeps its room.
	p.Update(broker.PresenceUpdate{Node: "n", Rooms: []wire.Event{ev("a", 3)}})
	p.Update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 4, Parts: 1, Rooms: []wire.Event{ev("a", 3), ev("b", 1)}})
	if a, b := p.Current("a").Count, p.Current("b").Count; a != 3 || b != 1 {
		t.Fatalf("after refresh 4: a %d, b %d", a, b)
	}
	// An empty refresh (a node leaving) clears the node.
	p.Update(broker.PresenceUpdate{Node: "n", Full: true, Refresh: 5, Parts: 1})
	if len(p.nodes) != 0 {
		t.Fatalf("nodes after an empty refresh: %v", p.nodes)
	}
}
