// Package hub keeps the connected clients and their rooms, and fans events
// out to them: each event is encoded once by the caller and the same bytes
// are queued to every recipient.
//
// The path of a message, from the top: Hub.Publish finds the room's members
// under its shard's read lock, fanout splits them over the cores,
// Client.deliver writes the shared frame to each idle member's socket with
// one non-blocking write (or queues it for a busy one), and Client.writeLoop
// coalesces a busy member's queue into frames on its socket.
package hub

import (
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"chat/wire"
)

// Options tunes a Hub. A nil *Options, or a zero field, means the default
// given in the field's comment.
type Options struct {
	// QueueBytes caps each client's outgoing queue; a client that falls
	// this far behind is disconnected as a slow consumer. Default 256 KiB.
	QueueBytes int
	// MaxFrameBytes caps a frame the writer builds from several queued
	// events (a single larger event still goes out whole). Default 32 KiB,
	// the default read limit of common WebSocket clients.
	MaxFrameBytes int
	// WriteTimeout bounds one socket write; a client whose write stalls
	// longer is dropped. Default 5 s.
	WriteTimeout time.Duration
	// CloseTimeout bounds the wait for the peer's answer to the server's
	// close frame. Default 5 s.
	CloseTimeout time.Duration
	// PingInterval is how often each client is pinged. Default 30 s.
	PingInterval time.Duration
	// PingTimeout bounds the wait for a pong. Default 10 s.
	PingTimeout time.Duration
	// MaxRoomsPerClient caps the rooms one connection may be in. Default 32.
	MaxRoomsPerClient int
	// ObserveFanout, if set, is given the latency of sampled fan-outs (one
	// at a time is followed; see tracker).
	ObserveFanout FanoutObserver
	// RoomEmptied, if set, is told when a room loses its last member here.
	// It is called with the room's shard locked: it must not block or call
	// the hub.
	RoomEmptied func(room string)
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.QueueBytes <= 0 {
		v.QueueBytes = 256 << 10
	}
	if v.MaxFrameBytes <= 0 {
		v.MaxFrameBytes = 32 << 10
	}
	if v.WriteTimeout <= 0 {
		v.WriteTimeout = 5 * time.Second
	}
	if v.CloseTimeout <= 0 {
		v.CloseTimeout = 5 * time.Second
	}
	if v.PingInterval <= 0 {
		v.PingInterval = 30 * time.Second
	}
	if v.PingTimeout <= 0 {
		v.PingTimeout = 10 * time.Second
	}
	if v.MaxRoomsPerClient <= 0 {
		v.MaxRoomsPerClient = 32
	}
	return v
}

const (
	roomShards   = 64 // rooms are spread over this many locks by name hash
	clientShards = 64 // the registry of all clients, for Broadcast and the sweeper
)

// Hub is the registry of clients and rooms. All methods may be called
// concurrently, except as Client's comment says for one client's membership.
type Hub struct {
	opts    Options
	seed    maphash.Seed
	rooms   [roomShards]roomShard
	clients [clientShards]clientShard
	next    atomic.Uint64 // spreads clients over the registry shards
	stats   counters

	observe  FanoutObserver
	tracking atomic.Pointer[tracker]

	stop     chan struct{}
	stopOnce sync.Once
}

type roomShard struct {
	mu    sync.RWMutex
	rooms map[string]*room
	dirty map[string]struct{} // rooms whose local presence changed since TakeDirty
}

type room struct {
	members []*Client
	index   map[*Client]int // position in members, for O(1) removal
	names   map[string]int  // distinct member names, with how many connections use each
	people  map[string]int  // distinct member identities (a browser's tabs share one), likewise
	anon    int             // members without an identity: each one a person
}

// count adds (+1) or removes (-1) a member's name and identity; an empty
// identity is a connection that never said who it is, counted on its own
// (no map entry: a silent benchmark client costs a counter, not a key).
func (r *room) count(name, identity string, delta int) {
	bump(r.names, name, delta)
	if identity == "" {
		r.anon += delta
		return
	}
	bump(r.people, identity, delta)
}

// headcount is how many people presence reports for the room.
func (r *room) headcount() int { return len(r.people) + r.anon }

func bump(m map[string]int, key string, delta int) {
	if m[key] += delta; m[key] <= 0 {
		delete(m, key)
	}
}

type clientShard struct {
	mu   sync.RWMutex
	list []*Client
}

// New returns a running hub; call Stop when done with it.
func New(opts *Options) *Hub {
	h := &Hub{opts: opts.withDefaults(), seed: maphash.MakeSeed(), stop: make(chan struct{})}
	h.observe = h.opts.ObserveFanout
	for i := range h.rooms {
		h.rooms[i].rooms = make(map[string]*room)
		h.rooms[i].dirty = make(map[string]struct{})
	}
	go h.sweep()
	return h
}

// Stop ends the hub's background work. It does not close clients; see Shutdown.
func (h *Hub) Stop() { h.stopOnce.Do(func() { close(h.stop) }) }

func (h *Hub) roomShard(room string) *roomShard {
	return &h.rooms[maphash.String(h.seed, room)%roomShards]
}

// Register adds a connection under name. It is in no room yet, and it is a
// person of its own until Identify says otherwise.
func (h *Hub) Register(t Transport, name string) *Client {
	c := new(Client)
	h.Attach(c, t, name)
	return c
}

// Attach is Register for a Client the caller allocated, typically inside
// its own per-connection struct: one allocation per connection instead of
// several, and the fan-out finds a client's state and its transport's side
// by side in memory. c must be a zero Client and must not be copied.
func (h *Hub) Attach(c *Client, t Transport, name string) {
	n := h.next.Add(1)
	c.hub, c.t, c.name = h, t, name
	// The first ping falls anywhere in the interval after the first: a
	// crowd that connected in the same second must not be pinged in the
	// same second, thirty seconds later.
	c.nextPing.Store(time.Now().Add(h.opts.PingInterval + rand.N(h.opts.PingInterval)).UnixNano())
	c.regShard = int(n % clientShards)
	s := &h.clients[c.regShard]
	s.mu.Lock()
	c.regIndex = len(s.list)
	s.list = append(s.list, c)
	s.mu.Unlock()
	h.stats.clients.Add(1)
	h.stats.connects.Add(1)
}

// Unregister removes a client from its rooms and the registry, and drops its
// queue. The session calls it once its read loop has ended.
func (h *Hub) Unregister(c *Client) {
	c.roomsMu.Lock()
	for _, r := range c.rooms {
		h.removeMember(c, r)
	}
	c.rooms = nil
	c.roomsMu.Unlock()
	s := &h.clients[c.regShard]
	s.mu.Lock()
	last := len(s.list) - 1
	moved := s.list[last]
	s.list[c.regIndex] = moved
	moved.regIndex = c.regIndex
	s.list[last] = nil
	s.list = s.list[:last]
	s.mu.Unlock()
	c.mu.Lock()
	c.dead = true
	c.queue, c.queued = nil, 0
	c.mu.Unlock()
	h.stats.clients.Add(-1)
}

// Join puts c in room. It reports false if c was already there, and an
// error if c is in too many rooms.
func (h *Hub) Join(c *Client, name string) (bool, error) {
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	if c.inRoomLocked(name) {
		return false, nil
	}
	if len(c.rooms) >= h.opts.MaxRoomsPerClient {
		return false, wire.Errorf(wire.CodeTooMany, "a connection may be in at most %d rooms; leave one first", h.opts.MaxRoomsPerClient)
	}
	s := h.roomShard(name)
	s.mu.Lock()
	r := s.rooms[name]
	if r == nil {
		r = &room{index: make(map[*Client]int), names: make(map[string]int), people: make(map[string]int)}
		s.rooms[name] = r
		h.stats.rooms.Add(1)
	}
	r.index[c] = len(r.members)
	r.members = append(r.members, c)
	r.count(c.name, c.identity, +1)
	s.dirty[name] = struct{}{}
	s.mu.Unlock()
	c.rooms = append(c.rooms, name)
	return true, nil
}

// Leave takes c out of room; it reports false if c was not there. Unlike
// Join, any goroutine may call it: a member removed from a room by its
// owner leaves it at once, from the goroutine that learns of it.
func (h *Hub) Leave(c *Client, room string) bool {
	c.stopSync(room)
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	for i, r := range c.rooms {
		if r == room {
			c.rooms = append(c.rooms[:i], c.rooms[i+1:]...)
			h.removeMember(c, room)
			return true
		}
	}
	return false
}

func (h *Hub) removeMember(c *Client, name string) {
	s := h.roomShard(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[name]
	if r == nil {
		return
	}
	i, ok := r.index[c]
	if !ok {
		return
	}
	last := len(r.members) - 1
	moved := r.members[last]
	r.members[i] = moved
	r.index[moved] = i
	r.members[last] = nil
	r.members = r.members[:last]
	delete(r.index, c)
	r.count(c.name, c.identity, -1)
	if len(r.members) == 0 {
		delete(s.rooms, name)
		h.stats.rooms.Add(-1)
		if h.opts.RoomEmptied != nil {
			h.opts.RoomEmptied(name)
		}
	}
	s.dirty[name] = struct{}{}
}

// Identify sets c's nickname and identity in every room it is in. identity
// is what presence counts: the tabs of one browser share one, so a person
// with three tabs open counts once. An empty identity keeps the current one.
func (h *Hub) Identify(c *Client, name, identity string) {
	if identity == "" {
		identity = c.identity
	}
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	if name == c.name && identity == c.identity {
		return
	}
	for _, room := range c.rooms {
		s := h.roomShard(room)
		s.mu.Lock()
		if r := s.rooms[room]; r != nil {
			r.count(c.name, c.identity, -1)
			r.count(name, identity, +1)
			s.dirty[room] = struct{}{}
		}
		s.mu.Unlock()
	}
	c.name, c.identity = name, identity
}

// Publish sends f to every member of room and returns how many members it
// reached. A frame of stored messages (NewMsgFrame, PublishMessages)
// reaches members whose join is still reading the room's history after
// that history, without the messages the history holds.
func (h *Hub) Publish(room string, f *Frame) int {
	t := h.beginTrack(f)
	s := h.roomShard(room)
	// The members are copied under the read lock and written to after it:
	// no registry lock is held across I/O.
	members := getSnapshot()
	s.mu.RLock()
	if r := s.rooms[room]; r != nil {
		*members = append(*members, r.members...)
	}
	s.mu.RUnlock()
	n := h.fanout(*members, f, t)
	putSnapshot(members)
	h.stats.published.Add(1)
	h.stats.delivered.Add(uint64(n * f.events))
	return n
}

// PublishMessages sends stored messages of room (encoded msg events and
// their seqs, in seq order) to its members, as few frames as MaxFrameBytes
// allows: the messages that queued up while the previous fan-out ran cost
// each member one write, not one each. It returns the members reached.
func (h *Hub) PublishMessages(room string, events [][]byte, seqs []uint64) int {
	n := 0
	for len(events) > 0 {
		k, size := 1, len(events[0])
		for k < len(events) && size+1+len(events[k]) <= h.opts.MaxFrameBytes {
			size += 1 + len(events[k])
			k++
		}
		n = h.Publish(room, newMsgsFrame(room, events[:k], seqs[:k]))
		events, seqs = events[k:], seqs[k:]
	}
	return n
}

// Broadcast sends f to every connected client.
func (h *Hub) Broadcast(f *Frame) int {
	t := h.beginTrack(f)
	all := getSnapshot()
	for i := range h.clients {
		s := &h.clients[i]
		s.mu.RLock()
		*all = append(*all, s.list...)
		s.mu.RUnlock()
	}
	n := h.fanout(*all, f, t)
	putSnapshot(all)
	h.stats.published.Add(1)
	h.stats.delivered.Add(uint64(n * f.events))
	return n
}

// snapshots recycles the member lists of fan-outs: a 10,000-member copy
// would otherwise be 80 KB of garbage per broadcast.
var snapshots = sync.Pool{New: func() any { return new([]*Client) }}

func getSnapshot() *[]*Client { return snapshots.Get().(*[]*Client) }

func putSnapshot(p *[]*Client) {
	clear(*p) // no client kept alive by the pool
	*p = (*p)[:0]
	snapshots.Put(p)
}

// parallelFanout is the number of recipients above which fan-out is split
// over the cores: below it, starting goroutines costs more than it saves.
const parallelFanout = 512

// fanout delivers f to each client, split over the cores as a library-free
// server would (one goroutine per core, each writing to its share of the
// sockets), and returns how many took it. t, if not nil, is the tracker
// following this fan-out.
func (h *Hub) fanout(clients []*Client, f *Frame, t *tracker) int {
	workers := min(runtime.GOMAXPROCS(0), len(clients)/parallelFanout)
	var took, wrote int
	if workers <= 1 {
		took, wrote = deliverAll(clients, f)
	} else {
		var tookN, wroteN atomic.Int64
		var wg sync.WaitGroup
		chunk := (len(clients) + workers - 1) / workers
		for lo := 0; lo < len(clients); lo += chunk {
			part := clients[lo:min(lo+chunk, len(clients))]
			wg.Go(func() {
				a, b := deliverAll(part, f)
				tookN.Add(int64(a))
				wroteN.Add(int64(b))
			})
		}
		wg.Wait()
		took, wrote = int(tookN.Load()), int(wroteN.Load())
	}
	h.stats.framesOut.Add(uint64(wrote))
	h.stats.bytesOut.Add(uint64(wrote * len(f.b)))
	// Writes done here are complete; the tracker waits only for the ones
	// that went to a writer goroutine.
	h.endTrack(t, took, took-wrote)
	return took
}

// deliverAll delivers f to each client; took counts those that accepted
// it, wrote those whose socket already has it.
func deliverAll(clients []*Client, f *Frame) (took, wrote int) {
	for _, c := range clients {
		switch c.deliver(f) {
		case written:
			took++
			wrote++
		case queued:
			took++
		}
	}
	return took, wrote
}

// Each calls fn for every connected client, under the registry's read lock:
// fn must not block or call back into the hub's registry.
func (h *Hub) Each(fn func(*Client)) {
	for i := range h.clients {
		s := &h.clients[i]
		s.mu.RLock()
		for _, c := range s.list {
			fn(c)
		}
		s.mu.RUnlock()
	}
}
