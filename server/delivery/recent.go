package delivery

import (
	"context"
	"slices"
	"sync"

	"chat/server/broker"
	"chat/server/hub"
	"chat/wire"
)

// recent keeps the last messages of the rooms this node serves, framed once
// and shared, so that a join reads its history from memory: a reconnect
// storm of ten thousand clients into one room costs one read of the store
// and one frame per message, not ten thousand of each. It is fed by this
// node's live feed (deliveries), in stream order, so what it holds is what
// the node has fanned out or is about to. All methods may be called
// concurrently.
type recent struct {
	broker broker.Broker
	keep   int       // messages kept per room
	merge  MergeFunc // nil leaves them as stored

	mu    sync.Mutex
	rooms map[string]*recentRoom
}

// recentRoom is one room's cache. Once loaded it holds every message of
// the room with a seq above since, up to last, which is the room's last
// message as this node's live feed has it.
type recentRoom struct {
	frames []*hub.Frame // oldest first, at most keep
	seqs   []uint64
	since  uint64 // 0: the room's whole kept history is here
	last   uint64
	// loading is open while the first join reads the room from the
	// store; the messages delivered meanwhile wait in early.
	loading chan struct{}
	early   []recentMsg
	failed  bool // the load failed: the next join tries again
}

type recentMsg struct {
	seq   uint64
	frame *hub.Frame
	ev    wire.Event // for a delete, edit or react: what it changes
}

func newRecent(b broker.Broker, keep int, merge MergeFunc) *recent {
	return &recent{broker: b, keep: keep, rooms: make(map[string]*recentRoom), merge: merge}
}

// add records a message the live feed delivered (its encoded event, and
// the event), for the rooms loaded or loading; a room nobody joined since
// it was last forgotten is not kept. An event about a message (delete,
// edit, react) is kept like a message, and changes the message it is
// about: a delete drops it, an edit or a reaction is merged into it, so
// that a join from the cache gets what one from the store gets.
func (c *recent) add(room string, seq uint64, event []byte, ev wire.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.rooms[room]
	switch {
	case r == nil:
	case r.loading != nil:
		r.early = append(r.early, recentMsg{seq, hub.NewMsgFrame(room, seq, event), ev})
	default:
		r.append(room, seq, hub.NewMsgFrame(room, seq, event), ev, c.keep)
	}
}

func (r *recentRoom) append(room string, seq uint64, frame *hub.Frame, ev wire.Event, keep int) {
	if seq <= r.last {
		return // already read from the store
	}
	if i, ok := slices.BinarySearch(r.seqs, ev.Target); ok && ev.Target != 0 {
		switch ev.Type {
		case wire.TypeDelete:
			r.frames = slices.Delete(r.frames, i, i+1)
			r.seqs = slices.Delete(r.seqs, i, i+1)
		case wire.TypeEdit, wire.TypeReact:
			if m, err := wire.Decode(r.frames[i].Payload()); err == nil {
				if ev.Type == wire.TypeEdit {
					m.Text, m.Edited = ev.Text, ev.Edited
				} else {
					m.Reactions = ev.Reactions
				}
				r.frames[i] = hub.NewMsgFrame(room, m.Seq, wire.Encode(m))
			}
		}
	}
	if len(r.frames) == keep {
		r.since = r.seqs[0]
		copy(r.frames, r.frames[1:])
		copy(r.seqs, r.seqs[1:])
		r.frames, r.seqs = r.frames[:keep-1], r.seqs[:keep-1]
	}
	r.frames = append(r.frames, frame)
	r.seqs = append(r.seqs, seq)
	r.last = seq
}

// last is the room's last seq as this node's live feed has it, 0 when the
// room is not loaded.
func (c *recent) last(room string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.rooms[room]; r != nil && r.loading == nil && !r.failed {
		return r.last
	}
	return 0
}

// forget drops a room's cache: the node has no members there any more.
func (c *recent) forget(room string) {
	c.mu.Lock()
	delete(c.rooms, room)
	c.mu.Unlock()
}

// history is what a join after "after" (0: none) gets: the frames of the
// messages after it (the last limit with no "after"), the room's last seq
// as of the read, and whether the cache answered (then nothing after
// "after" can have been dropped from the store: no gap to look for). ok is
// false when the cache cannot answer (a resume older than it keeps): the
// caller reads the store.
func (c *recent) history(ctx context.Context, room string, after uint64, limit int) (frames []*hub.Frame, first, head uint64, ok bool, err error) {
	for {
		c.mu.Lock()
		r := c.rooms[room]
		if r == nil || r.failed {
			r = &recentRoom{loading: make(chan struct{})}
			c.rooms[room] = r
			c.mu.Unlock()
			if err := c.load(ctx, room, r); err != nil {
				return nil, 0, 0, false, err
			}
			continue
		}
		if wait := r.loading; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, 0, 0, false, ctx.Err()
			}
			continue
		}
		frames, first, head, ok = r.read(after, min(limit, c.keep))
		c.mu.Unlock()
		return frames, first, head, ok, nil
	}
}

// read answers from a loaded room, with c.mu held; limit is at most keep,
// so that a full cache answers a join with no "after".
func (r *recentRoom) read(after uint64, limit int) (frames []*hub.Frame, first, head uint64, ok bool) {
	i := 0
	switch {
	case after == 0 && (r.since == 0 || len(r.frames) >= limit):
		i = max(0, len(r.frames)-limit)
	case after != 0 && after >= r.since:
		for i < len(r.seqs) && r.seqs[i] <= after {
			i++
		}
	default:
		return nil, 0, 0, false
	}
	if i < len(r.seqs) {
		first = r.seqs[i]
	}
	return append([]*hub.Frame(nil), r.frames[i:]...), first, r.last, true
}

// load reads room's last messages from the store into r, then adds those
// the live feed delivered meanwhile, and wakes the joins waiting.
func (c *recent) load(ctx context.Context, room string, r *recentRoom) error {
	// The room's last keep messages (and the one before them, which says
	// where the cache starts), not its whole history: a room may keep
	// months of it.
	head, err := c.broker.Last(ctx, room)
	var msgs []wire.Event
	if err == nil {
		msgs, err = c.broker.Before(ctx, room, head+1, c.keep+1)
	}
	var since uint64
	if n := len(msgs); err == nil && n > c.keep {
		since = msgs[0].Seq
		msgs = msgs[1:]
	}
	if n := len(msgs); n > 0 {
		head = max(head, msgs[n-1].Seq)
	}
	// The edits and reactions, read before the lock: the live feed goes on
	// meanwhile, and what it brings for this room waits in early, applied
	// after (an edit read here and again there is the same edit).
	if err == nil && c.merge != nil {
		err = c.merge(ctx, room, msgs)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(r.loading)
	r.loading = nil
	if err != nil {
		r.failed, r.early = true, nil
		return err
	}
	r.since = since
	for _, m := range msgs {
		r.append(room, m.Seq, hub.NewMsgFrame(room, m.Seq, wire.Encode(m)), wire.Event{}, c.keep)
	}
	r.last = max(r.last, head)
	for _, m := range r.early {
		r.append(room, m.seq, m.frame, m.ev, c.keep)
	}
	r.early = nil
	return nil
}
