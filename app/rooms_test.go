package app

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"chat/wire"
)

func TestJoinValidatesAndSwitches(t *testing.T) {
	s := online(t, 0)
	if s.join("  Bad Room! ") {
		t.Fatal("an invalid name was joined")
	}
	if !strings.Contains(s.roomError, "may hold only") {
		t.Errorf("roomError = %q", s.roomError)
	}
	if !s.join("  Design Team ") || s.current != "design-team" || s.roomError != "" {
		t.Fatalf("join: current %q, error %q", s.current, s.roomError)
	}
	if got, want := sent(s), []string{"join:design-team:0"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	if !s.join("lobby") || s.current != "lobby" || len(sent(s)) != 0 {
		t.Errorf("joining a joined room should only switch: current %q", s.current)
	}
	if got := s.order; !slices.Equal(got, []string{"lobby", "design-team"}) {
		t.Errorf("order = %v", got)
	}
}

func TestJoinStopsAtTheServerLimit(t *testing.T) {
	s := online(t, 0)
	for i := 1; i < maxRooms; i++ {
		if !s.join("r" + strconv.Itoa(i)) {
			t.Fatalf("join %d refused: %s", i, s.roomError)
		}
	}
	if s.join("one-too-many") || !strings.Contains(s.roomError, "leave one") {
		t.Errorf("room %d: joined=%v error %q", maxRooms+1, s.current == "one-too-many", s.roomError)
	}
}

func TestRefusedJoinDropsTheRoom(t *testing.T) {
	s := online(t, 0)
	s.join("first")
	s.join("second")
	s.apply(joined("first", 0))
	// The server names no room: the refusal is the oldest unanswered join.
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeTooMany, Text: "too many rooms"})
	if s.rooms["second"] != nil || s.current != "first" || s.roomError != "too many rooms" {
		t.Errorf("rooms %v current %q error %q", s.order, s.current, s.roomError)
	}
	// Named by the server.
	s.join("third")
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeBadRoom, Room: "third", Text: "no"})
	if s.rooms["third"] != nil || !slices.Equal(s.order, []string{"lobby", "first"}) {
		t.Errorf("rooms %v", s.order)
	}
	// A bad_room about nothing we asked for leaves the rooms alone.
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeBadRoom, Text: "no"})
	if len(s.order) != 2 {
		t.Errorf("rooms %v", s.order)
	}
}

func TestUnreadCounts(t *testing.T) {
	s := online(t, 3)
	s.apply(msg(3, "l3", "bo", "lobby history"))
	s.join("design")
	s.takeOut()
	s.apply(joined("design", 2))
	s.switchTo("lobby")
	// The rest of design's first history arrives after switching away:
	// history is not news.
	s.apply(msgIn("design", 1, "d1", "bo", "old"))
	s.apply(msgIn("design", 2, "d2", "bo", "old"))
	if n := s.unread("design"); n != 0 {
		t.Fatalf("first history counted as unread: %d", n)
	}
	s.apply(msgIn("design", 4, "d4", "bo", "new"))
	s.apply(msgIn("design", 5, "d5", "me", "mine, from another tab"))
	s.apply(msgIn("design", 4, "d4", "bo", "new")) // a replay
	s.apply(msg(6, "l6", "bo", "on screen"))
	if n := s.unread("design"); n != 1 {
		t.Errorf("design unread = %d, want 1", n)
	}
	if n := s.unread("lobby"); n != 0 {
		t.Errorf("lobby is on screen, unread = %d", n)
	}
	if s.unreadTotal() != 1 {
		t.Errorf("total = %d", s.unreadTotal())
	}
	s.switchTo("design")
	if n := s.unread("design"); n != 0 || !s.dirtyRooms["design"] {
		t.Errorf("switching did not clear and save: %d", n)
	}
}

func TestResumedHistoryIsNews(t *testing.T) {
	s := online(t, 0)
	s.join("design")
	s.apply(joined("design", 0))
	s.apply(msgIn("design", 5, "a", "bo", "seen"))
	s.seen("design", 5) // on screen
	s.switchTo("lobby")
	s.disconnected()
	s.connected()
	s.apply(joined("design", 7))
	s.apply(msgIn("design", 6, "b", "bo", "missed"))
	s.apply(msgIn("design", 7, "c", "bo", "missed"))
	if n := s.unread("design"); n != 2 {
		t.Errorf("messages missed while away: unread %d, want 2", n)
	}
}

func TestLeave(t *testing.T) {
	s := online(t, 0)
	s.join("a")
	s.join("b")
	s.queue("pb", "in b")
	s.switchTo("a")
	s.takeOut()
	s.leave("lobby")
	if s.rooms["lobby"] == nil || len(sent(s)) != 0 {
		t.Fatal("the lobby was left")
	}
	s.leave("a")
	if got, want := sent(s), []string{"leave:a:"}; !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	if s.current != "lobby" || !slices.Equal(s.order, []string{"lobby", "b"}) {
		t.Errorf("current %q order %v", s.current, s.order)
	}
	s.leave("b")
	if !s.outboxDirty {
		t.Error("leaving a room with an outbox must save the outbox")
	}
	if r, _ := s.findPending("pb"); r != nil || len(s.order) != 1 {
		t.Errorf("order %v", s.order)
	}
}

func TestRequestOlder(t *testing.T) {
	s := online(t, 0)
	s.requestOlder()
	if len(sent(s)) != 0 || !s.cur().noOlder {
		t.Fatal("an empty room asked for history")
	}
	s = online(t, 120)
	for seq := uint64(21); seq <= 120; seq++ {
		s.apply(msg(seq, "m"+strconv.FormatUint(seq, 10), "bo", ""))
	}
	r := s.cur()
	s.requestOlder()
	s.requestOlder() // under way: not twice
	if got, want := sent(s), []string{"history:lobby:21"}; !slices.Equal(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	for seq := uint64(1); seq <= 20; seq++ {
		s.apply(msg(seq, "m"+strconv.FormatUint(seq, 10), "bo", ""))
	}
	s.apply(wire.Event{Type: wire.TypeHistory, Room: "lobby", Before: 21, Seq: 1, Count: 50}) // as if a full page
	if r.loadingOlder || r.noOlder || len(r.items) != 120 || r.items[0].Seq != 1 || s.unread(r.name) != 0 {
		t.Fatalf("after the answer: loading %v noOlder %v len %d first %d", r.loadingOlder, r.noOlder, len(r.items), r.items[0].Seq)
	}
	s.requestOlder()
	if got := sent(s); len(got) != 0 {
		t.Errorf("asked before seq 1: %v", got)
	}
	r.noOlder = false
	r.items = r.items[5:] // as if trimmed
	s.requestOlder()
	s.apply(wire.Event{Type: wire.TypeHistory, Room: "lobby", Before: 6, Seq: 2, Count: 4})
	if !r.noOlder {
		t.Error("a short page must end the history")
	}
}

func TestShortFirstHistoryIsAll(t *testing.T) {
	s := online(t, 30)
	for seq := uint64(1); seq <= 30; seq++ {
		if s.cur().noOlder {
			t.Fatalf("noOlder before the history was complete, at %d", seq)
		}
		s.apply(msg(seq, "m"+strconv.FormatUint(seq, 10), "bo", ""))
	}
	if !s.cur().noOlder {
		t.Error("30 messages on a first join: there is nothing older, yet noOlder is unset")
	}
	// A resumed room says nothing about what is older.
	s.cur().noOlder = false
	s.disconnected()
	s.connected()
	s.apply(joined("lobby", 31))
	s.apply(msg(31, "m31", "bo", ""))
	if s.cur().noOlder {
		t.Error("a resume set noOlder")
	}
}
