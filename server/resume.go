package server

import (
	"context"
	"errors"
	"time"

	"chat/server/delivery"
	"chat/server/rooms"
	"chat/wire"
)

const (
	// historyTimeout bounds reading a room's history.
	historyTimeout = 10 * time.Second
	// historyPage is how many older messages one history request returns.
	historyPage = 50
)

// join puts the client in a room: who may is decided here, the rest is
// delivery's (joined, gap, history, then live), then the room's presence.
func (ss *session) join(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	room := ev.Room
	if err := ss.may(rooms.Join, room); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
	defer cancel()
	o := delivery.JoinOptions{Lobby: &ss.lobby}
	if rooms.Reserved(room) || ss.tokenRooms != nil {
		o.Recheck = func(context.Context) error { return ss.may(rooms.Join, room) }
	}
	if ss.user != "" {
		o.Read = func(ctx context.Context) uint64 {
			read, _ := ss.srv.reads.Get(ctx, ss.user, room)
			return read
		}
	}
	err := ss.srv.delivery.Join(ctx, ss.client, room, ev.After, o)
	if errors.Is(err, delivery.ErrHistory) {
		return wire.Errorf(wire.CodeUnavailable, "joined %q, but its history could not be read (%v); join again to resume", room, err)
	}
	if err != nil {
		return err
	}
	// The room's presence as known now; the change this join makes follows
	// with the room's next presence event.
	ss.client.Send(wire.Encode(ss.srv.presence.Current(room)))
	return nil
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
