package app

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"chat/wire"
)

func TestNewClientID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newClientID()
		if len(id) < 16 {
			t.Fatalf("id %q shorter than 16", id)
		}
		if err := wire.ValidID(id); err != nil {
			t.Fatalf("id %q: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}

// decodeFrames turns frames back into events, failing on any bad line.
func decodeFrames(t *testing.T, frames [][]byte) []wire.Event {
	t.Helper()
	var events []wire.Event
	for _, f := range frames {
		if len(f) > wire.MaxFrame && bytes.Count(f, []byte{'\n'}) > 0 {
			t.Errorf("frame of %d bytes holds several events, over the %d limit", len(f), wire.MaxFrame)
		}
		for line := range wire.Lines(f) {
			ev, err := wire.Decode(line)
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, ev)
		}
	}
	return events
}

func TestConnectResumesEveryRoom(t *testing.T) {
	s := newChatState("ana")
	s.identity = "browser1"
	s.connected()
	frames := s.takeFrames()
	want := `{"type":"hello","name":"ana","id":"browser1"}` + "\n" + `{"type":"join","room":"lobby"}`
	if len(frames) != 1 || string(frames[0]) != want {
		t.Fatalf("first connect:\n got %q\nwant %q", frames, want)
	}
	s.apply(joined("lobby", 0))
	s.apply(msg(41, "m", "bo", "hi"))
	s.join("design")
	s.apply(joined("design", 0))
	s.apply(msgIn("design", 44, "d", "bo", "yo"))
	s.queue("p1", "one")
	s.takeOut()

	s.disconnected()
	s.connected()
	if got, want := sent(s), []string{"hello::browser1", "join:design:44", "join:lobby:41"}; !slices.Equal(got, want) {
		t.Errorf("resume = %v, want %v (the room on screen first; the outbox waits for the history)", got, want)
	}
}

// TestOutboxWaitsForHistory is issue 4's rule: after a reconnect a room's
// outbox goes out only once the join's history is in, so that a message
// stored just before the drop is matched by its id instead of sent again.
func TestOutboxWaitsForHistory(t *testing.T) {
	s := online(t, 10)
	s.apply(msg(10, "a", "bo", "before"))
	s.disconnected()
	s.queue("stored", "sent just before the drop")
	s.queue("lost", "never reached the server")
	if got := sent(s); len(got) != 0 {
		t.Fatalf("sent while offline: %v", got)
	}

	s.connected()
	s.takeOut()
	s.apply(joined("lobby", 12)) // two messages we have not seen
	if got := sent(s); len(got) != 0 {
		t.Fatalf("outbox sent before the history: %v", got)
	}
	s.apply(msg(11, "stored", "me", "sent just before the drop"))
	if got := sent(s); len(got) != 0 {
		t.Fatalf("outbox sent before seq 12: %v", got)
	}
	s.apply(msg(12, "x", "bo", "after"))
	if got, want := sent(s), []string{"send:lobby:lost"}; !slices.Equal(got, want) {
		t.Errorf("after the history: %v, want %v", got, want)
	}
	if p := s.cur().pending; len(p) != 1 || p[0].ID != "lost" || !p[0].Sent {
		t.Errorf("pending = %+v", p)
	}
	// New messages go out at once now.
	s.queue("new", "now")
	if got, want := sent(s), []string{"send:lobby:new"}; !slices.Equal(got, want) {
		t.Errorf("caught up: %v, want %v", got, want)
	}
}

func TestOutboxGoesAtOnceWhenNothingWasMissed(t *testing.T) {
	for _, head := range []uint64{0, 7} {
		s := newChatState("me")
		s.cur().lastSeq = 7
		s.queue("p", "hi")
		s.connected()
		s.takeOut()
		s.apply(joined("lobby", head))
		if got, want := sent(s), []string{"send:lobby:p"}; !slices.Equal(got, want) {
			t.Errorf("head %d: %v, want %v", head, got, want)
		}
		if head == 0 && len(s.cur().pending) != 1 {
			t.Errorf("an emptied store must not lose the outbox: %+v", s.cur().pending)
		}
	}
}

func TestAckTurnsPendingIntoSent(t *testing.T) {
	for _, order := range []string{"ack first", "msg first"} {
		t.Run(order, func(t *testing.T) {
			s := online(t, 0)
			s.apply(msg(3, "o", "bo", "earlier"))
			s.queue("p", "hello")
			ack := wire.Event{Type: wire.TypeAck, Room: "lobby", ID: "p", Seq: 5}
			echo := msg(5, "p", "me", "hello")
			if order == "ack first" {
				s.apply(ack)
				r := s.cur()
				if len(r.pending) != 0 || len(r.items) != 2 || !r.items[1].Mine || r.items[1].Seq != 5 {
					t.Fatalf("after the ack: pending %+v items %+v", r.pending, r.items)
				}
				if r.lastSeq != 3 {
					t.Errorf("an ack moved the resume point to %d: seq 4 may not have arrived yet", r.lastSeq)
				}
				s.apply(echo)
			} else {
				s.apply(echo)
				s.apply(ack)
			}
			r := s.cur()
			if got := listing(r); !slices.Equal(got, []string{"3", "5"}) || len(r.pending) != 0 {
				t.Errorf("list %v pending %+v", got, r.pending)
			}
			if r.items[1].TS != t0 || r.lastSeq != 5 {
				t.Errorf("the stored copy did not replace the stand-in: %+v, lastSeq %d", r.items[1], r.lastSeq)
			}
		})
	}
}

func TestRetryAndDiscard(t *testing.T) {
	s := online(t, 0)
	s.queue("a", "hello")
	s.queue("b", "again")
	if got := sent(s); !slices.Equal(got, []string{"send:lobby:a", "send:lobby:b"}) {
		t.Fatalf("sent %v", got)
	}
	if s.retry("zz") {
		t.Error("retry of an unknown id")
	}
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeStoreFull, ID: "a", Text: "no"})
	if !s.retry("a") || s.cur().pending[0].Failed != "" {
		t.Errorf("retry: %+v", s.cur().pending)
	}
	if got := sent(s); !slices.Equal(got, []string{"send:lobby:a"}) {
		t.Errorf("retry sent %v", got)
	}
	s.discard("a")
	if p := s.cur().pending; len(p) != 1 || p[0].ID != "b" {
		t.Errorf("after discard: %+v", p)
	}
}

func TestPackFramesSplits(t *testing.T) {
	s := online(t, 0)
	big := strings.Repeat("x", wire.MaxTextBytes)
	for i := range 10 {
		s.queue("id"+string(rune('a'+i)), big)
	}
	frames := s.takeFrames()
	if len(frames) < 3 {
		t.Errorf("%d frames for 40 KB of messages", len(frames))
	}
	if n := len(decodeFrames(t, frames)); n != 10 {
		t.Errorf("%d events, want 10", n)
	}
	if got := s.takeFrames(); len(got) != 0 {
		t.Errorf("frames taken twice: %q", got)
	}
}

func TestOutboxWaitsWhileTheStoreIsDown(t *testing.T) {
	s := online(t, 0)
	s.apply(wire.Event{Type: wire.TypeStatus, Code: wire.StatusStoreUnreachable})
	s.queue("w1", "kept")
	if got := sent(s); len(got) != 0 {
		t.Fatalf("sent %v while the store is down", got)
	}
	// A send that was already out and came back unstored waits as well.
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeUnavailable, ID: "w1", Room: "lobby", Text: "not stored"})
	if p := s.cur().pending; len(p) != 1 || p[0].Failed != "" || p[0].Sent {
		t.Fatalf("pending %+v: want it waiting, not failed", p)
	}
	s.apply(wire.Event{Type: wire.TypeStatus, Code: wire.StatusOK})
	if got, want := sent(s), []string{"send:lobby:w1"}; !slices.Equal(got, want) {
		t.Fatalf("store back: sent %v, want %v", got, want)
	}
}
