package app

import (
	"slices"
	"strconv"
	"testing"

	"chat/wire"
)

// TestSeekMessageWaitsForTheRoom: a search result in a room just joined
// is shown once the join's history is in: at once when the history holds
// it, else fetched and shown when the fetch answers. A seek for a room the
// person left the screen of is dropped.
func TestSeekMessageWaitsForTheRoom(t *testing.T) {
	s := online(t, 0)
	s.join("design")
	s.takeOut()
	s.seekMessage("design", 40)
	if seq := s.takeSeek(); seq != 0 || s.seek == nil {
		t.Fatalf("before the join's answer: shown %d, still sought %v", seq, s.seek != nil)
	}
	s.apply(joined("design", 60))
	s.apply(msgIn("design", 40, "a", "bo", "the one"))
	if seq := s.takeSeek(); seq != 40 || s.seek != nil {
		t.Errorf("held by the history, not caught up yet: shown %d", seq)
	}

	// Not held, the room caught up: fetched once, shown when it comes.
	s.apply(msgIn("design", 60, "b", "bo", "last"))
	s.seekMessage("design", 7)
	if seq := s.takeSeek(); seq != 0 {
		t.Errorf("shown %d before it came", seq)
	}
	if got := sent(s); !slices.Equal(got, []string{"fetch:design:"}) {
		t.Fatalf("sent %v, want one fetch", got)
	}
	if s.takeSeek() != 0 || len(s.takeOut()) != 0 {
		t.Error("the seek asked twice")
	}
	s.apply(msgIn("design", 7, "o", "ana", "old"))
	if seq := s.takeJump(); seq != 7 {
		t.Errorf("the fetch's answer is shown: takeJump = %d, want 7", seq)
	}

	s.seekMessage("design", 99)
	s.switchTo("lobby")
	if s.takeSeek() != 0 || s.seek != nil {
		t.Error("a seek outlived its room's time on screen")
	}
}

// TestSeekUnreadLoadsOlderPages: a room opened with its read mark older
// than the messages held has its first unread message out of sight: the
// "new messages" line is not drawn at the oldest held (it would lie), and
// seeking it asks for older pages, one after the other, until the mark is
// among them.
func TestSeekUnreadLoadsOlderPages(t *testing.T) {
	s := online(t, 0)
	s.join("big")
	s.takeOut()
	s.apply(wire.Event{Type: wire.TypeJoined, Room: "big", Seq: 300, Read: 100})
	for seq := uint64(201); seq <= 300; seq++ { // the join's last 100
		s.apply(msgIn("big", seq, "m"+strconv.FormatUint(seq, 10), "bo", "x"))
	}
	r := s.rooms["big"]
	if seq, more := s.unreadStart(); seq != 0 || !more || s.firstUnread() != 0 {
		t.Fatalf("unreadStart = %d, %v, want 0, more", seq, more)
	}
	s.seekUnread()
	if got := sent(s); !slices.Equal(got, []string{"history:big:201"}) {
		t.Fatalf("sent %v", got)
	}
	if s.takeUnreadSeek() || len(s.takeOut()) != 0 {
		t.Fatal("done, or asked again, before the page came")
	}
	page := func(from, to uint64) {
		for seq := from; seq <= to; seq++ {
			s.apply(msgIn("big", seq, "m"+strconv.FormatUint(seq, 10), "bo", "x"))
		}
		s.apply(wire.Event{Type: wire.TypeHistory, Room: "big", Count: int(to - from + 1)})
	}
	page(151, 200)
	if s.takeUnreadSeek() {
		t.Fatal("done with the mark (100) not held")
	}
	if got := sent(s); !slices.Equal(got, []string{"history:big:151"}) {
		t.Fatalf("the next page: sent %v", got)
	}
	page(101, 150)
	// 101 is the oldest held and unread: one more page tells whether
	// the mark's message comes before it.
	s.takeUnreadSeek()
	s.takeOut()
	// The page comes oldest first, over several reads of the socket: its
	// first messages are older than the mark, but those between them and
	// what was held are still on their way. A jump then put the line above
	// a gap that filled in under it, out of view.
	for seq := uint64(51); seq <= 60; seq++ {
		s.apply(msgIn("big", seq, "m"+strconv.FormatUint(seq, 10), "bo", "x"))
	}
	if s.takeUnreadSeek() {
		t.Fatal("done before the page's end")
	}
	for seq := uint64(61); seq <= 100; seq++ {
		s.apply(msgIn("big", seq, "m"+strconv.FormatUint(seq, 10), "bo", "x"))
	}
	s.apply(wire.Event{Type: wire.TypeHistory, Room: "big", Count: 50})
	if !s.takeUnreadSeek() || s.takeUnreadSeek() || r.seekingUnread {
		t.Error("not done once, with the mark held")
	}
	if seq, more := s.unreadStart(); seq != 101 || more || s.firstUnread() != 101 {
		t.Errorf("unreadStart = %d, %v, want 101", seq, more)
	}

	// With the first unread held already, the jump is at once.
	s.seekUnread()
	if !s.takeUnreadSeek() || len(s.takeOut()) != 0 {
		t.Error("held: no jump at once, or history asked for")
	}
}

// TestUnreadStartPastOnesOwn: the oldest message held being one's own
// (never unread) does not make the next one the first unread: the read
// mark is older than both, and what lies between is not held.
func TestUnreadStartPastOnesOwn(t *testing.T) {
	s := online(t, 0)
	s.user = "u-me"
	s.join("x")
	s.apply(wire.Event{Type: wire.TypeJoined, Room: "x", Seq: 202, Read: 100})
	own := mine(201, "m", "mine")
	own.Room = "x"
	s.apply(own)
	s.apply(msgIn("x", 202, "b", "bo", "news"))
	r := s.rooms["x"]
	r.noOlder = false // as if the join had brought a full page
	if seq, more := s.unreadStart(); seq != 0 || !more {
		t.Errorf("unreadStart = %d, %v; want 0, more", seq, more)
	}
	r.noOlder = true
	if seq, more := s.unreadStart(); seq != 202 || more {
		t.Errorf("with nothing older: unreadStart = %d, %v; want 202", seq, more)
	}
}
