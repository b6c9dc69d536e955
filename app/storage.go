package app

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// What the app keeps in localStorage, so that a reload (offline too) shows
// the rooms and their last messages at once, and so that messages typed
// while offline survive until they are sent. The name and the browser id
// are in name.go.
const (
	roomsKey      = "chat.rooms"  // savedRooms
	roomKeyPrefix = "chat.room."  // + room name: savedRoom
	outboxKey     = "chat.outbox" // []savedSend
	keepItems     = 100           // messages kept per room
)

type savedRooms struct {
	Current string   `json:"current"`
	Rooms   []string `json:"rooms"`
}

type savedRoom struct {
	LastSeq uint64     `json:"last"`
	Unread  int        `json:"unread,omitempty"`
	NoOlder bool       `json:"all,omitempty"` // Items starts at the room's first kept message
	Items   []chatItem `json:"items"`
}

type savedSend struct {
	Room   string `json:"room"`
	ID     string `json:"id"`
	Text   string `json:"text"`
	Failed string `json:"failed,omitempty"`
}

// load restores what save wrote. Anything unreadable or no longer valid is
// skipped: the server has the history, so a lost cache costs a refetch.
func (s *chatState) load(st app.BrowserStorage) {
	var list savedRooms
	if err := st.Get(roomsKey, &list); err != nil {
		app.Log("chat: reading the room list:", err)
	}
	for _, name := range list.Rooms {
		if wire.ValidRoom(name) != nil || len(s.rooms) >= maxRooms {
			continue
		}
		r := s.addRoom(name)
		var saved savedRoom
		if err := st.Get(roomKeyPrefix+name, &saved); err != nil {
			app.Log("chat: reading room", name, err)
			continue
		}
		r.lastSeq, r.unread, r.noOlder = saved.LastSeq, max(saved.Unread, 0), saved.NoOlder
		// Not as stream messages: the resume point is LastSeq, which an
		// ack's stand-in may be ahead of.
		for _, it := range saved.Items {
			r.addMessage(it, false)
		}
	}
	var outbox []savedSend
	if err := st.Get(outboxKey, &outbox); err != nil {
		app.Log("chat: reading the outbox:", err)
	}
	for _, p := range outbox {
		if wire.ValidRoom(p.Room) != nil || wire.ValidID(p.ID) != nil || wire.ValidText(p.Text) != nil {
			continue
		}
		r := s.rooms[p.Room]
		if r == nil {
			if len(s.rooms) >= maxRooms {
				continue
			}
			r = s.addRoom(p.Room)
		}
		r.pending = append(r.pending, pendingSend{ID: p.ID, Text: p.Text, Failed: p.Failed})
		r.rev++
	}
	if s.rooms[list.Current] != nil {
		s.current = list.Current
	}
	s.listDirty, s.outboxDirty = false, false
	clear(s.dirtyRooms)
}

// save writes what changed since the last save. Storage can be full or
// switched off (private windows); the app then works for this visit only,
// which is no reason to interrupt anyone.
func (s *chatState) save(st app.BrowserStorage) {
	if s.listDirty {
		set(st, roomsKey, savedRooms{Current: s.current, Rooms: s.order})
		s.listDirty = false
	}
	for name := range s.dirtyRooms {
		r := s.rooms[name]
		if r == nil {
			st.Del(roomKeyPrefix + name)
			continue
		}
		set(st, roomKeyPrefix+name, r.saved())
	}
	clear(s.dirtyRooms)
	if s.outboxDirty {
		var outbox []savedSend
		for _, name := range s.order {
			for _, p := range s.rooms[name].pending {
				outbox = append(outbox, savedSend{Room: name, ID: p.ID, Text: p.Text, Failed: p.Failed})
			}
		}
		set(st, outboxKey, outbox)
		s.outboxDirty = false
	}
}

// saved is what is kept of a room: its last keepItems messages.
func (r *room) saved() savedRoom {
	items := make([]chatItem, 0, min(len(r.items), keepItems))
	for _, it := range slices.Backward(r.items) {
		if len(items) == keepItems {
			break
		}
		if !it.System {
			items = append(items, it)
		}
	}
	slices.Reverse(items)
	all := r.noOlder && len(items) == countMessages(r.items)
	return savedRoom{LastSeq: r.lastSeq, Unread: r.unread, NoOlder: all, Items: items}
}

func countMessages(items []chatItem) int {
	n := 0
	for _, it := range items {
		if !it.System {
			n++
		}
	}
	return n
}

func set(st app.BrowserStorage, key string, v any) {
	if err := st.Set(key, v); err != nil {
		app.Log("chat: saving", key+":", err)
	}
}
