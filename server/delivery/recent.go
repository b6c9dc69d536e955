package delivery

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

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
	// fed is, for every room, the seq of the last message the live feed
	// delivered since the node started, cached or not: what a read of the
	// store for this node must reach (see readEnd).
	fed map[string]uint64
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
	return &recent{broker: b, keep: keep, rooms: make(map[string]*recentRoom), fed: make(map[string]uint64), merge: merge}
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
	c.fed[room] = max(c.fed[room], seq)
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

// fedUpTo is the room's last seq as this node has it: the last its live
// feed delivered, or its cache's end.
func (c *recent) fedUpTo(room string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	fed := c.fed[room]
	if r := c.rooms[room]; r != nil && r.loading == nil && !r.failed {
		fed = max(fed, r.last)
	}
	return fed
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
	// months of it. The room's end is what was read: a replica behind
	// another may answer the read (see readEnd), and what the live feed
	// brings past it must not be taken as read already.
	msgs, head, err := c.readEnd(ctx, room, c.keep+1)
	var since uint64
	if n := len(msgs); err == nil && n > c.keep {
		since = msgs[0].Seq
		msgs = msgs[1:]
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

// replicaLagRetry is how long readEnd waits before reading again from a
// replica that lags.
const replicaLagRetry = 100 * time.Millisecond

// readEnd reads the room's last n events from the store, and the seq of
// the last one read (0: none).
//
// NATS answers these reads from any replica of the stream (direct gets),
// and one that lags (a server back from a crash or a hang, catching up)
// ends the room before messages this node's live feed has already
// delivered. Those went to the room's members (or past the cache, when it
// did not keep the room) before the read: a join's history, or the cache,
// would miss them, and no gap would be told (the cluster fault test lost
// messages so). So a read that ends before the room as this node has it
// (fedUpTo) is made again as the replica catches up, until it reaches it
// or ctx ends; unless the store keeps none of the room past what was read
// (its oldest is after it, or it has none): those are gone for good,
// dropped by the history's limits.
func (c *recent) readEnd(ctx context.Context, room string, n int) ([]wire.Event, uint64, error) {
	fed := c.fedUpTo(room)
	for {
		last, err := c.broker.Last(ctx, room)
		if err != nil {
			return nil, 0, err
		}
		last = max(last, fed)
		if last == 0 {
			return nil, 0, nil
		}
		msgs, err := c.broker.Before(ctx, room, last+1, n)
		if err != nil {
			return nil, 0, err
		}
		var end uint64
		if len(msgs) > 0 {
			end = msgs[len(msgs)-1].Seq
		}
		if end >= fed {
			return msgs, end, nil
		}
		oldest, err := c.broker.First(ctx, room)
		if err != nil {
			return nil, 0, err
		}
		if oldest == 0 || oldest > end {
			return msgs, end, nil
		}
		select {
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("the store has room %s up to %d, this node up to %d: %w", room, end, fed, ctx.Err())
		case <-time.After(replicaLagRetry):
		}
	}
}
