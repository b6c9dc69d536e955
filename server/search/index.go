// Package search finds messages by their words, for the rooms a person
// may read (the caller decides which: search never asks who may read
// what). The engine is a scan of each room's messages in memory: a room
// is read from the store at its first search on a node, then the live
// feed keeps the copy in step (new messages, edits, deletes), so results
// are right at once and the same on every node, with nothing on disk to
// build or rebuild. A scan of folded text costs microseconds a thousand
// messages; memory is bounded in bytes and in rooms, the least recently
// searched dropped first.
package search

import (
	"context"
	"slices"
	"sync"
	"time"

	"chat/wire"
)

// Index keeps, for the rooms searched lately on this node, every
// kept message's text (as it reads now, and folded for matching), so that
// a search is a scan of memory, not of the store: the first search in a
// room reads it once, and the live feed keeps it in step (new messages,
// edits, deletes), as it does the recent cache. Rooms not searched for a
// while, or past the memory bound, the least recently searched first, are
// dropped and read again when next searched; what the store's retention
// drops is pruned every few minutes (Run). All methods may be called
// concurrently.
type Index struct {
	load LoadFunc
	opts Options

	mu    sync.Mutex
	rooms map[string]*indexedRoom
	bytes int
}

type indexedRoom struct {
	loading chan struct{} // open while the first search reads the room
	err     error
	early   []wire.Event // live events while loading
	msgs    []indexedMsg // in seq order
	last    uint64
	bytes   int
	used    time.Time
}

type indexedMsg struct {
	seq        uint64
	from, user string
	text       string // as shown
	folded     string // as matched
	ts         time.Time
}

func (m indexedMsg) size() int { return len(m.text) + len(m.folded) + len(m.from) + len(m.user) + 64 }

// LoadFunc reads a room's kept messages, as they read now (edits merged).
type LoadFunc func(ctx context.Context, room string) ([]wire.Event, error)

// Options bound an Index; zero fields take the defaults.
type Options struct {
	// MaxBytes bounds the memory of the messages held; 256 MB.
	MaxBytes int
	// MaxRooms bounds the rooms held, whatever they weigh; 10,000.
	MaxRooms int
	// Idle is how long a room not searched stays; 30 minutes.
	Idle time.Duration
}

// roomWeight is what a room held costs beside its messages, so that rooms
// with few or no messages still count against MaxBytes.
const roomWeight = 512

// NewIndex makes an index that reads rooms with load.
func NewIndex(load LoadFunc, o *Options) *Index {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 256 << 20
	}
	if opts.MaxRooms <= 0 {
		opts.MaxRooms = 10000
	}
	if opts.Idle <= 0 {
		opts.Idle = 30 * time.Minute
	}
	return &Index{load: load, opts: opts, rooms: make(map[string]*indexedRoom)}
}

// Add is the live feed's: what changes a room indexed or being indexed.
func (x *Index) Add(room string, seq uint64, ev wire.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r := x.rooms[room]
	switch {
	case r == nil:
	case r.loading != nil:
		ev.Seq = seq
		r.early = append(r.early, ev)
	default:
		ev.Seq = seq
		x.apply(r, ev)
	}
}

// apply changes r by one stored event, x.mu held.
func (x *Index) apply(r *indexedRoom, ev wire.Event) {
	switch ev.Type {
	case wire.TypeDelete, wire.TypeEdit:
		i, ok := slices.BinarySearchFunc(r.msgs, ev.Target, func(m indexedMsg, t uint64) int { return cmpSeq(m.seq, t) })
		if !ok {
			return
		}
		x.resize(r, -r.msgs[i].size())
		if ev.Type == wire.TypeDelete {
			r.msgs = slices.Delete(r.msgs, i, i+1)
			return
		}
		r.msgs[i].text, r.msgs[i].folded = ev.Text, fold(ev.Text)
		x.resize(r, r.msgs[i].size())
	case wire.TypeMsg:
		if ev.Seq <= r.last {
			return
		}
		m := indexedMsg{seq: ev.Seq, from: ev.From, user: ev.User, text: ev.Text, folded: fold(ev.Text), ts: ev.TS}
		r.msgs = append(r.msgs, m)
		r.last = ev.Seq
		x.resize(r, m.size())
	}
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (x *Index) resize(r *indexedRoom, by int) {
	r.bytes += by
	x.bytes += by
}

// room returns room's index, reading it first if it is not held.
func (x *Index) room(ctx context.Context, name string) (*indexedRoom, error) {
	for {
		x.mu.Lock()
		r := x.rooms[name]
		if r == nil {
			r = &indexedRoom{loading: make(chan struct{}), bytes: roomWeight}
			x.bytes += roomWeight
			x.rooms[name] = r
			x.mu.Unlock()
			x.fill(ctx, name, r)
			continue
		}
		if wait := r.loading; wait != nil {
			x.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			continue
		}
		if r.err != nil {
			x.drop(name) // the next search tries again
			x.mu.Unlock()
			return nil, r.err
		}
		r.used = time.Now()
		x.mu.Unlock()
		return r, nil
	}
}

func (x *Index) fill(ctx context.Context, name string, r *indexedRoom) {
	msgs, err := x.load(ctx, name)
	x.mu.Lock()
	defer x.mu.Unlock()
	defer close(r.loading)
	r.loading, r.err, r.used = nil, err, time.Now()
	if err != nil {
		return
	}
	for _, m := range msgs {
		if m.Type == wire.TypeMsg {
			x.apply(r, m)
		}
	}
	for _, ev := range r.early {
		x.apply(r, ev)
	}
	r.early = nil
	x.trim(name)
}

// trim drops idle rooms, then the least recently searched until the
// index fits its bounds of bytes and rooms; keep is the room just read.
func (x *Index) trim(keep string) {
	now := time.Now()
	for name, r := range x.rooms {
		if name != keep && r.loading == nil && now.Sub(r.used) > x.opts.Idle {
			x.drop(name)
		}
	}
	for x.bytes > x.opts.MaxBytes || len(x.rooms) > x.opts.MaxRooms {
		oldest := ""
		for name, r := range x.rooms {
			if name != keep && r.loading == nil && (oldest == "" || r.used.Before(x.rooms[oldest].used)) {
				oldest = name
			}
		}
		if oldest == "" {
			return
		}
		x.drop(oldest)
	}
}

// drop forgets a room, x.mu held.
func (x *Index) drop(name string) {
	if r := x.rooms[name]; r != nil {
		x.bytes -= r.bytes
		delete(x.rooms, name)
	}
}

// Size is how many rooms the index holds, and the bytes it counts for
// them.
func (x *Index) Size() (rooms, bytes int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.rooms), x.bytes
}

// Run prunes the index every `every` until ctx ends.
func (x *Index) Run(ctx context.Context, every time.Duration, first func(ctx context.Context, room string) (uint64, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			x.Prune(ctx, first)
		}
	}
}

// Prune drops from each indexed room the messages the store no longer
// keeps: retention by age, bytes or count drops a room's oldest messages
// from the stream and no live event says so, so the index asks the store
// for each room's first kept seq (one direct get a room) and drops what
// is older.
func (x *Index) Prune(ctx context.Context, first func(ctx context.Context, room string) (uint64, error)) {
	x.mu.Lock()
	last := make(map[string]uint64, len(x.rooms))
	for name, r := range x.rooms {
		if r.loading == nil {
			last[name] = r.last
		}
	}
	x.mu.Unlock()
	for name, seen := range last {
		f, err := first(ctx, name)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			continue // kept until the next round
		}
		if f == 0 { // none kept: of what was indexed before asking
			f = seen + 1
		}
		x.mu.Lock()
		if r := x.rooms[name]; r != nil && r.loading == nil {
			n, _ := slices.BinarySearchFunc(r.msgs, f, func(m indexedMsg, t uint64) int { return cmpSeq(m.seq, t) })
			for _, m := range r.msgs[:n] {
				x.resize(r, -m.size())
			}
			r.msgs = slices.Delete(r.msgs, 0, n)
		}
		x.mu.Unlock()
	}
}

// find returns up to n of room's messages holding every word, newest first.
func (x *Index) find(r *indexedRoom, room string, words []string, n int) []Result {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []Result
	for i := len(r.msgs) - 1; i >= 0 && len(out) < n; i-- {
		m := &r.msgs[i]
		if hasAll(m.folded, words) {
			out = append(out, Result{Room: room, Seq: m.seq, From: m.from, User: m.user, Text: m.text, TS: m.ts})
		}
	}
	return out
}
