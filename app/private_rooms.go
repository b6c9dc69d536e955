package app

import (
	"slices"
	"strings"

	"chat/wire"
)

// The private rooms and direct messages of the chat state: the list GET
// /api/rooms gives, joined on the socket like any room (so that they count
// unread messages), and shown by title rather than by id.

// setRoomList takes the caller's private rooms and direct messages. Each
// is joined (as far as the limit of rooms allows); a server-named room
// held from before that the list no longer has is dropped, unless a join
// of it is under way (someone typed its id: the server answers that).
func (s *chatState) setRoomList(list []roomInfo) {
	info := make(map[string]roomInfo, len(list))
	for _, ri := range list {
		if wire.ValidRoom(ri.ID) != nil {
			continue
		}
		info[ri.ID] = ri
	}
	s.info = info
	s.listDirty = true
	for _, ri := range list {
		if _, ok := info[ri.ID]; !ok || s.rooms[ri.ID] != nil || len(s.rooms) >= maxRooms {
			continue
		}
		s.addRoom(ri.ID)
		if s.linked {
			s.emit(wire.Event{Type: wire.TypeJoin, Room: ri.ID})
			s.joining = append(s.joining, ri.ID)
		}
	}
	for _, name := range slices.Clone(s.order) {
		if _, ok := info[name]; ok || !serverNamed(name) {
			continue
		}
		if r := s.rooms[name]; !r.joined && !slices.Contains(s.joining, name) {
			s.dropRoom(name)
		}
	}
}

// roomKind is public, private or direct: by the list when it has the room,
// else by its name's prefix.
func (s *chatState) roomKind(name string) string {
	if info, ok := s.info[name]; ok {
		return info.Kind
	}
	switch {
	case strings.HasPrefix(name, "dm-"):
		return kindDirect
	case strings.HasPrefix(name, "p-"):
		return kindPrivate
	}
	return kindPublic
}

// roomTitle is what a room is called on screen: a public room by its name,
// a private one by its title, a direct message by the other people in it.
// A server-named room not in the list yet shows its id.
func (s *chatState) roomTitle(name string) string {
	info, ok := s.info[name]
	switch {
	case !ok:
		return name
	case info.Kind == kindDirect:
		var others []string
		for _, n := range info.Names {
			if n != s.name {
				others = append(others, n)
			}
		}
		if len(others) == 0 {
			if info.Title != "" {
				return info.Title
			}
			return s.name + " (just you)"
		}
		return strings.Join(others, ", ")
	case info.Title != "":
		return info.Title
	}
	return "Untitled room"
}

// roomHeading is a room's name in a sentence: #lobby, or a title.
func (s *chatState) roomHeading(name string) string {
	if s.roomKind(name) == kindPublic {
		return "#" + name
	}
	return s.roomTitle(name)
}

// roomsOfKind lists the rooms of a kind for the sidebar: those joined in
// the order joined, then those of the list not joined (over the limit).
func (s *chatState) roomsOfKind(kind string) []string {
	var names []string
	for _, name := range s.order {
		if s.roomKind(name) == kind {
			names = append(names, name)
		}
	}
	var rest []string
	for id, info := range s.info {
		if info.Kind == kind && s.rooms[id] == nil {
			rest = append(rest, id)
		}
	}
	slices.SortFunc(rest, func(a, b string) int { return strings.Compare(s.roomTitle(a), s.roomTitle(b)) })
	return append(names, rest...)
}

// owns reports whether the person may manage a room: its owner, or an
// admin.
func (s *chatState) owns(name string) bool {
	info, ok := s.info[name]
	return s.admin || (ok && info.Role == roleOwner)
}

// roomCreated adds a room the person just made, or was let into, and puts
// it on screen.
func (s *chatState) roomCreated(ri roomInfo) {
	if wire.ValidRoom(ri.ID) != nil {
		return
	}
	if ri.Role == "" {
		ri.Role = "member"
	}
	s.info[ri.ID] = ri
	s.listDirty = true
	s.join(ri.ID)
}

// leftRoom drops a room the person left through the API. No leave is
// sent: the server takes the connection out of the room itself, and its
// forbidden error then finds nothing to tell.
func (s *chatState) leftRoom(name string) {
	delete(s.info, name)
	s.answered(name)
	s.dropRoom(name)
	s.listDirty = true
}
