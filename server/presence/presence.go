// Package presence says who is where, for the whole cluster, at a bounded
// pace: the people in each room (each node publishes its own rooms, every
// node adds them up), who is typing, and whether a person has a
// connection open anywhere (for pushes).
package presence

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"chat/server/broker"
	"chat/server/hub"
	"chat/wire"
)

// presenceTick is how often local changes are published and aggregate
// changes considered; each room still gets at most one presence event per
// Config.PresenceEvery.
const presenceTick = 250 * time.Millisecond

// Presence aggregates the nodes' local room memberships (each node publishes
// its own through the broker) into one count and name list per room, and
// sends it to the room's local members at a bounded pace. Ten thousand
// clients joining a room cost each member a few presence events, not ten
// thousand.
type Presence struct {
	hub      *hub.Hub
	broker   broker.Broker
	maxNames int
	every    time.Duration
	// expiry drops a node not heard from in this long: its members leave
	// every room's count. Nodes republish all their rooms every expiry/3,
	// so that a node that starts late learns them and a dead one ages out.
	expiry time.Duration
	log    *slog.Logger

	mu       sync.Mutex
	nodes    map[string]*nodeRooms
	changed  map[string]struct{}  // rooms whose aggregate may differ from what was sent
	sent     map[string]sentState // per room: what was last sent and when
	lastFull time.Time
	refresh  uint64 // this node's full refreshes so far (owned by run)
}

type nodeRooms struct {
	seen  time.Time
	rooms map[string]nodeRoom
	// The refresh being received, and how many of its parts have come.
	refresh uint64
	parts   int
}

type nodeRoom struct {
	ev      wire.Event
	refresh uint64 // the last full refresh that listed the room, 0 if only a change did
}

type sentState struct {
	at    time.Time
	count int
	names []string
}

// New makes the presence of a node with hub h on broker b: events list at
// most maxNames names, a room gets at most one every `every`, and a node
// not heard from in expiry is dropped.
func New(h *hub.Hub, b broker.Broker, maxNames int, every, expiry time.Duration, log *slog.Logger) *Presence {
	return &Presence{
		hub: h, broker: b, maxNames: maxNames, every: every, expiry: expiry, log: log,
		nodes:   make(map[string]*nodeRooms),
		changed: make(map[string]struct{}),
		sent:    make(map[string]sentState),
	}
}

// Run publishes local changes and emits aggregate presence until ctx ends.
func (p *Presence) Run(ctx context.Context) {
	tick := time.NewTicker(presenceTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			p.publishLocal(ctx, now)
			p.expire(now)
			p.emit(now)
		}
	}
}

func (p *Presence) publishLocal(ctx context.Context, now time.Time) {
	update := broker.PresenceUpdate{Node: p.broker.NodeID()}
	if now.Sub(p.lastFull) >= p.expiry/3 {
		p.hub.TakeDirty(p.maxNames) // the full list below covers them
		p.refresh++
		update.Full, update.Refresh, update.Rooms = true, p.refresh, p.hub.Presence(p.maxNames)
		p.lastFull = now
	} else {
		update.Rooms = p.hub.TakeDirty(p.maxNames)
		if len(update.Rooms) == 0 {
			return
		}
	}
	if err := p.broker.PublishPresence(ctx, update); err != nil {
		p.log.Warn("presence publish failed", "err", err)
	}
}

// LeaveAll tells the other nodes this one has no members any more, so their
// counts drop now rather than at expiry: a refresh that lists no room.
func (p *Presence) LeaveAll() {
	p.refresh++
	_ = p.broker.PublishPresence(context.Background(), broker.PresenceUpdate{Node: p.broker.NodeID(), Full: true, Refresh: p.refresh})
}

// Update is the broker's handler for every node's presence (ours included).
func (p *Presence) Update(u broker.PresenceUpdate) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nodes[u.Node]
	if n == nil {
		n = &nodeRooms{rooms: make(map[string]nodeRoom)}
		p.nodes[u.Node] = n
	}
	n.seen = time.Now()
	if u.Full && u.Refresh != n.refresh {
		n.refresh, n.parts = u.Refresh, 0
	}
	for _, r := range u.Rooms {
		switch {
		case r.Count == 0:
			delete(n.rooms, r.Room)
		case u.Full:
			n.rooms[r.Room] = nodeRoom{ev: r, refresh: u.Refresh}
		default: // a change keeps the mark of the refresh that listed the room
			n.rooms[r.Room] = nodeRoom{ev: r, refresh: n.rooms[r.Room].refresh}
		}
		p.changed[r.Room] = struct{}{}
	}
	if !u.Full {
		return
	}
	if n.parts++; n.parts < u.Parts {
		return
	}
	// Every part of the refresh has come: what it did not list, the node
	// no longer has. (With a part lost, the next refresh settles it.)
	for room, r := range n.rooms {
		if r.refresh != u.Refresh {
			delete(n.rooms, room)
			p.changed[room] = struct{}{}
		}
	}
	if len(n.rooms) == 0 {
		delete(p.nodes, u.Node)
	}
}

func (p *Presence) expire(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, n := range p.nodes {
		if now.Sub(n.seen) > p.expiry {
			for room := range n.rooms {
				p.changed[room] = struct{}{}
			}
			delete(p.nodes, id)
			p.log.Info("presence: node expired", "node", id)
		}
	}
}

// emit sends the aggregate of each changed room to its local members, at
// most once per p.every per room, and only if it differs from the last one.
func (p *Presence) emit(now time.Time) {
	type out struct {
		room  string
		frame *hub.Frame
	}
	var outs []out
	p.mu.Lock()
	for room := range p.changed {
		last := p.sent[room]
		if now.Sub(last.at) < p.every {
			continue // stays in changed until its turn
		}
		delete(p.changed, room)
		ev := p.aggregateLocked(room)
		if ev.Count == last.count && slices.Equal(ev.Names, last.names) {
			continue
		}
		if ev.Count == 0 {
			delete(p.sent, room)
		} else {
			p.sent[room] = sentState{at: now, count: ev.Count, names: ev.Names}
		}
		outs = append(outs, out{room, hub.NewFrame(wire.Encode(ev), 1)})
	}
	p.mu.Unlock()
	for _, o := range outs {
		p.hub.Publish(o.room, o.frame)
	}
}

// Current is the room's aggregate presence now, for a client that just joined.
func (p *Presence) Current(room string) wire.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.aggregateLocked(room)
}

func (p *Presence) aggregateLocked(room string) wire.Event {
	ev := wire.Event{Type: wire.TypePresence, Room: room}
	for _, n := range p.nodes {
		r, ok := n.rooms[room]
		if !ok {
			continue
		}
		ev.Count += r.ev.Count
		ev.Names = append(ev.Names, r.ev.Names...)
	}
	slices.Sort(ev.Names)
	ev.Names = slices.Compact(ev.Names)
	if len(ev.Names) > p.maxNames {
		ev.Names = ev.Names[:p.maxNames]
	}
	return ev
}

// NodeRooms is how many rooms this node knows node to have members in.
func (p *Presence) NodeRooms(node string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.nodes[node]; n != nil {
		return len(n.rooms)
	}
	return 0
}
