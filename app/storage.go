package app

import (
	"slices"
	"strings"
	"time"

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
	keepItems     = 100           // messages kept per room, while storage has room for them
)

type savedRooms struct {
	Current string   `json:"current"`
	Rooms   []string `json:"rooms"`
}

type savedRoom struct {
	LastSeq uint64     `json:"last"`
	Read    uint64     `json:"read,omitempty"`
	NoOlder bool       `json:"all,omitempty"` // Items starts at the room's first kept message
	Items   []chatItem `json:"items"`
}

type savedSend struct {
	Room   string      `json:"room"`
	ID     string      `json:"id"`
	Text   string      `json:"text"`
	Reply  uint64      `json:"reply,omitempty"`
	Files  []wire.File `json:"files,omitempty"`
	Failed string      `json:"failed,omitempty"`
}

// load restores what save wrote. Anything unreadable or no longer valid is
// skipped: the server has the history, so a lost cache costs a refetch. The
// whole stored outbox is taken in, the other tabs' messages too: a tab that
// closed before it could send its messages leaves them to the next one (see
// saveOutbox).
func (s *chatState) load(st app.BrowserStorage) {
	var list savedRooms
	if err := st.Get(roomsKey, &list); err != nil {
		app.Log("chat: reading the room list:", err)
	}
	// The lobby always: it is in every list, but a first-day visitor who
	// never changed rooms has no list saved, only the lobby's messages.
	// Then the saved list, then any other room with messages kept: the
	// list is one key for every tab, so a tab's save can leave out a room
	// another tab joined, while each room's key is deleted only when it is
	// left.
	seen := make(map[string]bool, len(list.Rooms)+1)
	for _, name := range append(append([]string{wire.DefaultRoom}, list.Rooms...), cachedRooms(st)...) {
		if seen[name] || wire.ValidRoom(name) != nil || (s.rooms[name] == nil && len(s.rooms) >= maxRooms) {
			continue
		}
		seen[name] = true
		r := s.addRoom(name)
		var saved savedRoom
		if err := st.Get(roomKeyPrefix+name, &saved); err != nil {
			app.Log("chat: reading room", name, err)
			continue
		}
		r.lastSeq, r.read, r.readSent, r.noOlder = saved.LastSeq, saved.Read, saved.Read, saved.NoOlder
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
		if wire.ValidRoom(p.Room) != nil || wire.ValidID(p.ID) != nil || validSend(p.Text, p.Files) != nil {
			continue
		}
		r := s.rooms[p.Room]
		if r == nil {
			if len(s.rooms) >= maxRooms {
				continue
			}
			r = s.addRoom(p.Room)
		}
		r.pending = append(r.pending, pendingSend{ID: p.ID, Text: p.Text, Reply: p.Reply, Files: p.Files, Failed: p.Failed})
		r.rev++
	}
	if s.rooms[list.Current] != nil {
		s.current = list.Current
	}
	s.listDirty, s.outboxDirty = false, false
	clear(s.dirtyRooms)
}

// cachedRooms lists the rooms whose messages are kept, by name.
func cachedRooms(st app.BrowserStorage) []string {
	var names []string
	st.ForEach(func(key string) {
		if name, ok := strings.CutPrefix(key, roomKeyPrefix); ok {
			names = append(names, name)
		}
	})
	slices.Sort(names)
	return names
}

// save writes what changed since the last save, the outbox first: it holds
// the only copy of what was typed here, while the rest is a cache of what
// the server has. Storage can be full or switched off (private windows):
// an outbox that could not be written stays dirty and is tried again at
// the next save, after the room caches were cut down to make room (see
// store); a room cache that cannot be written is given up, since a refetch
// restores it.
func (s *chatState) save(st app.BrowserStorage) {
	if s.outboxDirty && s.saveOutbox(st) {
		s.outboxDirty = false
	}
	if s.listDirty {
		s.store(st, roomsKey, func() any { return savedRooms{Current: s.current, Rooms: s.order} })
		s.listDirty = false
	}
	for name := range s.dirtyRooms {
		if r := s.rooms[name]; r == nil || r.keep == 0 {
			st.Del(roomKeyPrefix + name)
		} else {
			s.store(st, roomKeyPrefix+name, func() any { return r.saved() })
		}
	}
	clear(s.dirtyRooms)
}

// saveOutbox writes the outbox, merged with what the other tabs wrote.
//
// The outbox is one key for every tab of the browser (they share
// localStorage), and each tab holds in memory the messages it knows of: its
// own, and those it found in storage when it loaded, left by a tab that
// closed before it could send them or by one still open. Were a save to
// write only what the tab holds, the last tab to write would drop the
// others' unsent messages. So a save merges: what storage holds now, less
// what this tab took out of the outbox (stored, discarded, or its room
// left: outboxGone), with this tab's own copy of each message in place of
// the stored one, and its new messages after. Two tabs that hold one
// message both send it, which is harmless: the server stores it once per
// (browser id, room, message id) and acks both, and each tab then takes it
// out. (A key per tab would need to tell a closed tab, whose outbox another
// must adopt, from one the browser put to sleep; merging needs no guess.)
func (s *chatState) saveOutbox(st app.BrowserStorage) bool {
	var stored []savedSend
	if err := st.Get(outboxKey, &stored); err != nil {
		app.Log("chat: reading the outbox:", err)
		stored = nil
	}
	merged := mergeOutbox(stored, s.savedOutbox(), s.outboxGone)
	if !s.store(st, outboxKey, func() any { return merged }) {
		return false
	}
	// What storage no longer holds needs no more keeping out.
	inStorage := make(map[string]bool, len(stored))
	for _, p := range stored {
		inStorage[p.ID] = true
	}
	for id := range s.outboxGone {
		if !inStorage[id] {
			delete(s.outboxGone, id)
		}
	}
	return true
}

// mergeOutbox is stored, less the ids in gone, with mine's copy of each
// message in place of the stored one and mine's others after.
func mergeOutbox(stored, mine []savedSend, gone map[string]bool) []savedSend {
	own := make(map[string]int, len(mine))
	for i, p := range mine {
		own[p.ID] = i
	}
	merged := make([]savedSend, 0, len(stored)+len(mine))
	written := make(map[string]bool, len(stored)+len(mine))
	for _, p := range stored {
		if i, ok := own[p.ID]; ok {
			p = mine[i]
		} else if gone[p.ID] {
			continue
		}
		if !written[p.ID] {
			written[p.ID] = true
			merged = append(merged, p)
		}
	}
	for _, p := range mine {
		if !written[p.ID] {
			written[p.ID] = true
			merged = append(merged, p)
		}
	}
	return merged
}

// savedOutbox is the messages this page holds, room by room.
func (s *chatState) savedOutbox() []savedSend {
	var outbox []savedSend
	for _, name := range s.order {
		for _, p := range s.rooms[name].pending {
			outbox = append(outbox, savedSend{Room: name, ID: p.ID, Text: p.Text, Reply: p.Reply, Files: p.Files, Failed: p.Failed})
		}
	}
	return outbox
}

// store writes the value under key and reports whether it is written. When
// the browser refuses (its quota is full, as a rule), it makes room by
// keeping fewer messages of each room, one step at a time, and tries again,
// until the write succeeds or there is nothing left to cut. value is asked
// for again at each try, since it may be a room that was just cut. The
// outbox is never cut.
func (s *chatState) store(st app.BrowserStorage, key string, value func() any) bool {
	for {
		err := st.Set(key, value())
		if err == nil {
			return true
		}
		if !s.shrinkCaches(st) {
			app.Log("chat: saving", key+":", err)
			return false
		}
	}
}

// keepSteps are the room cache sizes that shrinkCaches goes down through.
var keepSteps = []int{50, 20, 5, 0}

// shrinkCaches frees some storage by keeping fewer messages of one room:
// the next step down in keepSteps, all rooms at one step before any at the
// next, the least recently active room first and the room on screen last.
// A room cut to 0 keeps nothing in storage (a reload fetches its last
// messages again). It reports false when every room is at 0 already.
func (s *chatState) shrinkCaches(st app.BrowserStorage) bool {
	rooms := s.roomsByActivity()
	for _, keep := range keepSteps {
		for _, r := range rooms {
			if r.keep <= keep {
				continue
			}
			r.keep = keep
			key := roomKeyPrefix + r.name
			if keep == 0 || st.Set(key, r.saved()) != nil {
				r.keep = 0
				st.Del(key)
			}
			return true
		}
	}
	return false
}

// roomsByActivity lists the rooms from the one whose last message is the
// oldest to the one on screen.
func (s *chatState) roomsByActivity() []*room {
	rooms := make([]*room, 0, len(s.order))
	for _, name := range s.order {
		rooms = append(rooms, s.rooms[name])
	}
	last := func(r *room) time.Time {
		for _, it := range slices.Backward(r.items) {
			if !it.System {
				return it.TS
			}
		}
		return time.Time{}
	}
	slices.SortStableFunc(rooms, func(a, b *room) int {
		switch {
		case a.name == s.current:
			return 1
		case b.name == s.current:
			return -1
		}
		return last(a).Compare(last(b))
	})
	return rooms
}

// saved is what is kept of a room: its last r.keep messages.
func (r *room) saved() savedRoom {
	items := make([]chatItem, 0, min(len(r.items), r.keep))
	for _, it := range slices.Backward(r.items) {
		if len(items) == r.keep {
			break
		}
		if !it.System {
			items = append(items, it)
		}
	}
	slices.Reverse(items)
	all := r.noOlder && len(items) == countMessages(r.items)
	return savedRoom{LastSeq: r.lastSeq, Read: r.read, NoOlder: all, Items: items}
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
