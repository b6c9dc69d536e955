package presence

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
// says it is typing at most once every TypingEvery per room (more are
// dropped, silently); each node gathers what its connections said and
// publishes it to every node once a tick, in one NATS message; each node
// keeps who typed where for TypingFor, and sends each room's members who
// is typing at most once a tick, and only when it changed (count 0 once,
// when the last typer stops). A room of 1,000 people all typing costs each
// node one NATS message and one fan-out per room a second: what presence
// costs.

const typingSubject = "chat.typing"

// TypingNames is how many names a typing event lists; its count says how
// many type in all.
const TypingNames = 5

// TypingTick is the pace of typing events: what a node's connections said
// goes to every node, and each room's typers to its members, once a tick.
const TypingTick = time.Second

// TypingFor is how long a typer is shown after they last said so.
const TypingFor = 4 * time.Second

// TypingEvery is how often one connection may say it is typing in a room;
// what it says more often is dropped before it reaches Said.
const TypingEvery = 2 * time.Second

type typingEntry struct {
	Room string `json:"room"`
	User string `json:"user"`
	Name string `json:"name"`
}

type typer struct {
	name  string
	until time.Time
}

// Typing is who is typing where: see the comment above.
type Typing struct {
	hub *hub.Hub
	nc  *nats.Conn
	sub *nats.Subscription

	mu    sync.Mutex
	local map[typingEntry]struct{}    // said here since the last publish
	seen  map[string]map[string]typer // room → user → typer, from every node
	shown map[string]string           // room → the names last sent, joined
	dirty map[string]struct{}         // rooms whose typers changed
}

// NewTyping makes the typing indicators of a node with hub h on nc.
func NewTyping(h *hub.Hub, nc *nats.Conn) (*Typing, error) {
	t := &Typing{hub: h, nc: nc, local: map[typingEntry]struct{}{}, seen: map[string]map[string]typer{},
		shown: map[string]string{}, dirty: map[string]struct{}{}}
	sub, err := nc.Subscribe(typingSubject, t.received)
	if err != nil {
		return nil, err
	}
	t.sub = sub
	return t, nil
}

// Said records that a connection of this node is typing in room.
func (t *Typing) Said(room, user, name string) {
	t.mu.Lock()
	t.local[typingEntry{room, user, name}] = struct{}{}
	t.mu.Unlock()
}

func (t *Typing) received(m *nats.Msg) {
	var entries []typingEntry
	if json.Unmarshal(m.Data, &entries) != nil {
		return
	}
	until := time.Now().Add(TypingFor)
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

// Run publishes and sends the typers every tick until ctx ends.
func (t *Typing) Run(ctx context.Context) {
	tick := time.NewTicker(TypingTick)
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
func (t *Typing) publish() {
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
func (t *Typing) emit(now time.Time) {
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
		sends = append(sends, out{room, names[:min(len(names), TypingNames)], len(names)})
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
