package delivery

import (
	"context"
	"errors"
	"time"

	"chat/server/hub"
	"chat/wire"
)

const (
	// liveWaitTimeout bounds the wait for this node's live feed to pass a
	// history read. It only runs out if NATS is unwell; the join then goes
	// on, and the live messages stay held until the feed catches up.
	liveWaitTimeout = 5 * time.Second
	// liveCatchUp bounds that further hold; past it the hold ends anyway,
	// and a message may come twice (clients dedupe by seq).
	liveCatchUp = time.Minute
)

// ErrHistory wraps a failure to read a room's history for a join: the
// connection is in the room, without what it missed; joining again
// resumes.
var ErrHistory = errors.New("the room's history could not be read")

// JoinOptions are what the caller of Join knows that delivery does not.
type JoinOptions struct {
	// Recheck, if set, is asked again once the connection is in the room:
	// a removal between the caller's check and the join would find the
	// connection not yet in the room, and checking after leaves no moment
	// in which both miss it. An error takes the connection out again.
	Recheck func(ctx context.Context) error
	// Read is how far the joiner has read the room (0: unknown), for
	// joined.
	Read func(ctx context.Context) uint64
	// Lobby is the connection's implicit lobby hold: a join of the lobby
	// takes it over.
	Lobby *LobbyHold
}

// Join puts c in room and sends, in this order: joined (with the room's
// last seq), a gap event if messages after "after" are not sent (dropped by
// the room's limits, or past MaxResume), the history (every kept message
// after "after", at most MaxResume, or the last HistoryOnJoin with no
// "after"), then live messages. The room's live messages are held while
// the history is read and released after it, without those it holds: no
// gap, no duplicate. Whether c may join is the caller's to decide first.
func (d *Deliveries) Join(ctx context.Context, c *hub.Client, room string, after uint64, o JoinOptions) error {
	if room == wire.DefaultRoom && o.Lobby != nil {
		o.Lobby.Take() // this join takes the hold over; if it was released, it is a join like any other
	}
	c.BeginSync(room)
	if !c.InRoom(room) {
		if _, err := d.hub.Join(c, room); err != nil {
			c.EndSync(room, nil, 0)
			return err
		}
		if o.Recheck != nil {
			if err := o.Recheck(ctx); err != nil {
				d.hub.Leave(c, room)
				c.EndSync(room, nil, 0)
				return err
			}
		}
	}
	h, err := d.roomHistory(ctx, room, after)
	if err != nil {
		c.EndSync(room, nil, 0)
		d.opts.Logger.Warn("history read failed", "room", room, "err", err)
		return errors.Join(ErrHistory, err)
	}
	joined := wire.Event{Type: wire.TypeJoined, Room: room, Seq: h.head}
	if o.Read != nil {
		joined.Read = o.Read(ctx)
	}
	if len(h.frames) == 0 && after > 0 && h.end < after {
		// The room's end is behind the client's (a store that was
		// reset): say where it is.
		joined.Seq = h.end
	}
	c.Send(wire.Encode(joined))
	if gap, ok := d.gap(ctx, room, after, h); ok {
		c.Send(wire.Encode(gap))
	}
	// Every message up to the history's end must have reached this node's
	// live feed (held for this join, or gone for good) before the hold
	// ends, or one could come again live.
	if joined.Seq > 0 {
		wctx, wcancel := context.WithTimeout(context.Background(), liveWaitTimeout)
		err := d.live.wait(wctx, joined.Seq)
		wcancel()
		if err != nil {
			// This node's live feed is behind what the history read saw
			// (its NATS server was away): the history goes now, and the
			// live messages stay held until the feed has passed its end,
			// so that none comes twice; the session goes on meanwhile.
			d.opts.Logger.Warn("live feed behind the history read; holding the room's live messages until it catches up", "room", room, "head", joined.Seq)
			c.SendHistory(room, h.frames)
			go d.endSyncWhenCaughtUp(c, room, h.head, joined.Seq)
			return nil
		}
	}
	c.EndSync(room, h.frames, h.head)
	return nil
}

// endSyncWhenCaughtUp ends the hold of a join once this node's live feed
// has passed seq, releasing the held live messages after head.
func (d *Deliveries) endSyncWhenCaughtUp(c *hub.Client, room string, head, seq uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), liveCatchUp)
	defer cancel()
	if err := d.live.wait(ctx, seq); err != nil {
		d.opts.Logger.Warn("live feed still behind; ending the join's hold", "room", room, "head", seq)
	}
	c.EndSync(room, nil, head)
}

// joinHistory is what a join reads: the frames of the messages to send,
// the seq of the first, the last seq read, the room's end as far as the
// read knows, whether it came from the recent cache (which holds every
// message after what it was asked: no gap), and whether messages after
// "after" were left out for MaxResume.
type joinHistory struct {
	frames      []*hub.Frame
	first, head uint64
	end         uint64
	cached      bool
	notSent     bool
}

// roomHistory reads a join's history: from the recent cache when it can
// answer (nearly always), else from the store.
func (d *Deliveries) roomHistory(ctx context.Context, room string, after uint64) (joinHistory, error) {
	frames, first, head, ok, err := d.recent.history(ctx, room, after, d.opts.HistoryOnJoin)
	if err != nil {
		return joinHistory{}, err
	}
	// A client ahead of the cache (it had messages from a node whose live
	// feed is further along than this one's, back from a NATS server that
	// was away) is answered from the store: the cache's end would say the
	// room ends before what the client has, and the messages in between
	// would come again live.
	if ok && after <= head {
		return joinHistory{frames: frames, first: first, head: head, end: head, cached: true}, nil
	}
	return d.storeHistory(ctx, room, after)
}

// storeHistory reads a join's history from the store: the room's last
// HistoryOnJoin events with no "after"; with one, every event after it,
// or, when more than MaxResume are, the last MaxResume of them (notSent).
// Either way a read of a window of seqs at the room's end, never of a
// room's whole history (a room may keep months of it).
func (d *Deliveries) storeHistory(ctx context.Context, room string, after uint64) (joinHistory, error) {
	n := d.opts.HistoryOnJoin
	if after > 0 {
		n = d.opts.MaxResume + 1 // one more tells whether more are left out
	}
	msgs, last, err := d.recent.readEnd(ctx, room, n)
	if err != nil {
		return joinHistory{}, err
	}
	h := joinHistory{head: after, end: last}
	if last <= after {
		return h, nil
	}
	if after > 0 {
		i := 0
		for i < len(msgs) && msgs[i].Seq <= after {
			i++
		}
		if i == 0 && len(msgs) == n {
			msgs, h.notSent = msgs[1:], true
		} else {
			msgs = msgs[i:]
		}
	}
	if d.opts.Merge != nil {
		if err := d.opts.Merge(ctx, room, msgs); err != nil {
			return joinHistory{}, err
		}
	}
	for _, m := range msgs {
		m.Room = room
		h.frames = append(h.frames, hub.NewMsgFrame(room, m.Seq, wire.Encode(m)))
	}
	if len(msgs) > 0 {
		h.first, h.head = msgs[0].Seq, msgs[len(msgs)-1].Seq
	}
	return h, nil
}

// gap says what a join does not send of what follows "after": messages
// left out past MaxResume (kept: the client may ask for them with a
// history event), or dropped by the room's history limits (the message
// "after" itself is gone, drops take the oldest first, and what is sent
// does not start right after it).
func (d *Deliveries) gap(ctx context.Context, room string, after uint64, h joinHistory) (wire.Event, bool) {
	if h.notSent {
		return wire.Event{Type: wire.TypeGap, Room: room, After: after, Seq: h.first, Code: wire.GapNotSent}, true
	}
	if after == 0 || h.cached || h.first == after+1 {
		return wire.Event{}, false
	}
	if has, err := d.broker.Has(ctx, room, after); err != nil || has {
		return wire.Event{}, false
	}
	// The message "after" may have been deleted rather than dropped: then
	// the room still keeps older ones.
	if oldest, err := d.broker.First(ctx, room); err != nil || (oldest != 0 && oldest < after) {
		return wire.Event{}, false
	}
	first := h.head + 1
	if h.first != 0 {
		first = h.first
	}
	return wire.Event{Type: wire.TypeGap, Room: room, After: after, Seq: first}, true
}
