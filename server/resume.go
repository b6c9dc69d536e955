package server

import (
	"context"
	"time"

	"chat/server/hub"
	"chat/server/rooms"
	"chat/wire"
)

const (
	// lobbyHoldFor is how long the implicit lobby membership holds the
	// lobby's messages, waiting for the client to join the lobby with its
	// last seq (a UI does so in its first frame).
	lobbyHoldFor = time.Second
	// historyTimeout bounds reading a room's history.
	historyTimeout = 10 * time.Second
	// liveWaitTimeout bounds the wait for this node's live feed to pass a
	// history read. It only runs out if NATS is unwell; the join then goes
	// on, and a message might come twice (clients dedupe by seq).
	liveWaitTimeout = 5 * time.Second
	// historyPage is how many older messages one history request returns.
	historyPage = 50
)

// joinLobbyQuietly puts a new connection in the lobby, so that a plain
// WebSocket client (the article's benchmark) gets what the lobby gets. The
// lobby's messages are held for a moment: a client that then joins the lobby
// with its last seq resumes exactly (history, then live, no duplicate); one
// that does not gets the held messages when the moment ends (lobbyHolds).
func (ss *session) joinLobbyQuietly() {
	c := ss.client
	c.BeginSync(wire.DefaultRoom)
	if _, err := ss.srv.hub.Join(c, wire.DefaultRoom); err != nil {
		c.EndSync(wire.DefaultRoom, nil, 0)
		return
	}
	ss.lobbyHeld.Store(true)
	ss.srv.lobbyHolds.add(ss)
}

// takeLobbyHold reports whether the implicit lobby hold was still on, and
// ends it for the caller to release or take over; of the session's own join
// and the release after lobbyHoldFor, only one gets true.
func (ss *session) takeLobbyHold() bool { return ss.lobbyHeld.CompareAndSwap(true, false) }

// join puts the client in a room and sends, in this order: joined (with the
// room's last seq), a gap event if messages after "after" are no longer kept,
// the history (every kept message after "after", or the last HistoryOnJoin
// with no "after"), then live messages. The room's live messages are held
// while the history is read, and released after it without those it holds.
func (ss *session) join(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	c, room := ss.client, ev.Room
	if err := ss.may(rooms.Join, room); err != nil {
		return err
	}
	if room == wire.DefaultRoom {
		ss.takeLobbyHold() // this join takes the hold over; if it was released, it is a join like any other
	}
	c.BeginSync(room)
	if !c.InRoom(room) {
		if _, err := ss.srv.hub.Join(c, room); err != nil {
			c.EndSync(room, nil, 0)
			return err
		}
		// A removal between the check above and this join would have
		// found the connection not yet in the room: checking again now,
		// after the join, leaves no moment in which both miss it.
		if rooms.Reserved(room) {
			if err := ss.may(rooms.Join, room); err != nil {
				ss.srv.hub.Leave(c, room)
				c.EndSync(room, nil, 0)
				return err
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
	defer cancel()
	h, err := ss.roomHistory(ctx, room, ev.After)
	if err != nil {
		c.EndSync(room, nil, 0)
		ss.srv.log.Warn("history read failed", "room", room, "err", err)
		return wire.Errorf(wire.CodeUnavailable, "joined %q, but its history could not be read (%v); join again to resume", room, err)
	}
	joined := wire.Event{Type: wire.TypeJoined, Room: room, Seq: h.head}
	if ss.user != "" {
		// How far the person has read it, on whichever device.
		if read, err := ss.srv.reads.Get(ctx, ss.user, room); err == nil {
			joined.Read = read
		}
	}
	if len(h.frames) == 0 && ev.After > 0 && h.end < ev.After {
		// The room's end is behind the client's (a store that was
		// reset): say where it is.
		joined.Seq = h.end
	}
	ss.reply(joined)
	if gap, ok := ss.gap(ctx, room, ev.After, h); ok {
		ss.reply(gap)
	}
	// Every message up to the history's end must have reached this node's
	// live feed (held for this join, or gone for good) before the hold
	// ends, or one could come again live.
	if joined.Seq > 0 {
		wctx, wcancel := context.WithTimeout(context.Background(), liveWaitTimeout)
		err := ss.srv.live.wait(wctx, joined.Seq)
		wcancel()
		if err != nil {
			// This node's live feed is behind what the history read saw
			// (its NATS server was away): the history goes now, and the
			// live messages stay held until the feed has passed its end,
			// so that none comes twice; the session goes on meanwhile.
			ss.srv.log.Warn("live feed behind the history read; holding the room's live messages until it catches up", "room", room, "head", joined.Seq)
			c.SendHistory(room, h.frames)
			go ss.endSyncWhenCaughtUp(room, h.head, joined.Seq)
			c.Send(wire.Encode(ss.srv.presence.Current(room)))
			return nil
		}
	}
	c.EndSync(room, h.frames, h.head)
	// The room's presence as known now; the change this join makes follows
	// with the room's next presence event.
	c.Send(wire.Encode(ss.srv.presence.Current(room)))
	return nil
}

// liveCatchUp bounds the wait of a join whose node's live feed was behind
// (see join); past it the hold ends anyway, and a message may come twice.
const liveCatchUp = time.Minute

// endSyncWhenCaughtUp ends the hold of a join once this node's live feed
// has passed seq, releasing the held live messages after head.
func (ss *session) endSyncWhenCaughtUp(room string, head, seq uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), liveCatchUp)
	defer cancel()
	if err := ss.srv.live.wait(ctx, seq); err != nil {
		ss.srv.log.Warn("live feed still behind; ending the join's hold", "room", room, "head", seq)
	}
	ss.client.EndSync(room, nil, head)
}

// joinHistory is what a join reads: the frames of the messages to send,
// the seq of the first, the last seq read, the room's end as far as the
// read knows, and whether it came from the recent cache (which holds every
// message after what it was asked: no gap).
type joinHistory struct {
	frames      []*hub.Frame
	first, head uint64
	end         uint64
	cached      bool
}

// roomHistory reads a join's history: from the recent cache when it can
// answer (nearly always), else from the store: every kept message after
// "after", or the room's last HistoryOnJoin with no "after".
func (ss *session) roomHistory(ctx context.Context, room string, after uint64) (joinHistory, error) {
	limit := ss.srv.cfg.HistoryOnJoin
	frames, first, head, ok, err := ss.srv.recent.history(ctx, room, after, limit)
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
	msgs, head, err := ss.srv.broker.History(ctx, room, after, 0)
	if err != nil {
		return joinHistory{}, err
	}
	if after == 0 && len(msgs) > limit {
		msgs = msgs[len(msgs)-limit:]
	}
	if err := ss.srv.mergeState(ctx, room, msgs); err != nil {
		return joinHistory{}, err
	}
	h := joinHistory{head: head, end: head}
	for _, m := range msgs {
		h.frames = append(h.frames, hub.NewMsgFrame(room, m.Seq, wire.Encode(m)))
	}
	if len(msgs) > 0 {
		h.first = msgs[0].Seq
	} else if after > 0 {
		if last, err := ss.srv.broker.Last(ctx, room); err == nil {
			h.end = last
		}
	}
	return h, nil
}

// gap reports whether messages after "after" were dropped by the room's
// history limits: the message "after" itself is gone (drops take the oldest
// first), and what is sent does not start right after it.
func (ss *session) gap(ctx context.Context, room string, after uint64, h joinHistory) (wire.Event, bool) {
	if after == 0 || h.cached || h.first == after+1 {
		return wire.Event{}, false
	}
	if has, err := ss.srv.broker.Has(ctx, room, after); err != nil || has {
		return wire.Event{}, false
	}
	// The message "after" may have been deleted rather than dropped: then
	// the room still keeps older ones.
	if oldest, err := ss.srv.broker.First(ctx, room); err != nil || (oldest != 0 && oldest < after) {
		return wire.Event{}, false
	}
	first := h.head + 1
	if h.first != 0 {
		first = h.first
	}
	return wire.Event{Type: wire.TypeGap, Room: room, After: after, Seq: first}, true
}

// history answers a request for older messages: up to historyPage messages
// before "before", oldest first, then a history event that closes the
// answer with the oldest seq sent and how many.
func (ss *session) history(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, "asking for its history")
	}
	if ev.Before == 0 {
		return wire.Errorf(wire.CodeBadField, `"before" is required: the oldest seq you have`)
	}
	var msgs []wire.Event
	if ev.Before > 1 {
		ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
		defer cancel()
		var err error
		if msgs, err = ss.srv.broker.Before(ctx, ev.Room, ev.Before, historyPage); err != nil {
			return wire.Errorf(wire.CodeUnavailable, "history of %q could not be read (%v); ask again", ev.Room, err)
		}
	}
	if len(msgs) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
		defer cancel()
		if err := ss.srv.mergeState(ctx, ev.Room, msgs); err != nil {
			return wire.Errorf(wire.CodeUnavailable, "history of %q could not be read (%v); ask again", ev.Room, err)
		}
	}
	end := wire.Event{Type: wire.TypeHistory, Room: ev.Room, Before: ev.Before, Count: len(msgs)}
	for _, m := range msgs {
		ss.reply(m)
	}
	if len(msgs) > 0 {
		end.Seq = msgs[0].Seq
	}
	ss.reply(end)
	return nil
}
