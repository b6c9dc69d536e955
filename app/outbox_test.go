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

func TestResumeFrames(t *testing.T) {
	s := newChatState("lobby", "ana")
	frames := s.resumeFrames()
	if len(frames) != 1 {
		t.Fatalf("%d frames, want 1", len(frames))
	}
	want := `{"type":"hello","name":"ana"}` + "\n" + `{"type":"join","room":"lobby"}`
	if string(frames[0]) != want {
		t.Errorf("first connect:\n got %s\nwant %s", frames[0], want)
	}

	s.apply(msg(41, "m", "bo", "hi"))
	s.queue("p1", "one")
	s.queue("p2", "two")
	s.apply(wire.Event{Type: wire.TypeError, ID: "p2", Text: "rate limited"})
	s.queue("p3", "three")
	events := decodeFrames(t, s.resumeFrames())
	var got []string
	for _, ev := range events {
		got = append(got, ev.Type+":"+ev.Room+":"+ev.ID)
	}
	wantTypes := []string{"hello::", "join:lobby:", "send:lobby:p1", "send:lobby:p3"}
	if !slices.Equal(got, wantTypes) {
		t.Errorf("resume = %v, want %v (a refused message waits for Retry)", got, wantTypes)
	}
	if events[1].After != 41 {
		t.Errorf("join after %d, want 41", events[1].After)
	}
}

func TestResumeFramesSplit(t *testing.T) {
	s := newChatState("lobby", "ana")
	big := strings.Repeat("x", wire.MaxTextBytes)
	for i := range 10 {
		s.queue("id"+string(rune('a'+i)), big)
	}
	frames := s.resumeFrames()
	if len(frames) < 3 {
		t.Errorf("%d frames for 40 KB of messages", len(frames))
	}
	if n := len(decodeFrames(t, frames)); n != 12 {
		t.Errorf("%d events, want 12", n)
	}
}

func TestOutbox(t *testing.T) {
	s := newChatState("lobby", "ana")
	ev := s.queue("a", "hello")
	if ev.Type != wire.TypeSend || ev.Room != "lobby" || ev.ID != "a" || ev.Text != "hello" {
		t.Errorf("queue event = %+v", ev)
	}
	s.queue("b", "again")
	if _, ok := s.retry("zz"); ok {
		t.Error("retry of an unknown id")
	}
	s.apply(wire.Event{Type: wire.TypeError, ID: "a", Text: "no"})
	ev, ok := s.retry("a")
	if !ok || ev.ID != "a" || s.pending[0].Failed != "" {
		t.Errorf("retry: %+v %v %+v", ev, ok, s.pending)
	}
	s.discard("a")
	if len(s.pending) != 1 || s.pending[0].ID != "b" {
		t.Errorf("after discard: %+v", s.pending)
	}
}
