package ws

import (
	"sync"

	"chat/server/hub"
	"chat/server/presence"
	"chat/wire"
)

// Registry finds this node's connections by the sign-in session they came
// with, so that a session that ends (signed out, revoked, banned) closes
// them within a second, on every node (each watches the sessions bucket);
// and by person, so that a person taken out of a room leaves it on every
// device at once. It also tells the cluster who has a connection here
// (presence.Online). All methods may be called concurrently.
type Registry struct {
	hub    *hub.Hub
	online *presence.Online

	mu    sync.Mutex
	keys  map[string]map[*session]struct{}
	users map[string]map[*session]struct{}
}

func newRegistry(h *hub.Hub, online *presence.Online) *Registry {
	return &Registry{hub: h, online: online}
}

func (b *Registry) add(ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keys == nil {
		b.keys = make(map[string]map[*session]struct{})
		b.users = make(map[string]map[*session]struct{})
	}
	if ss.who.Session != "" { // a connection token has no session to end
		addTo(b.keys, ss.who.Session, ss)
	}
	addTo(b.users, ss.who.User, ss)
	b.online.Add(ss.who.User)
}

func addTo(m map[string]map[*session]struct{}, key string, ss *session) {
	if m[key] == nil {
		m[key] = make(map[*session]struct{})
	}
	m[key][ss] = struct{}{}
}

func removeFrom(m map[string]map[*session]struct{}, key string, ss *session) {
	delete(m[key], ss)
	if len(m[key]) == 0 {
		delete(m, key)
	}
}

func (b *Registry) remove(ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ss.who.Session != "" {
		removeFrom(b.keys, ss.who.Session, ss)
	}
	removeFrom(b.users, ss.who.User, ss)
	b.online.Remove(ss.who.User)
}

// of lists the connections under key in *m, b.keys or b.users: their
// address, because add makes the maps under the lock, so even reading the
// field must wait for it (the race detector caught a rooms event read
// beside a first sign-in).
func (b *Registry) of(m *map[string]map[*session]struct{}, key string) []*session {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*session
	for ss := range (*m)[key] {
		out = append(out, ss)
	}
	return out
}

// Ended closes the connections of a session that ended (auth's
// WatchRevocations).
func (b *Registry) Ended(key string) {
	for _, ss := range b.of(&b.keys, key) {
		ss.client.Close(hub.DisconnectSessionEnded)
	}
}

// RoomsChanged tells user's connections that their list of rooms changed
// (rooms' WatchChanges).
func (b *Registry) RoomsChanged(user string) {
	frame := wire.Encode(wire.Event{Type: wire.TypeRooms})
	for _, ss := range b.of(&b.users, user) {
		ss.client.Send(frame)
	}
}

// ReadChanged tells user's connections how far they have read room now
// (reads' Watch).
func (b *Registry) ReadChanged(user, room string, seq uint64) {
	frame := wire.Encode(wire.Event{Type: wire.TypeRead, Room: room, Seq: seq})
	for _, ss := range b.of(&b.users, user) {
		ss.client.Send(frame)
	}
}

// Removed takes user's connections out of a room they were removed from,
// and tells each why (rooms' WatchRemovals).
func (b *Registry) Removed(room, user string) {
	for _, ss := range b.of(&b.users, user) {
		if b.hub.Leave(ss.client, room) {
			ss.reply(wire.Event{Type: wire.TypeError, Code: wire.CodeForbidden, Room: room,
				Text: "you are no longer a member of this room"})
		}
	}
}
