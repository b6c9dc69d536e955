package app

import (
	"testing"

	"chat/wire"
)

func TestNewsFor(t *testing.T) {
	for _, c := range []struct {
		level             string
		direct, mentioned bool
		want              bool
	}{
		{"", false, false, false}, {"", false, true, true}, {"", true, false, true},
		{levelAll, false, false, true}, {levelMentions, true, false, false}, {levelMentions, false, true, true},
		{levelNone, true, true, false}, {"bogus", false, true, false},
	} {
		if got := newsFor(c.level, c.direct, c.mentioned); got != c.want {
			t.Errorf("newsFor(%q, direct %v, mentioned %v) = %v, want %v", c.level, c.direct, c.mentioned, got, c.want)
		}
	}
}

// TestNewsIsLiveAndOthers: only messages that come live from someone else
// are news; the join's history, one's own and fetched originals are not.
func TestNewsIsLiveAndOthers(t *testing.T) {
	s := signedIn(t)
	s.apply(joined("lobby", 0)) // nothing to catch up on: live from here
	s.rooms["lobby"].joined = false
	s.apply(joined("lobby", 3))
	s.apply(msg(2, "h2", "bo", "history"))
	s.apply(msg(3, "h3", "bo", "history, last"))
	if n := s.takeNews(); len(n) != 0 {
		t.Fatalf("the join's history is news: %+v", n)
	}
	s.apply(msg(4, "l4", "bo", "@ana live"))
	s.apply(wire.Event{Type: wire.TypeMsg, Room: "lobby", Seq: 5, ID: "m5", From: "ana", User: "u1", Text: "mine", TS: t0})
	n := s.takeNews()
	if len(n) != 1 || n[0].Seq != 4 || n[0].From != "bo" || n[0].Room != "lobby" {
		t.Fatalf("news %+v, want bo's live message alone", n)
	}
	if len(s.takeNews()) != 0 {
		t.Error("news taken twice")
	}
	for i := range maxNews + 5 {
		s.apply(msg(uint64(10+i), "b"+string(rune('a'+i)), "bo", "burst"))
	}
	if n := s.takeNews(); len(n) != maxNews || n[len(n)-1].Seq != uint64(10+maxNews+4) {
		t.Errorf("a burst kept %d news, want the last %d", len(n), maxNews)
	}
}

func TestNewsBody(t *testing.T) {
	if got := newsBody(news{Files: []wire.File{{Name: "a.png"}}}); got != "sent a.png" {
		t.Errorf("one file: %q", got)
	}
	if got := newsBody(news{Files: make([]wire.File, 3)}); got != "sent 3 files" {
		t.Errorf("three files: %q", got)
	}
	long := newsBody(news{Text: string(make([]rune, 500))})
	if r := []rune(long); len(r) != 181 || r[180] != '…' {
		t.Errorf("a long text is %d runes", len(r))
	}
}
