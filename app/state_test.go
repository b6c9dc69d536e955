package app

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"chat/wire"
)

func msg(seq uint64, id, from, text string) wire.Event {
	return wire.Event{Type: wire.TypeMsg, Room: "lobby", Seq: seq, ID: id, From: from, Text: text,
		TS: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// listing is the list as seqs, with system lines as "s<anchor>", for
// comparing orders at a glance.
func listing(s *chatState) []string {
	var out []string
	for _, it := range s.items {
		if it.System {
			out = append(out, "s"+strconv.FormatUint(it.Seq, 10))
			continue
		}
		out = append(out, strconv.FormatUint(it.Seq, 10))
	}
	return out
}

func TestApplyMessages(t *testing.T) {
	tests := []struct {
		name    string
		events  []wire.Event
		want    []string
		lastSeq uint64
	}{
		{"in order", []wire.Event{msg(1, "a", "ana", "hi"), msg(2, "b", "bo", "yo")}, []string{"1", "2"}, 2},
		{"out of order is sorted", []wire.Event{msg(3, "c", "x", ""), msg(1, "a", "x", ""), msg(2, "b", "x", "")}, []string{"1", "2", "3"}, 3},
		{"same seq twice", []wire.Event{msg(1, "a", "x", ""), msg(2, "b", "x", ""), msg(1, "a", "x", "")}, []string{"1", "2"}, 2},
		{"resume replays what we have", []wire.Event{msg(1, "a", "x", ""), msg(2, "b", "x", ""), msg(1, "a", "x", ""), msg(2, "b", "x", ""), msg(3, "c", "x", "")}, []string{"1", "2", "3"}, 3},
		{"same id under a second seq", []wire.Event{msg(1, "a", "x", ""), msg(2, "a", "x", "")}, []string{"1"}, 1},
		{"messages without id dedupe by seq", []wire.Event{msg(1, "", "x", ""), msg(2, "", "x", ""), msg(2, "", "x", "")}, []string{"1", "2"}, 2},
		{"no seq is dropped", []wire.Event{msg(0, "a", "x", "")}, nil, 0},
		{"other room is ignored", []wire.Event{{Type: wire.TypeMsg, Room: "other", Seq: 1, ID: "a"}}, nil, 0},
		{"no room is ours", []wire.Event{{Type: wire.TypeMsg, Seq: 1, ID: "a"}}, []string{"1"}, 1},
		{"broadcast anchors after the last seq", []wire.Event{msg(1, "a", "x", ""), {Type: wire.TypeBroadcast, Text: wire.BenchmarkText}, msg(2, "b", "x", "")}, []string{"1", "s1", "2"}, 2},
		{"older message goes before a broadcast", []wire.Event{msg(2, "b", "x", ""), {Type: wire.TypeBroadcast, Text: "t"}, msg(1, "a", "x", "")}, []string{"1", "2", "s2"}, 2},
		{"broadcast before any message", []wire.Event{{Type: wire.TypeBroadcast, Text: "t"}, msg(1, "a", "x", "")}, []string{"s0", "1"}, 1},
		{"empty broadcast is ignored", []wire.Event{{Type: wire.TypeBroadcast}}, nil, 0},
		{"unknown type is ignored", []wire.Event{{Type: "gap", Seq: 9}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newChatState("lobby", "me")
			for _, ev := range tt.events {
				s.apply(ev)
			}
			if got := listing(s); !slices.Equal(got, tt.want) {
				t.Errorf("list = %v, want %v", got, tt.want)
			}
			if s.lastSeq != tt.lastSeq {
				t.Errorf("lastSeq = %d, want %d", s.lastSeq, tt.lastSeq)
			}
		})
	}
}

func TestApplyKeepsFields(t *testing.T) {
	s := newChatState("lobby", "me")
	ev := msg(7, "id7", "ana", "<b>hi</b>")
	s.apply(ev)
	got := s.items[0]
	want := chatItem{Seq: 7, ID: "id7", From: "ana", Text: "<b>hi</b>", TS: ev.TS}
	if got != want {
		t.Errorf("item = %+v, want %+v", got, want)
	}
	s.apply(wire.Event{Type: wire.TypeBroadcast, Text: wire.BenchmarkText})
	if sys := s.items[1]; !sys.System || sys.Text != wire.BenchmarkText || sys.ID != "" {
		t.Errorf("broadcast item = %+v", sys)
	}
}

func TestApplyTrimsToMaxItems(t *testing.T) {
	s := newChatState("lobby", "me")
	for i := 1; i <= maxItems+10; i++ {
		s.apply(msg(uint64(i), "id"+strconv.Itoa(i), "x", ""))
	}
	if len(s.items) != maxItems || s.items[0].Seq != 11 {
		t.Fatalf("len = %d, first = %d; want %d, 11", len(s.items), s.items[0].Seq, maxItems)
	}
	if len(s.ids) != maxItems {
		t.Errorf("ids = %d, want %d: trimmed ids must be forgotten", len(s.ids), maxItems)
	}
	s.apply(msg(5, "id5", "x", "")) // older than all kept
	if s.items[0].Seq != 11 {
		t.Errorf("an old message was inserted: first = %d", s.items[0].Seq)
	}
}

func TestApplyPresence(t *testing.T) {
	tests := []struct {
		name  string
		ev    wire.Event
		count int
		names []string
	}{
		{"count and names", wire.Event{Type: wire.TypePresence, Room: "lobby", Count: 3, Names: []string{"a", "b", "c"}}, 3, []string{"a", "b", "c"}},
		{"count missing means 0", wire.Event{Type: wire.TypePresence, Room: "lobby"}, 0, nil},
		{"negative is 0", wire.Event{Type: wire.TypePresence, Room: "lobby", Count: -2}, 0, nil},
		{"other room", wire.Event{Type: wire.TypePresence, Room: "other", Count: 9}, 5, []string{"old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newChatState("lobby", "me")
			s.online, s.names = 5, []string{"old"}
			s.apply(tt.ev)
			if s.online != tt.count || !slices.Equal(s.names, tt.names) {
				t.Errorf("online = %d %v, want %d %v", s.online, s.names, tt.count, tt.names)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name      string
		ev        wire.Event
		lastError string
		nameError string
		failed    string // Failed of the pending message "p1"
	}{
		{"general", wire.Event{Type: wire.TypeError, Code: wire.CodeTooMany, Text: "too many rooms"}, "too many rooms", "", ""},
		{"about a send", wire.Event{Type: wire.TypeError, Code: wire.CodeRateLimited, Text: "slow down", ID: "p1"}, "slow down", "", "slow down"},
		{"about another send", wire.Event{Type: wire.TypeError, Code: wire.CodeBadText, Text: "empty", ID: "zz"}, "empty", "", ""},
		{"bad name", wire.Event{Type: wire.TypeError, Code: wire.CodeBadName, Text: "name is empty"}, "name is empty", "name is empty", ""},
		{"code only", wire.Event{Type: wire.TypeError, Code: wire.CodeGoingAway}, wire.CodeGoingAway, "", ""},
		{"nothing at all", wire.Event{Type: wire.TypeError}, "The server reported an error.", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newChatState("lobby", "me")
			s.queue("p1", "hello")
			s.apply(tt.ev)
			if s.lastError != tt.lastError || s.nameError != tt.nameError {
				t.Errorf("lastError, nameError = %q, %q; want %q, %q", s.lastError, s.nameError, tt.lastError, tt.nameError)
			}
			if len(s.pending) != 1 || s.pending[0].Failed != tt.failed {
				t.Errorf("pending = %+v, want p1 failed %q", s.pending, tt.failed)
			}
		})
	}
}

func TestApplyConnection(t *testing.T) {
	s := newChatState("lobby", "guest-0001")
	if s.status != statusConnecting {
		t.Fatalf("initial status %q", s.status)
	}
	s.disconnected()
	if s.status != statusReconnecting {
		t.Errorf("after a failed dial: %q, want reconnecting", s.status)
	}
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "guest-0001", Version: "v1"})
	if s.status != statusConnected || s.serverUpdated {
		t.Errorf("after welcome: %q updated=%v", s.status, s.serverUpdated)
	}
	s.disconnected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana", Version: "v2"})
	if !s.serverUpdated || s.version != "v2" {
		t.Errorf("a new server version was not noticed")
	}
	if s.name != "ana" {
		t.Errorf("welcome's name not taken: %q", s.name)
	}
}

func TestJoinedBehindResetsHistory(t *testing.T) {
	s := newChatState("lobby", "me")
	s.apply(msg(10, "a", "x", ""))
	s.apply(msg(11, "b", "x", ""))
	s.apply(wire.Event{Type: wire.TypeJoined, Room: "lobby", Seq: 11})
	s.apply(wire.Event{Type: wire.TypeJoined, Room: "lobby"})
	if len(s.items) != 2 {
		t.Fatalf("joined at our own seq, or without one, changed the list: %v", listing(s))
	}
	s.apply(wire.Event{Type: wire.TypeJoined, Room: "lobby", Seq: 2})
	if got := listing(s); !slices.Equal(got, []string{"s2"}) || s.lastSeq != 2 {
		t.Fatalf("after a reset: %v lastSeq %d", got, s.lastSeq)
	}
	s.apply(msg(3, "c", "x", ""))
	s.apply(msg(10, "a", "x", "")) // the old id is a new message now
	if got := listing(s); !slices.Equal(got, []string{"s2", "3", "10"}) {
		t.Errorf("after a reset: %v", got)
	}
}

func TestMine(t *testing.T) {
	s := newChatState("lobby", "me")
	s.queue("x1", "from this tab")
	s.apply(msg(1, "x1", "me-before-rename", "from this tab"))
	s.apply(msg(2, "y", "me", "same name, other tab"))
	s.apply(msg(3, "z", "ana", "someone else"))
	var mine []bool
	for _, it := range s.items {
		mine = append(mine, it.Mine)
	}
	if !slices.Equal(mine, []bool{true, true, false}) {
		t.Errorf("mine = %v", mine)
	}
	if len(s.pending) != 0 {
		t.Errorf("echoed message still pending: %+v", s.pending)
	}
}

func TestRevChangesWithTheList(t *testing.T) {
	s := newChatState("lobby", "me")
	step := func(what string, f func()) {
		t.Helper()
		before := s.rev
		f()
		if s.rev == before {
			t.Errorf("%s did not change rev", what)
		}
	}
	step("queue", func() { s.queue("p", "t") })
	step("refusal", func() { s.apply(wire.Event{Type: wire.TypeError, ID: "p", Text: "no"}) })
	step("retry", func() { s.retry("p") })
	step("echo", func() { s.apply(msg(1, "p", "me", "t")) })
	step("broadcast", func() { s.apply(wire.Event{Type: wire.TypeBroadcast, Text: "t"}) })
}
