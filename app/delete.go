package app

import (
	"slices"
	"strings"

	"chat/wire"
)

// Deleting messages, and the refusals of the server that end a room or the
// session for this page.

// isMe reports whether a message's author is this session: by the user id
// the server stamps, or, for a message from before ids (a cache), by name.
func (s *chatState) isMe(user, from string) bool {
	if user != "" {
		return s.user != "" && user == s.user
	}
	return from != "" && from == s.name
}

// canDelete reports whether the person may delete a message: their own,
// anyone's as an admin, or anyone's in a private room they own. The server
// decides; this only says where to offer the button.
func (s *chatState) canDelete(room string, it chatItem) bool {
	if it.System || it.Seq == 0 || s.user == "" {
		return false
	}
	return (it.User != "" && it.User == s.user) || s.deletesAny(room)
}

// deletesAny reports whether the person may delete anyone's message in a
// room: an admin anywhere, an owner in their private room.
func (s *chatState) deletesAny(room string) bool {
	if s.user == "" {
		return false
	}
	info, ok := s.info[room]
	return s.admin || (ok && info.Kind == kindPrivate && info.Role == roleOwner)
}

// sendDelete asks the server to delete the message seq of a room. It
// reports false, with the reason in lastError, when there is no connection
// to ask on: a delete is not kept for later, as a message is.
func (s *chatState) sendDelete(room string, seq uint64) bool {
	if !s.linked || s.rooms[room] == nil {
		s.lastError = "Not connected: the message can be deleted once the connection is back."
		return false
	}
	id := newClientID()
	s.deleting[id] = true
	s.emit(wire.Event{Type: wire.TypeDelete, Room: room, ID: id, Target: seq})
	return true
}

// applyDelete takes a deleted message out of its room. The delete is an
// event of the room's stream: it moves the resume point and can be the
// last thing the join's history brings.
func (s *chatState) applyDelete(ev wire.Event) {
	r := s.room(ev.Room)
	if r == nil || ev.Target == 0 {
		return
	}
	r.deleted[ev.Target] = true
	i := slices.IndexFunc(r.items, func(it chatItem) bool { return it.Seq == ev.Target && !it.System })
	if i >= 0 {
		if id := r.items[i].ID; id != "" {
			delete(r.ids, id)
		}
		r.items = slices.Delete(r.items, i, i+1)
		r.rev++
		s.dirtyRooms[r.name] = true
	}
	s.streamEvent(r, ev.Seq)
}

// noAccessText is what a person is told of a room they may not see.
const noAccessText = "You don't have access to this room."

// forbidden handles the server's forbidden error: a delete refused (it
// names a delete's id), or a room this person may not be in (not a member,
// no such room, or just removed from it), which leaves the list.
func (s *chatState) forbidden(ev wire.Event) {
	if ev.ID != "" && s.deleting[ev.ID] {
		delete(s.deleting, ev.ID)
		s.lastError = "You may not delete this message."
		return
	}
	room := ev.Room
	if room == "" && len(s.joining) > 0 {
		room = s.joining[0]
	}
	_, listed := s.info[room]
	delete(s.info, room)
	if r := s.rooms[room]; r == nil && !listed {
		return // left here already: nothing to tell
	}
	s.answered(room)
	s.dropRoom(room)
	s.listDirty = true
	s.lastError = noAccessText
}

// isSessionEnded reports whether a going_away error is the server ending
// the session (hub.DisconnectSessionEnded, close code 4003), which no
// reconnect can undo.
func isSessionEnded(text string) bool {
	return strings.HasPrefix(text, "session ended")
}
