package server

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"chat/server/hub"
	"chat/wire"
)

// Typing indicators: never stored, coalesced like presence. A connection
// says it is typing at most once every typingEvery per room (more are
// dropped, silently); each node gathers what its connections said and
// publishes it to every node once a tick, in one NATS message; each node
// keeps who typed where for typingFor, and sends each room's members who
// is typing at most once a tick, and only when it changed (count 0 once,
// when the last typer stops). A room of 1,000 people all typing costs each
// node one NATS message and one fan-out per room a second: what presence
// costs.

const (
	typingSubject = "chat.typing"
	typingTick    = time.Second
	typingEvery   = 2 * time.Second // what one connection may say per room
	typingFor     = 4 * time.Second // a typer is shown this long after they last said so
	typingNames   = 5               // names an event lists; count says how many in all
)

type typingEntry struct {
	Room string `json:"room"`
	User string `json:"user"`
	Name string `json:"name"`
}

type typer struct {
	name  string
	until time.Time
}

type typingRooms struct {
	hub *hub.Hub
	nc  *nats.Conn
	sub *nats.Subscription

	mu    sync.Mutex
	local map[typingEntry]struct{}    // said here since the last publish
	seen  map[string]map[string]typer // room → user → typer, from every node
	shown map[string]string           // room → the names last sent, joined
	dirty map[string]struct{}         // rooms whose typers changed
}

func newTyping(h *hub.Hub, nc *nats.Conn) (*typingRooms, error) {
	t := &typingRooms{hub: h, nc: nc, local: map[typingEntry]struct{}{}, seen: map[string]map[string]typer{},
		shown: map[string]string{}, dirty: map[string]struct{}{}}
	sub, err := nc.Subscribe(typingSubject, t.received)
	if err != nil {
		return nil, err
	}
	t.sub = sub
	return t, nil
}

// said records that a connection of this node is typing in room.
func (t *typingRooms) said(room, user, name string) {
	t.mu.Lock()
	t.local[typingEntry{room, user, name}] = struct{}{}
	t.mu.Unlock()
}

func (t *typingRooms) received(m *nats.Msg) {
	var entries []typingEntry
	if json.Unmarshal(m.Data, &entries) != nil {
		return
	}
	until := time.Now().Add(typingFor)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range entries {
		if t.seen[e.Room] == nil {
			t.seen[e.Room] = map[string]typer{}
		}
		if _, was := t.seen[e.Room][e.User]; !was {
			t.dirty[e.Room] = struct{}{}
		}
		t.seen[e.Room][e.User] = typer{e.Name, until}
	}
}

func (t *typingRooms) run(ctx context.Context) {
	tick := time.NewTicker(typingTick)
	defer tick.Stop()
	defer t.sub.Unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			t.publish()
			t.emit(now)
		}
	}
}

// publish sends what this node's connections said since the last tick.
func (t *typingRooms) publish() {
	t.mu.Lock()
	if len(t.local) == 0 {
		t.mu.Unlock()
		return
	}
	entries := make([]typingEntry, 0, len(t.local))
	for e := range t.local {
		entries = append(entries, e)
	}
	clear(t.local)
	t.mu.Unlock()
	data, _ := json.Marshal(entries)
	_ = t.nc.Publish(typingSubject, data)
}

// emit expires typers and sends the rooms whose typers changed.
func (t *typingRooms) emit(now time.Time) {
	type out struct {
		room  string
		names []string
		count int
	}
	var sends []out
	t.mu.Lock()
	for room, typers := range t.seen {
		for user, ty := range typers {
			if now.After(ty.until) {
				delete(typers, user)
				t.dirty[room] = struct{}{}
			}
		}
		if len(typers) == 0 {
			delete(t.seen, room)
		}
	}
	for room := range t.dirty {
		var names []string
		for _, ty := range t.seen[room] {
			names = append(names, ty.name)
		}
		slices.Sort(names)
		names = slices.Compact(names)
		key := joinNames(names)
		if key == t.shown[room] {
			continue
		}
		if len(names) == 0 {
			delete(t.shown, room)
		} else {
			t.shown[room] = key
		}
		sends = append(sends, out{room, names[:min(len(names), typingNames)], len(names)})
	}
	clear(t.dirty)
	t.mu.Unlock()
	for _, s := range sends {
		t.hub.Publish(s.room, hub.NewFrame(wire.Encode(wire.Event{Type: wire.TypeTyping, Room: s.room, Names: s.names, Count: s.count}), 1))
	}
}

func joinNames(names []string) string {
	n := 0
	for _, s := range names {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	for _, s := range names {
		b = append(append(b, s...), 0)
	}
	return string(b)
}

// typing is a connection's "I am typing" in a room it is in: recorded at
// most once every typingEvery per room, the rest dropped without an error
// (a client that types fast is not misbehaving).
func (ss *session) typing(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, "typing in it")
	}
	now := time.Now()
	if last, ok := ss.typed[ev.Room]; ok && now.Sub(last) < typingEvery {
		return nil
	}
	if ss.typed == nil {
		ss.typed = make(map[string]time.Time)
	}
	for room, at := range ss.typed { // keep the map to the rooms typed in lately
		if now.Sub(at) > typingEvery {
			delete(ss.typed, room)
		}
	}
	ss.typed[ev.Room] = now
	who := ss.user
	if who == "" {
		who = "name:" + ss.client.Name()
	}
	ss.srv.typing.said(ev.Room, who, ss.client.Name())
	return nil
}
