package app

import (
	"fmt"
	"slices"

	"chat/wire"
)

// join opens the room a person typed: normalized, checked, then joined (or
// just shown, when already joined). It reports false, with the reason in
// roomError, when the name cannot be a room.
func (s *chatState) join(typed string) bool {
	name := wire.NormalizeRoom(typed)
	if err := wire.ValidRoom(name); err != nil {
		s.roomError = errorText(err)
		return false
	}
	s.roomError = ""
	if _, ok := s.rooms[name]; ok {
		s.switchTo(name)
		return true
	}
	if len(s.rooms) >= maxRooms {
		s.roomError = fmt.Sprintf("You are in %d rooms, the most there can be: leave one first.", maxRooms)
		return false
	}
	s.addRoom(name)
	if s.linked {
		s.emit(wire.Event{Type: wire.TypeJoin, Room: name})
		s.joining = append(s.joining, name)
	}
	s.switchTo(name)
	return true
}

// switchTo puts a joined room on screen; its messages count as read.
func (s *chatState) switchTo(name string) {
	r, ok := s.rooms[name]
	if !ok {
		return
	}
	if s.current != name {
		if old := s.rooms[s.current]; old != nil {
			old.seekingUnread = false // a jump to its first unread is no longer wanted
		}
		s.current = name
		s.listDirty = true
		// The "new messages" line stands where the reading stopped.
		r.marker = r.read
	}
	s.seen(name, r.newest())
}

// leave leaves a room for good, dropping what it held, its outbox too. The
// lobby cannot be left: there is always a room to land in.
func (s *chatState) leave(name string) {
	if name == wire.DefaultRoom || s.rooms[name] == nil {
		return
	}
	s.emit(wire.Event{Type: wire.TypeLeave, Room: name})
	s.answered(name)
	s.dropRoom(name)
}

// dropRoom forgets a room; the one before it in the list comes on screen
// if it was showing.
func (s *chatState) dropRoom(name string) {
	i := slices.Index(s.order, name)
	if i < 0 || name == wire.DefaultRoom {
		return
	}
	for _, p := range s.rooms[name].pending {
		s.outboxGone[p.ID] = true
		s.outboxDirty = true
	}
	delete(s.rooms, name)
	s.order = slices.Delete(s.order, i, i+1)
	s.dirtyRooms[name] = true // save deletes its key
	s.listDirty = true
	if s.current == name {
		s.switchTo(s.order[max(i-1, 0)])
	}
}

// requestOlder asks for the messages before the oldest one held in the
// room on screen, unless that is under way or there is nothing more.
func (s *chatState) requestOlder() {
	r := s.cur()
	if !s.linked || !r.caughtUp || r.loadingOlder || r.noOlder {
		return
	}
	before := r.oldestSeq()
	if before == 0 {
		// Nothing held, as after a reset: ask for what leads up to now.
		before = r.lastSeq + 1
	}
	if before <= 1 {
		// Before the first seq there can be: nothing older.
		r.noOlder = true
		r.rev++
		return
	}
	r.loadingOlder = true
	r.rev++
	s.emit(wire.Event{Type: wire.TypeHistory, Room: r.name, Before: before})
}

// unreadTotal is the sum over rooms not on screen, for the title and the
// rooms button on a phone.
func (s *chatState) unreadTotal() int {
	n := 0
	for name := range s.rooms {
		n += s.unread(name)
	}
	return n
}
