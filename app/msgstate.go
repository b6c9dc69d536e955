package app

import (
	"slices"
	"strings"
	"time"

	"chat/wire"
)

// Edits, reactions, replies, typing and read state: what changes a message
// after it was sent, and what is said about a room besides its messages.

// quickEmoji are the reactions the picker offers.
var quickEmoji = []string{"👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "✅"}

// typingEvery is how often the composer says that the person is typing
// (the server counts one every 2 s); typingFor is how long the server's
// last word on who is typing holds when no other comes.
const (
	typingEvery = 3 * time.Second
	typingFor   = 6 * time.Second
)

// readEvery is how often at most the page tells the server how far the
// person has read (the server coalesces too).
const readEvery = time.Second

// msgAction is an edit or a reaction sent and not answered: a refusal of
// it is about the message, not the room, and an edit refused puts the old
// text back.
type msgAction struct {
	room    string
	target  uint64
	oldText string
	edited  time.Time
	edit    bool
}

// replyDraft is the message the composer answers.
type replyDraft struct {
	Room string
	Seq  uint64
	From string
	Text string
}

// item finds a message of a room by seq.
func (r *room) item(seq uint64) *chatItem {
	i := slices.IndexFunc(r.items, func(it chatItem) bool { return it.Seq == seq && !it.System })
	if i < 0 {
		return nil
	}
	return &r.items[i]
}

// streamEvent records that an event of the room's stream (an edit, a
// reaction, a delete) came at seq: it moves the resume point and can be the
// last thing the join's history brings.
func (s *chatState) streamEvent(r *room, seq uint64) {
	if seq == 0 {
		return
	}
	r.lastSeq = max(r.lastSeq, seq)
	s.dirtyRooms[r.name] = true
	if r.joined && !r.caughtUp && seq >= r.head {
		r.catchUp()
	}
}

// applyEdit replaces the text of message target.
func (s *chatState) applyEdit(ev wire.Event) {
	r := s.room(ev.Room)
	if r == nil {
		return
	}
	if it := r.item(ev.Target); it != nil && ev.Text != "" {
		it.Text = ev.Text
		it.Edited = ev.Edited
		if it.Edited.IsZero() {
			it.Edited = s.now()
		}
		r.rev++
	}
	s.streamEvent(r, ev.Seq)
}

// applyReact replaces the reactions of message target with the event's.
func (s *chatState) applyReact(ev wire.Event) {
	r := s.room(ev.Room)
	if r == nil {
		return
	}
	if it := r.item(ev.Target); it != nil {
		it.Reactions = ev.Reactions
		r.rev++
	}
	s.streamEvent(r, ev.Seq)
}

// applyTyping takes the server's word on who is typing in a room.
func (s *chatState) applyTyping(ev wire.Event) {
	r := s.room(ev.Room)
	if r == nil {
		return
	}
	r.typing, r.typingCount, r.typingAt = ev.Names, ev.Count, s.now()
	if ev.Count <= 0 {
		r.typing, r.typingCount = nil, 0
	}
}

// applyRead takes how far the person has read a room, from any device.
func (s *chatState) applyRead(room string, seq uint64) {
	r := s.room(room)
	if r == nil || seq <= r.read {
		return
	}
	r.read = seq
	r.readSent = max(r.readSent, seq)
	s.dirtyRooms[r.name] = true
}

// typingLine is what the composer's typing line says for a room: nothing,
// or who is typing (not counting oneself).
func (s *chatState) typingLine(name string) string {
	r := s.rooms[name]
	if r == nil || r.typingCount <= 0 || s.now().Sub(r.typingAt) >= typingFor {
		return ""
	}
	var names []string
	count := r.typingCount
	for _, n := range r.typing {
		if n == s.name {
			count--
			continue
		}
		names = append(names, n)
	}
	switch {
	case count <= 0:
		return ""
	case count == 1 && len(names) == 1:
		return names[0] + " is typing…"
	case count == 2 && len(names) == 2:
		return names[0] + " and " + names[1] + " are typing…"
	}
	return "Several people are typing…"
}

// typed records a keystroke in the composer; it reports whether a typing
// event went out (at most one every typingEvery).
func (s *chatState) typed(last *time.Time) bool {
	now := s.now()
	r := s.cur()
	if !s.welcomed || !r.joined || now.Sub(*last) < typingEvery {
		return false
	}
	*last = now
	s.emit(wire.Event{Type: wire.TypeTyping, Room: r.name})
	return true
}

// newest is the seq of the newest message held, 0 for none.
func (r *room) newest() uint64 {
	for _, it := range slices.Backward(r.items) {
		if !it.System {
			return it.Seq
		}
	}
	return 0
}

// seen records that the room's messages up to seq were on screen.
func (s *chatState) seen(name string, seq uint64) {
	r := s.rooms[name]
	if r == nil || seq <= r.read {
		return
	}
	r.read = seq
	s.dirtyRooms[name] = true
}

// takeReads queues a read event for each room read further than the
// server was told, at most once every readEvery; it says how long until
// the next is due when one waits.
func (s *chatState) takeReads(last *time.Time) (time.Duration, bool) {
	if !s.welcomed {
		return 0, false
	}
	var due []*room
	for _, name := range s.order {
		if r := s.rooms[name]; r.joined && r.read > r.readSent {
			due = append(due, r)
		}
	}
	if len(due) == 0 {
		return 0, false
	}
	now := s.now()
	if wait := readEvery - now.Sub(*last); wait > 0 {
		return wait, true
	}
	*last = now
	for _, r := range due {
		r.readSent = r.read
		s.emit(wire.Event{Type: wire.TypeRead, Room: r.name, Seq: r.read})
	}
	return 0, false
}

// unread counts the messages of a room after its read seq that are not
// one's own. The room on screen has none: it is being read.
func (s *chatState) unread(name string) int {
	r := s.rooms[name]
	if r == nil || name == s.current {
		return 0
	}
	return r.unreadAfter(r.read)
}

func (r *room) unreadAfter(read uint64) int {
	n := 0
	for _, it := range slices.Backward(r.items) {
		if it.Seq <= read {
			break
		}
		if !it.System && !it.Mine {
			n++
		}
	}
	return n
}

// firstUnread is the seq of the message the "new messages" line stands
// above in the room on screen, 0 for none, or while the first unread
// message is older than what is held (the line would stand in the wrong
// place).
func (s *chatState) firstUnread() uint64 {
	seq, _ := s.unreadStart()
	return seq
}

// sendEdit changes the text of one's own message; it reports false, with
// the reason in lastError, when the text cannot be sent.
func (s *chatState) sendEdit(room string, seq uint64, typed string) bool {
	r := s.rooms[room]
	if r == nil {
		return false
	}
	it := r.item(seq)
	if it == nil {
		return false
	}
	text := strings.TrimSpace(typed)
	if text == it.Text {
		return true // nothing changed
	}
	if err := wire.ValidText(text); err != nil {
		s.lastError = errorText(err)
		return false
	}
	if !s.linked {
		s.lastError = "Not connected: the message can be edited once the connection is back."
		return false
	}
	id := newClientID()
	s.acting[id] = msgAction{room: room, target: seq, oldText: it.Text, edited: it.Edited, edit: true}
	it.Text, it.Edited = text, s.now()
	r.rev++
	s.lastError = ""
	s.emit(wire.Event{Type: wire.TypeEdit, Room: room, ID: id, Target: seq, Text: text})
	return true
}

// sendReact toggles one's reaction on a message.
func (s *chatState) sendReact(room string, seq uint64, emoji string) bool {
	if s.rooms[room] == nil || wire.ValidEmoji(emoji) != nil {
		return false
	}
	if !s.linked {
		s.lastError = "Not connected: reactions work once the connection is back."
		return false
	}
	id := newClientID()
	s.acting[id] = msgAction{room: room, target: seq}
	s.emit(wire.Event{Type: wire.TypeReact, Room: room, ID: id, Target: seq, Emoji: emoji})
	return true
}

// refusedAction handles an error about an edit or a reaction; it reports
// whether the error was about one.
func (s *chatState) refusedAction(ev wire.Event) bool {
	a, ok := s.acting[ev.ID]
	if ev.ID == "" || !ok {
		return false
	}
	delete(s.acting, ev.ID)
	if a.edit {
		if r := s.rooms[a.room]; r != nil {
			if it := r.item(a.target); it != nil {
				it.Text, it.Edited = a.oldText, a.edited
				r.rev++
			}
		}
	}
	text := ev.Text
	if ev.Code == wire.CodeForbidden {
		text = "You may not change this message."
	}
	if text == "" {
		text = ev.Code
	}
	s.lastError = text
	return true
}

// forgetActions gives up on the edits and reactions not answered when the
// connection ends: an edit shown ahead of the server goes back to the text
// stored, and if it was stored after all, the resumed join brings it.
func (s *chatState) forgetActions() {
	for id, a := range s.acting {
		delete(s.acting, id)
		if !a.edit {
			continue
		}
		if r := s.rooms[a.room]; r != nil {
			if it := r.item(a.target); it != nil {
				it.Text, it.Edited = a.oldText, a.edited
				r.rev++
			}
		}
	}
}

// lastMine is the seq of one's newest message in a room, 0 for none.
func (s *chatState) lastMine(name string) uint64 {
	r := s.rooms[name]
	if r == nil {
		return 0
	}
	for _, it := range slices.Backward(r.items) {
		if !it.System && it.Mine && it.User != "" && it.User == s.user {
			return it.Seq
		}
	}
	return 0
}

// startReply makes the composer answer a message.
func (s *chatState) startReply(room string, seq uint64) bool {
	r := s.rooms[room]
	if r == nil {
		return false
	}
	it := r.item(seq)
	if it == nil {
		return false
	}
	text := it.Text
	if runes := []rune(text); len(runes) > wire.MaxQuoteRunes {
		text = string(runes[:wire.MaxQuoteRunes])
	}
	s.reply = &replyDraft{Room: room, Seq: seq, From: it.From, Text: text}
	return true
}

// replyFor is the reply the composer holds for the room on screen.
func (s *chatState) replyFor(room string) *replyDraft {
	if s.reply != nil && s.reply.Room == room {
		return s.reply
	}
	return nil
}

// fetchOriginal asks for a message not held (the original of a reply); it
// reports false when it is held already or cannot be asked for now.
func (s *chatState) fetchOriginal(room string, seq uint64) bool {
	r := s.rooms[room]
	if r == nil || seq == 0 || r.item(seq) != nil || !s.linked || !r.caughtUp || r.fetching[seq] {
		return false
	}
	r.fetching[seq] = true
	s.emit(wire.Event{Type: wire.TypeFetch, Room: room, Target: seq})
	return true
}

// takeJump returns the message a fetch brought in to be shown, once.
func (s *chatState) takeJump() uint64 {
	seq := s.jump
	s.jump = 0
	return seq
}
