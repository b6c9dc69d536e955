package server

import (
	"fmt"
	"testing"
	"time"

	"chat/server/hub"
)

// seatTransport is a hub seat with no socket behind it: every write is
// taken whole. It lets a test put one client in thousands of rooms.
type seatTransport struct{}

func (seatTransport) TryWrite(p []byte) (int, error) { return len(p), nil }
func (seatTransport) Write([]byte) error             { return nil }
func (seatTransport) CloseNow() error                { return nil }

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
	known := func() int { return b[0].presence.NodeRooms(node) }
	waitProgress(t, "the late node learning the other's rooms", 10*time.Second, func() bool { return known() == rooms }, known)
	if p := b[0].presence.Current("room-12345"); p.Count != 1 || len(p.Names) != 1 || p.Names[0] != "everywhere" {
		t.Fatalf("presence of room-12345 on the late node: %+v", p)
	}
	// And leaving them all is seen too.
	for _, seat := range seats {
		a[0].Hub().Unregister(seat)
	}
	waitProgress(t, "the late node seeing the other leave its rooms", 10*time.Second, func() bool { return known() == 0 }, known)
}
