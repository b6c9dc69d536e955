package app

import (
	"crypto/rand"
	"encoding/base64"

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
// server confirms it. It goes out now when the room is caught up on a live
// connection, otherwise once it is: sending before the join's history has
// arrived could send again a message that was stored just before a drop.
func (s *chatState) queue(id, text string) {
	r := s.rooms[s.current]
	p := pendingSend{ID: id, Text: text}
	if s.canSend(r) {
		p.Sent = true
		s.emit(sendEvent(r.name, id, text))
	}
	r.pending = append(r.pending, p)
	r.rev++
	s.outboxDirty = true
}

// retry clears a refused message's failure and sends it again, with the
// same id, or leaves it for the next connection. It reports whether the id
// was in the outbox.
func (s *chatState) retry(id string) bool {
	r, i := s.findPending(id)
	if r == nil {
		return false
	}
	p := &r.pending[i]
	p.Failed = ""
	if s.canSend(r) {
		p.Sent = true
		s.emit(sendEvent(r.name, p.ID, p.Text))
	}
	r.rev++
	s.outboxDirty = true
	return true
}

// canSend reports whether a message for r can go out now: a live
// connection, the room's history caught up, and a store to keep it.
func (s *chatState) canSend(r *room) bool { return s.linked && r.caughtUp && !s.storeDown }

// discard drops a message from the outbox.
func (s *chatState) discard(id string) {
	if r, _ := s.findPending(id); r != nil {
		s.removePending(r, id)
	}
}

// flushOutbox sends a caught-up room's waiting messages. Those the join's
// history already held were matched by id and are gone from the outbox;
// what is left was not stored, or the server's dedupe catches it.
func (s *chatState) flushOutbox(r *room) {
	if !s.linked || s.storeDown {
		return
	}
	for i := range r.pending {
		p := &r.pending[i]
		if p.Failed == "" && !p.Sent {
			p.Sent = true
			s.emit(sendEvent(r.name, p.ID, p.Text))
			r.rev++
		}
	}
}

// ack marks a message of ours as stored: it leaves the outbox and stands in
// the list, under its seq, until the stored copy comes in with the room's
// stream (which may also have come first; then the ack has nothing to do).
func (s *chatState) ack(r *room, id string, seq uint64) {
	for _, p := range r.pending {
		if p.ID == id {
			s.removePending(r, id)
			r.addMessage(chatItem{Seq: seq, ID: id, From: s.name, Text: p.Text, TS: s.now(), Mine: true}, false)
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
