package app

import (
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"chat/wire"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func msg(seq uint64, id, from, text string) wire.Event {
	return msgIn("lobby", seq, id, from, text)
}

func msgIn(room string, seq uint64, id, from, text string) wire.Event {
	return wire.Event{Type: wire.TypeMsg, Room: room, Seq: seq, ID: id, From: from, Text: text, TS: t0}
}

func joined(room string, head uint64) wire.Event {
	return wire.Event{Type: wire.TypeJoined, Room: room, Seq: head}
}

// listing is a room's list as seqs, with system lines as "s<anchor>", for
// comparing orders at a glance.
func listing(r *room) []string {
	var out []string
	for _, it := range r.items {
		if it.System {
			out = append(out, "s"+strconv.FormatUint(it.Seq, 10))
			continue
		}
		out = append(out, strconv.FormatUint(it.Seq, 10))
	}
	return out
}

// sent is what the state queued for the connection, as "type:room:id" or
// "join:room:after", and forgets it.
func sent(s *chatState) []string {
	var out []string
	for _, ev := range s.takeOut() {
		switch ev.Type {
		case wire.TypeJoin:
			out = append(out, "join:"+ev.Room+":"+strconv.FormatUint(ev.After, 10))
		case wire.TypeHistory:
			out = append(out, "history:"+ev.Room+":"+strconv.FormatUint(ev.Before, 10))
		default:
			out = append(out, ev.Type+":"+ev.Room+":"+ev.ID)
		}
	}
	return out
}

// online returns a state connected and welcomed, with the lobby joined at
// head.
func online(t *testing.T, head uint64) *chatState {
	t.Helper()
	s := newChatState("me")
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "me", Version: "v1"})
	s.apply(joined("lobby", head))
	s.takeOut()
	return s
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
		{"same id under a second seq", []wire.Event{msg(1, "a", "x", ""), msg(2, "a", "x", "")}, []string{"1"}, 2},
		{"messages without id dedupe by seq", []wire.Event{msg(1, "", "x", ""), msg(2, "", "x", ""), msg(2, "", "x", "")}, []string{"1", "2"}, 2},
		{"no seq is dropped", []wire.Event{msg(0, "a", "x", "")}, nil, 0},
		{"room not joined is ignored", []wire.Event{msgIn("other", 1, "a", "x", "")}, nil, 0},
		{"no room is the lobby's", []wire.Event{{Type: wire.TypeMsg, Seq: 1, ID: "a"}}, []string{"1"}, 1},
		{"broadcast anchors after the last seq", []wire.Event{msg(1, "a", "x", ""), {Type: wire.TypeBroadcast, Text: wire.BenchmarkText}, msg(2, "b", "x", "")}, []string{"1", "s1", "2"}, 2},
		{"older message goes before a broadcast", []wire.Event{msg(2, "b", "x", ""), {Type: wire.TypeBroadcast, Text: "t"}, msg(1, "a", "x", "")}, []string{"1", "2", "s2"}, 2},
		{"broadcast before any message", []wire.Event{{Type: wire.TypeBroadcast, Text: "t"}, msg(1, "a", "x", "")}, []string{"s0", "1"}, 1},
		{"empty broadcast is ignored", []wire.Event{{Type: wire.TypeBroadcast}}, nil, 0},
		{"unknown type is ignored", []wire.Event{{Type: "reaction", Room: "lobby", Seq: 9}}, nil, 0},
		{"gap notice sits where the gap is", []wire.Event{msg(5, "a", "x", ""), {Type: wire.TypeGap, Room: "lobby", After: 5, Seq: 9}, msg(9, "b", "x", "")}, []string{"5", "s5", "9"}, 9},
		{"messages kept but not sent: the list starts after them", []wire.Event{msg(4, "a", "x", ""), msg(5, "b", "x", ""), {Type: wire.TypeGap, Room: "lobby", After: 5, Seq: 90, Code: wire.GapNotSent}, msg(90, "c", "x", "")}, []string{"90"}, 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newChatState("me")
			for _, ev := range tt.events {
				s.apply(ev)
			}
			r := s.cur()
			if got := listing(r); !slices.Equal(got, tt.want) {
				t.Errorf("list = %v, want %v", got, tt.want)
			}
			if r.lastSeq != tt.lastSeq {
				t.Errorf("lastSeq = %d, want %d", r.lastSeq, tt.lastSeq)
			}
		})
	}
}

func TestApplyKeepsFields(t *testing.T) {
	s := newChatState("me")
	ev := msg(7, "id7", "ana", "<b>hi</b>")
	s.apply(ev)
	got := s.cur().items[0]
	want := chatItem{Seq: 7, ID: "id7", From: "ana", Text: "<b>hi</b>", TS: ev.TS}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("item = %+v, want %+v", got, want)
	}
	s.apply(wire.Event{Type: wire.TypeBroadcast, Text: wire.BenchmarkText})
	if sys := s.cur().items[1]; !sys.System || sys.Text != wire.BenchmarkText || sys.ID != "" {
		t.Errorf("broadcast item = %+v", sys)
	}
}

func TestTrimKeepsTheNewest(t *testing.T) {
	s := online(t, 0)
	r := s.cur()
	for i := 1; i <= maxItems+10; i++ {
		s.apply(msg(uint64(i), "id"+strconv.Itoa(i), "x", ""))
	}
	if len(r.items) != maxItems || r.items[0].Seq != 11 {
		t.Fatalf("len = %d, first = %d; want %d, 11", len(r.items), r.items[0].Seq, maxItems)
	}
	if len(r.ids) != maxItems {
		t.Errorf("ids = %d, want %d: trimmed ids must be forgotten", len(r.ids), maxItems)
	}
	if r.noOlder {
		t.Error("trimmed messages can be fetched again, yet noOlder is set")
	}
	s.apply(msg(5, "id5", "x", "")) // older, and the list is full
	if r.items[0].Seq != 11 || !r.noOlder {
		t.Errorf("an old message was inserted into a full list: first = %d, noOlder %v", r.items[0].Seq, r.noOlder)
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
		{"room not joined", wire.Event{Type: wire.TypePresence, Room: "other", Count: 9}, 5, []string{"old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newChatState("me")
			r := s.cur()
			r.online, r.names = 5, []string{"old"}
			s.apply(tt.ev)
			if r.online != tt.count || !slices.Equal(r.names, tt.names) {
				t.Errorf("online = %d %v, want %d %v", r.online, r.names, tt.count, tt.names)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name      string
		ev        wire.Event
		lastError string
		failed    string // Failed of the pending message "p1"
	}{
		{"general", wire.Event{Type: wire.TypeError, Code: wire.CodeBadJSON, Text: "bad json"}, "bad json", ""},
		{"about a send", wire.Event{Type: wire.TypeError, Code: wire.CodeStoreFull, Text: "store full", ID: "p1"}, "store full", "store full"},
		{"rate limited send", wire.Event{Type: wire.TypeError, Code: wire.CodeRateLimited, Text: "slow down", ID: "p1"}, "", ""},
		{"unavailable send", wire.Event{Type: wire.TypeError, Code: wire.CodeUnavailable, Text: "not stored", ID: "p1"}, "", ""},
		{"about another send", wire.Event{Type: wire.TypeError, Code: wire.CodeBadText, Text: "empty", ID: "zz"}, "empty", ""},
		{"bad name", wire.Event{Type: wire.TypeError, Code: wire.CodeBadName, Text: "name is empty"}, "name is empty", ""},
		{"code only", wire.Event{Type: wire.TypeError, Code: wire.CodeNotJoined}, wire.CodeNotJoined, ""},
		{"going away is the status's to say", wire.Event{Type: wire.TypeError, Code: wire.CodeGoingAway, Text: "server shutting down"}, "", ""},
		{"nothing at all", wire.Event{Type: wire.TypeError}, "The server reported an error.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := online(t, 0)
			s.queue("p1", "hello")
			s.apply(tt.ev)
			if s.lastError != tt.lastError {
				t.Errorf("lastError = %q; want %q", s.lastError, tt.lastError)
			}
			p := s.cur().pending
			if len(p) != 1 || p[0].Failed != tt.failed {
				t.Errorf("pending = %+v, want p1 failed %q", p, tt.failed)
			}
			if tt.failed != "" && (p[0].Sent || !s.outboxDirty) {
				t.Errorf("a refused message must wait for Retry and be saved so: %+v", p[0])
			}
		})
	}
}

func TestConnectionStates(t *testing.T) {
	s := newChatState("guest-0001")
	if s.status != statusConnecting {
		t.Fatalf("initial status %q", s.status)
	}
	s.disconnected()
	if s.status != statusUnreachable {
		t.Errorf("after a failed first dial: %q, want unreachable", s.status)
	}
	s.connected()
	if s.status != statusUnreachable {
		t.Errorf("connected, hello unanswered: %q, want still unreachable", s.status)
	}
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "guest-0001", Version: "v1"})
	if s.status != statusConnected || s.serverUpdated {
		t.Errorf("after welcome: %q updated=%v", s.status, s.serverUpdated)
	}
	// A drop and a failed attempt are the same to a person: the server
	// does not answer. Only the network's absence is something else.
	s.disconnected()
	if s.status != statusUnreachable {
		t.Errorf("after a drop: %q, want unreachable", s.status)
	}
	s.disconnected()
	if s.status != statusUnreachable {
		t.Errorf("after a failed retry: %q, want unreachable", s.status)
	}
	s.network(false)
	if s.status != statusOffline {
		t.Errorf("no network: %q, want offline", s.status)
	}
	s.network(true)
	if s.status != statusUnreachable {
		t.Errorf("network back, server not yet: %q, want unreachable", s.status)
	}
	s.network(false)
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "guest-0001", Version: "v1"})
	if s.status != statusOffline {
		t.Errorf("an open connection while the browser says there is no network: %q, want offline", s.status)
	}
	s.network(true)
	if s.status != statusConnected {
		t.Errorf("the network back with the connection still open: %q, want connected", s.status)
	}
	s.disconnected()
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana", Version: "v2"})
	if !s.serverUpdated || s.version != "v2" {
		t.Errorf("a new server version was not noticed")
	}
	if s.name != "ana" {
		t.Errorf("welcome's name not taken: %q", s.name)
	}
}

func TestNothingIsSentWhileOffline(t *testing.T) {
	s := newChatState("me")
	s.queue("p1", "hi")
	s.join("design")
	s.leave("design")
	if got := sent(s); len(got) != 0 {
		t.Errorf("queued while offline: %v", got)
	}
	if p := s.cur().pending; len(p) != 1 || p[0].Sent {
		t.Errorf("pending = %+v", p)
	}
}

func TestJoinedBehindResetsHistory(t *testing.T) {
	s := newChatState("me")
	s.connected()
	s.apply(msg(10, "a", "x", ""))
	s.apply(msg(11, "b", "x", ""))
	s.apply(joined("lobby", 11))
	if len(s.cur().items) != 2 {
		t.Fatalf("joined at our own seq changed the list: %v", listing(s.cur()))
	}
	s.disconnected()
	s.connected()
	s.apply(joined("lobby", 2))
	r := s.cur()
	if got := listing(r); !slices.Equal(got, []string{"s2"}) || r.lastSeq != 2 {
		t.Fatalf("after a reset: %v lastSeq %d", got, r.lastSeq)
	}
	s.apply(msg(3, "c", "x", ""))
	s.apply(msg(10, "a", "x", "")) // the old id is a new message now
	if got := listing(r); !slices.Equal(got, []string{"s2", "3", "10"}) {
		t.Errorf("after a reset: %v", got)
	}
	// An empty room (no seq) when we hold messages: the store was emptied.
	s.disconnected()
	s.connected()
	s.apply(joined("lobby", 0))
	if got := listing(r); !slices.Equal(got, []string{"s0"}) {
		t.Errorf("after the store was emptied: %v", got)
	}
}

func TestMine(t *testing.T) {
	s := online(t, 0)
	s.queue("x1", "from this tab")
	s.apply(msg(1, "x1", "me-before-rename", "from this tab"))
	s.apply(msg(2, "y", "me", "same name, other tab"))
	s.apply(msg(3, "z", "ana", "someone else"))
	var mine []bool
	for _, it := range s.cur().items {
		mine = append(mine, it.Mine)
	}
	if !slices.Equal(mine, []bool{true, true, false}) {
		t.Errorf("mine = %v", mine)
	}
	if len(s.cur().pending) != 0 {
		t.Errorf("echoed message still pending: %+v", s.cur().pending)
	}
}

func TestRevChangesWithTheList(t *testing.T) {
	s := online(t, 0)
	r := s.cur()
	step := func(what string, f func()) {
		t.Helper()
		before := r.rev
		f()
		if r.rev == before {
			t.Errorf("%s did not change rev", what)
		}
	}
	step("queue", func() { s.queue("p", "t") })
	step("refusal", func() { s.apply(wire.Event{Type: wire.TypeError, ID: "p", Text: "no"}) })
	step("retry", func() { s.retry("p") })
	step("echo", func() { s.apply(msg(1, "p", "me", "t")) })
	step("broadcast", func() { s.apply(wire.Event{Type: wire.TypeBroadcast, Text: "t"}) })
	r.noOlder = false
	step("history asked", func() { s.requestOlder() })
}
