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

// queue puts a message in the outbox and returns the send event for it. The
// message is shown as pending at once, connected or not; it goes out now if
// there is a connection and otherwise with the next one.
func (s *chatState) queue(id, text string) wire.Event {
	s.pending = append(s.pending, pendingSend{ID: id, Text: text})
	s.rev++
	return s.sendEvent(id, text)
}

// retry clears a refused message's failure so that it is sent again, with
// the same id. ok is false when the id is not in the outbox.
func (s *chatState) retry(id string) (ev wire.Event, ok bool) {
	for i := range s.pending {
		if p := &s.pending[i]; p.ID == id {
			p.Failed = ""
			s.rev++
			return s.sendEvent(p.ID, p.Text), true
		}
	}
	return wire.Event{}, false
}

// discard drops a message from the outbox.
func (s *chatState) discard(id string) {
	s.removePending(id)
}

// confirm takes a message out of the outbox once the server has stored it;
// it reports whether the id was ours.
func (s *chatState) confirm(id string) bool {
	if id == "" {
		return false
	}
	return s.removePending(id)
}

func (s *chatState) removePending(id string) bool {
	for i := range s.pending {
		if s.pending[i].ID == id {
			s.pending = append(s.pending[:i:i], s.pending[i+1:]...)
			s.rev++
			return true
		}
	}
	return false
}

func (s *chatState) sendEvent(id, text string) wire.Event {
	return wire.Event{Type: wire.TypeSend, Room: s.room, ID: id, Text: text}
}

func (s *chatState) helloEvent() wire.Event {
	return wire.Event{Type: wire.TypeHello, Name: s.name, ID: s.identity}
}

// resumeFrames is what a new connection sends first: hello, the join that
// resumes after the last seq seen, then every message still in flight. The
// events are packed into frames no larger than the server's read limit; an
// event too big to share a frame goes alone.
func (s *chatState) resumeFrames() [][]byte {
	events := [][]byte{
		wire.Encode(s.helloEvent()),
		wire.Encode(wire.Event{Type: wire.TypeJoin, Room: s.room, After: s.lastSeq}),
	}
	for _, p := range s.pending {
		if p.Failed == "" {
			events = append(events, wire.Encode(s.sendEvent(p.ID, p.Text)))
		}
	}
	var frames [][]byte
	var frame []byte
	for _, ev := range events {
		if len(frame) > 0 && len(frame)+1+len(ev) > wire.MaxFrame {
			frames = append(frames, frame)
			frame = nil
		}
		frame = wire.AppendFrame(frame, ev)
	}
	return append(frames, frame)
}
