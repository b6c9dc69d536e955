package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

func mine(seq uint64, id, text string) wire.Event {
	ev := msg(seq, id, "me", text)
	ev.User = "u-me"
	return ev
}

func TestApplyEditAndReact(t *testing.T) {
	s := online(t, 0)
	s.user = "u-me"
	s.apply(msg(1, "a", "bo", "helo"))
	rev := s.cur().rev
	edited := t0.Add(time.Minute)
	s.apply(wire.Event{Type: wire.TypeEdit, Room: "lobby", Seq: 2, Target: 1, Text: "hello", Edited: edited, User: "u-bo"})
	r := s.cur()
	if it := r.item(1); it.Text != "hello" || !it.Edited.Equal(edited) || r.rev == rev {
		t.Errorf("after edit: %+v", it)
	}
	if r.lastSeq != 2 {
		t.Errorf("an edit is in the stream: lastSeq %d, want 2", r.lastSeq)
	}
	reactions := []wire.Reaction{{Emoji: "👍", Users: []string{"u-bo", "u-me"}, Names: []string{"bo", "me"}}}
	s.apply(wire.Event{Type: wire.TypeReact, Room: "lobby", Seq: 3, Target: 1, Emoji: "👍", Reactions: reactions})
	// Replaced, never added to.
	s.apply(wire.Event{Type: wire.TypeReact, Room: "lobby", Seq: 4, Target: 1, Emoji: "👍", Reactions: reactions[:1]})
	if it := r.item(1); len(it.Reactions) != 1 || len(it.Reactions[0].Users) != 2 {
		t.Errorf("reactions = %+v", it.Reactions)
	}
	s.apply(wire.Event{Type: wire.TypeReact, Room: "lobby", Seq: 5, Target: 1, Emoji: "👍"})
	if it := r.item(1); len(it.Reactions) != 0 || r.lastSeq != 5 {
		t.Errorf("the last reaction taken back: %+v, lastSeq %d", it.Reactions, r.lastSeq)
	}
	// About a message not held: only the resume point moves.
	s.apply(wire.Event{Type: wire.TypeEdit, Room: "lobby", Seq: 6, Target: 99, Text: "x"})
	s.apply(wire.Event{Type: wire.TypeDelete, Room: "lobby", Seq: 7, Target: 1})
	if len(r.items) != 0 || r.lastSeq != 7 {
		t.Errorf("after delete: %d items, lastSeq %d", len(r.items), r.lastSeq)
	}
}

func TestHistoryEndingInAnEditCatchesUp(t *testing.T) {
	s := online(t, 0)
	s.join("design")
	s.takeOut()
	s.apply(joined("design", 4))
	s.apply(msgIn("design", 3, "a", "bo", "hi"))
	if s.rooms["design"].caughtUp {
		t.Fatal("caught up before the history's end")
	}
	s.apply(wire.Event{Type: wire.TypeReact, Room: "design", Seq: 4, Target: 3, Emoji: "🎉"})
	if !s.rooms["design"].caughtUp {
		t.Error("a react at the join's head did not end the history")
	}
}

func TestSendEditOptimisticAndRefused(t *testing.T) {
	s := online(t, 0)
	s.user = "u-me"
	s.apply(mine(1, "a", "first"))
	if s.lastMine("lobby") != 1 {
		t.Fatalf("lastMine = %d", s.lastMine("lobby"))
	}
	if !s.sendEdit("lobby", 1, "  second ") {
		t.Fatal(s.lastError)
	}
	out := s.takeOut()
	if len(out) != 1 || out[0].Type != wire.TypeEdit || out[0].Target != 1 || out[0].Text != "second" || out[0].ID == "" {
		t.Fatalf("sent %+v", out)
	}
	if it := s.cur().item(1); it.Text != "second" || it.Edited.IsZero() {
		t.Errorf("not shown at once: %+v", it)
	}
	// Refused: the old text is back, and the room stays.
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeForbidden, ID: out[0].ID, Room: "lobby"})
	if it := s.cur().item(1); it.Text != "first" || !it.Edited.IsZero() || s.rooms["lobby"] == nil || s.lastError == "" {
		t.Errorf("after refusal: %+v, error %q", it, s.lastError)
	}
	// An edit caught by a dropped connection is undone until the resume
	// says otherwise.
	s.sendEdit("lobby", 1, "third")
	s.takeOut()
	s.disconnected()
	if it := s.cur().item(1); it.Text != "first" || len(s.acting) != 0 {
		t.Errorf("after a drop: %+v, acting %v", it, s.acting)
	}
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "me", User: "u-me"})
	s.apply(joined("lobby", 1))
	s.takeOut()
	// Unchanged text sends nothing.
	if !s.sendEdit("lobby", 1, "first") || len(s.takeOut()) != 0 {
		t.Error("an unchanged edit was sent")
	}
	// A react refused as forbidden does not drop the room either.
	s.sendReact("lobby", 1, "👍")
	out = s.takeOut()
	if len(out) != 1 || out[0].Emoji != "👍" || out[0].Target != 1 {
		t.Fatalf("react sent %+v", out)
	}
	s.apply(wire.Event{Type: wire.TypeAck, Room: "lobby", ID: out[0].ID, Seq: 9})
	if len(s.acting) != 0 || len(s.cur().items) != 1 {
		t.Errorf("ack of a react: acting %v, items %d", s.acting, len(s.cur().items))
	}
}

func TestReplyCarriesItsSeq(t *testing.T) {
	s := online(t, 0)
	s.user = "u-me"
	s.apply(msg(4, "a", "bo", "question?"))
	if !s.startReply("lobby", 4) || s.replyFor("lobby") == nil || s.replyFor("other") != nil {
		t.Fatal("no reply draft")
	}
	if err := s.sendTyped("answer"); err != nil {
		t.Fatal(err)
	}
	if s.reply != nil {
		t.Error("the draft outlived the send")
	}
	out := s.takeOut()
	if len(out) != 1 || out[0].Reply != 4 {
		t.Fatalf("sent %+v", out)
	}
	s.apply(wire.Event{Type: wire.TypeAck, Room: "lobby", ID: out[0].ID, Seq: 5})
	if it := s.cur().item(5); it == nil || it.Reply != 4 || it.Quote == nil || it.Quote.From != "bo" {
		t.Errorf("the ack's stand-in: %+v", it)
	}
}

func TestFetchOriginal(t *testing.T) {
	s := online(t, 0)
	s.apply(msg(50, "a", "bo", "hi"))
	if s.fetchOriginal("lobby", 50) {
		t.Error("fetched a message held")
	}
	if !s.fetchOriginal("lobby", 7) || s.fetchOriginal("lobby", 7) {
		t.Fatal("fetch not sent once")
	}
	out := s.takeOut()
	if len(out) != 1 || out[0].Type != wire.TypeFetch || out[0].Target != 7 {
		t.Fatalf("sent %+v", out)
	}
	s.apply(msg(7, "o", "ana", "the original"))
	r := s.cur()
	if it := r.item(7); it == nil || !it.Fetched || r.lastSeq != 50 || s.takeJump() != 7 || s.takeJump() != 0 {
		t.Errorf("fetched: %+v lastSeq %d", it, r.lastSeq)
	}
	// Older history still starts before the messages held, not before it.
	if r.oldestSeq() != 50 {
		t.Errorf("oldestSeq = %d, want 50", r.oldestSeq())
	}
}

func TestTypingLine(t *testing.T) {
	s := online(t, 0)
	now := t0
	s.now = func() time.Time { return now }
	typing := func(count int, names ...string) {
		s.apply(wire.Event{Type: wire.TypeTyping, Room: "lobby", Names: names, Count: count})
	}
	for _, tc := range []struct {
		count int
		names []string
		want  string
	}{
		{1, []string{"ana"}, "ana is typing…"},
		{1, []string{"me"}, ""},
		{2, []string{"ana", "me"}, "ana is typing…"},
		{2, []string{"ana", "bo"}, "ana and bo are typing…"},
		{3, []string{"ana", "bo", "me"}, "ana and bo are typing…"},
		{3, []string{"ana", "bo", "cy"}, "Several people are typing…"},
		{9, []string{"a", "b", "c", "d", "e"}, "Several people are typing…"},
		{0, nil, ""},
	} {
		typing(tc.count, tc.names...)
		if got := s.typingLine("lobby"); got != tc.want {
			t.Errorf("%d %v: %q, want %q", tc.count, tc.names, got, tc.want)
		}
	}
	typing(1, "ana")
	now = now.Add(typingFor)
	if got := s.typingLine("lobby"); got != "" {
		t.Errorf("after %v without word: %q", typingFor, got)
	}
	// Typing goes out at most once every typingEvery.
	var last time.Time
	n := 0
	for i := 0; i < 10; i++ {
		if s.typed(&last) {
			n++
		}
		now = now.Add(time.Second)
	}
	if n != 4 {
		t.Errorf("typing sent %d times in 10 s, want 4", n)
	}
}

func TestUnreadFollowsReadState(t *testing.T) {
	s := online(t, 0)
	s.user = "u-me"
	now := t0
	s.now = func() time.Time { return now }
	s.join("design")
	s.takeOut()
	s.apply(wire.Event{Type: wire.TypeJoined, Room: "design", Seq: 3, Read: 2})
	for seq := uint64(1); seq <= 3; seq++ {
		s.apply(msgIn("design", seq, "d"+string(rune('0'+seq)), "bo", "hi"))
	}
	if r := s.rooms["design"]; r.marker != 2 || s.firstUnread() != 3 {
		t.Errorf("marker %d, first unread %d; want 2 and 3", r.marker, s.firstUnread())
	}
	s.seen("design", 3) // the list saw it
	s.switchTo("lobby")
	s.apply(msgIn("design", 4, "d4", "bo", "new"))
	mineToo := mine(5, "d5", "mine")
	mineToo.Room = "design"
	s.apply(mineToo)
	// On screen up to 3 when switched away, and 5 is mine.
	if n := s.unread("design"); n != 1 {
		t.Errorf("design unread = %d, want 1", n)
	}
	// Another device read further.
	s.apply(wire.Event{Type: wire.TypeRead, Room: "design", Seq: 4})
	if n := s.unread("design"); n != 0 || s.unreadTotal() != 0 {
		t.Errorf("after a read elsewhere: %d", n)
	}
	// Never backwards.
	s.apply(wire.Event{Type: wire.TypeRead, Room: "design", Seq: 1})
	if r := s.rooms["design"]; r.read != 4 {
		t.Errorf("read went back to %d", r.read)
	}

	// This page's reads go out coalesced, only forward.
	var last time.Time
	s.seen("lobby", 0)
	s.apply(msg(10, "l10", "bo", "x"))
	s.seen("lobby", 10)
	if _, waits := s.takeReads(&last); waits {
		t.Fatal("the first read waited")
	}
	if got := sent(s); !slices.Equal(got, []string{"read:lobby:"}) {
		t.Fatalf("sent %v", got)
	}
	s.apply(msg(11, "l11", "bo", "x"))
	s.seen("lobby", 11)
	now = now.Add(300 * time.Millisecond)
	if wait, waits := s.takeReads(&last); !waits || wait != 700*time.Millisecond || len(sent(s)) != 0 {
		t.Errorf("a second read within a second: wait %v %v", wait, waits)
	}
	now = now.Add(700 * time.Millisecond)
	s.takeReads(&last)
	out := s.takeOut()
	if len(out) != 1 || out[0].Seq != 11 {
		t.Errorf("sent %+v", out)
	}
	if _, waits := s.takeReads(&last); waits {
		t.Error("nothing new, yet a read waits")
	}
}

// TestMessageExtrasRender checks what a message shows of its edit, its
// reactions and the message it answers, and the typing line, in the page
// as the server prerenders it.
func TestMessageExtrasRender(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.setMe(user{ID: "u-me", Name: "me"})
	p.st.connected()
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "me", User: "u-me"})
	p.st.apply(joined("lobby", 0))
	p.st.apply(wire.Event{Type: wire.TypePresence, Room: "lobby", Count: 2, Names: []string{"bo", "me"}})
	p.st.apply(mine(1, "a", "first"))
	p.st.apply(wire.Event{Type: wire.TypeEdit, Room: "lobby", Seq: 2, Target: 1, Text: "first, fixed", Edited: t0})
	reply := msg(3, "b", "bo", "yes @me")
	reply.Reply, reply.Quote = 1, &wire.Quote{From: "me", Text: "first"}
	reply.Reactions = []wire.Reaction{{Emoji: "👍", Users: []string{"u-bo", "u-me"}, Names: []string{"bo", "me"}}}
	p.st.apply(reply)
	p.st.apply(wire.Event{Type: wire.TypeTyping, Room: "lobby", Count: 2, Names: []string{"bo", "me"}})
	p.st.startReply("lobby", 3)

	html := app.HTMLString(p)
	for _, want := range []string{
		`class="edited"`, `>(edited)<`, `>first, fixed<`,
		`class="quote"`, `data-seq="1"`, `class="quote-from">me<`, `class="quote-text">first<`,
		`class="chip mine"`, `data-emoji="👍"`, ` aria-pressed`, `title="bo, me"`, `class="chip-count">2<`,
		`class="mention me">@me<`,
		`class="icon-button small msg-action edit-msg"`, `class="icon-button small msg-action reply-msg"`, `react-msg`,
		`id="typing"`, `>bo is typing…<`,
		`id="reply-bar"`, `class="reply-text">yes @me<`, `id="reply-cancel"`,
		`id="browse-rooms"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The server writes "true" as a bare attribute; the browser's is "true".
	if strings.Contains(html, `aria-pressed="false"`) {
		t.Error("the viewer's chip is not pressed")
	}
	// bo's message is not the viewer's to edit.
	if n := strings.Count(html, "edit-msg"); n != 1 {
		t.Errorf("%d edit buttons, want 1", n)
	}
}
