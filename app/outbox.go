package app

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"chat/wire"
)

// newClientID returns a message id for the server's dedupe: 16 random bytes
// as 22 URL-safe base64 characters, inside wire.ValidID's alphabet.
func newClientID() string {
	var b [16]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// queue puts a message for the current room in the outbox. It is shown as
// pending at once, connected or not, and kept in the browser until the
// server confirms it. takeOut sends it when the room is caught up on a live
// connection: sending before the join's history has arrived could send
// again a message that was stored just before a drop.
func (s *chatState) queue(id, text string) { s.queueWith(id, text, nil) }

// queueWith is queue for a message carrying uploaded files.
func (s *chatState) queueWith(id, text string, files []wire.File) {
	r := s.rooms[s.current]
	r.pending = append(r.pending, pendingSend{ID: id, Text: text, Files: files})
	r.rev++
	s.outboxDirty = true
}

// sendTyped checks a message typed in the composer and puts it in the
// outbox; a refusal is shown in #error and marks the field.
func (s *chatState) sendTyped(typed string) error { return s.sendComposed(typed, nil) }

// sendComposed is sendTyped for a message with the files uploaded for it
// (their text may then be empty).
func (s *chatState) sendComposed(typed string, files []wire.File) error {
	text := strings.TrimSpace(typed)
	if err := validSend(text, files); err != nil {
		s.lastError, s.composerRefused = errorText(err), true
		return err
	}
	s.lastError, s.composerRefused = "", false
	s.queueWith(newClientID(), text, files)
	if rd := s.replyFor(s.current); rd != nil {
		r := s.cur()
		r.pending[len(r.pending)-1].Reply = rd.Seq
		s.reply = nil
	}
	return nil
}

// retry clears a refused message's failure, so that it is sent again with
// the same id. It reports whether the id was in the outbox.
func (s *chatState) retry(id string) bool {
	r, i := s.findPending(id)
	if r == nil {
		return false
	}
	p := &r.pending[i]
	p.Failed, p.Sent, p.notBefore = "", false, time.Time{}
	r.rev++
	s.outboxDirty = true
	return true
}

// canSend reports whether a message for r can go out now: a live
// connection, the room's history caught up, and a store to keep it.
func (s *chatState) canSend(r *room) bool { return s.linked && r.caughtUp && !s.storeDown }

// waiting reports whether a message is for takeOut to send: not sent on
// this connection, not refused, and not held back after an unavailable.
func (p *pendingSend) waiting(now time.Time) bool {
	return !p.Sent && p.Failed == "" && !p.notBefore.After(now)
}

// discard drops a message from the outbox.
func (s *chatState) discard(id string) {
	if r, _ := s.findPending(id); r != nil {
		s.removePending(r, id)
	}
}

// takeOut returns what is to be sent now, and forgets it: the events queued
// by emit, in order, then the messages of the outbox that can go (canSend),
// room by room and oldest first, as many as the pace allows. What the pace
// holds back goes out at a later call; nextTakeOut says when. The messages
// are not queued by emit but taken from the outbox here, so that one
// refused for the rate (or lost with a connection) simply goes again.
func (s *chatState) takeOut() []wire.Event {
	if !s.linked {
		return nil
	}
	now := s.now()
	var out []wire.Event
	for len(s.out) > 0 && s.pace.take(now) {
		out = append(out, s.out[0])
		s.out = s.out[1:]
	}
	if len(s.out) > 0 {
		return out
	}
	s.out = nil
	for _, name := range s.order {
		r := s.rooms[name]
		if !s.canSend(r) {
			continue
		}
		for i := range r.pending {
			p := &r.pending[i]
			if !p.waiting(now) {
				continue
			}
			if !s.pace.take(now) {
				return out
			}
			p.Sent = true
			ev := sendEvent(r.name, p.ID, p.Text)
			ev.Reply = p.Reply
			ev.Files = fileRefs(p.Files)
			out = append(out, ev)
		}
	}
	return out
}

// nextTakeOut says how long until takeOut has something to send, if it has
// anything at all: the pace, or a message held back after an unavailable.
func (s *chatState) nextTakeOut() (time.Duration, bool) {
	if !s.linked {
		return 0, false
	}
	now := s.now()
	if len(s.out) > 0 {
		return s.pace.wait(now), true
	}
	var soonest time.Duration
	found := false
	for _, name := range s.order {
		r := s.rooms[name]
		if !s.canSend(r) {
			continue
		}
		for _, p := range r.pending {
			if p.Sent || p.Failed != "" {
				continue
			}
			d := max(p.notBefore.Sub(now), s.pace.wait(now))
			if !found || d < soonest {
				soonest, found = d, true
			}
		}
	}
	return soonest, found
}

// ack marks a message of ours as stored: it leaves the outbox and stands in
// the list, under its seq, until the stored copy comes in with the room's
// stream (which may also have come first; then the ack has nothing to do).
func (s *chatState) ack(r *room, id string, seq uint64) {
	for _, p := range r.pending {
		if p.ID == id {
			s.removePending(r, id)
			it := chatItem{Seq: seq, ID: id, From: s.name, User: s.user, Guest: s.guest, Text: p.Text, TS: s.now(), Mine: true, Reply: p.Reply}
			if o := r.item(p.Reply); o != nil && p.Reply != 0 {
				it.Quote = &wire.Quote{From: o.From, User: o.User, Text: o.Text}
			}
			r.addMessage(it, false)
			s.dirtyRooms[r.name] = true
			return
		}
	}
}

// confirm takes a message out of the outbox once the server has stored it;
// it reports whether the id was ours.
func (s *chatState) confirm(r *room, id string) bool {
	if id == "" {
		return false
	}
	return s.removePending(r, id)
}

func (s *chatState) removePending(r *room, id string) bool {
	for i := range r.pending {
		if r.pending[i].ID == id {
			r.pending = append(r.pending[:i:i], r.pending[i+1:]...)
			r.rev++
			s.outboxDirty = true
			s.outboxGone[id] = true
			return true
		}
	}
	return false
}

func (s *chatState) findPending(id string) (*room, int) {
	for _, name := range s.order {
		r := s.rooms[name]
		for i := range r.pending {
			if r.pending[i].ID == id {
				return r, i
			}
		}
	}
	return nil, 0
}

func sendEvent(room, id, text string) wire.Event {
	return wire.Event{Type: wire.TypeSend, Room: room, ID: id, Text: text}
}

// packFrames packs encoded events into frames no larger than the server's
// read limit; an event too big to share a frame goes alone.
func packFrames(events [][]byte) [][]byte {
	var frames [][]byte
	var frame []byte
	for _, ev := range events {
		if len(frame) > 0 && len(frame)+1+len(ev) > wire.MaxFrame {
			frames = append(frames, frame)
			frame = nil
		}
		frame = wire.AppendFrame(frame, ev)
	}
	if len(frame) > 0 {
		frames = append(frames, frame)
	}
	return frames
}

// validSend checks a message's text, which may be empty when it carries
// files (the server allows that, and checks the files itself).
func validSend(text string, files []wire.File) error {
	if len(files) > wire.MaxFiles {
		return wire.Errorf(wire.CodeBadField, "a message carries at most %d files", wire.MaxFiles)
	}
	if len(files) > 0 && text == "" {
		return nil
	}
	return wire.ValidText(text)
}

// fileRefs is what a send says of its files: their ids alone (the server
// ignores anything else and describes them itself).
func fileRefs(files []wire.File) []wire.File {
	if len(files) == 0 {
		return nil
	}
	refs := make([]wire.File, len(files))
	for i, f := range files {
		refs[i] = wire.File{ID: f.ID}
	}
	return refs
}
