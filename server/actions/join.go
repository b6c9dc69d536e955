package actions

import (
	"context"
	"errors"
	"slices"
	"time"

	"chat/server/delivery"
	"chat/server/rooms"
	"chat/wire"
)

const (
	// historyTimeout bounds reading a room's history.
	historyTimeout = 10 * time.Second
	// HistoryPage is how many older messages one history request returns.
	HistoryPage = 50
)

func nowMillis() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// JoinLobby puts a new connection in the lobby, quietly (see
// delivery.JoinLobby), unless its connection token names rooms without it.
func (a *Actions) JoinLobby(who Actor, c *Conn) {
	if who.Rooms == nil || slices.Contains(who.Rooms, wire.DefaultRoom) {
		a.Delivery.JoinLobby(&c.Lobby, c.Client)
	}
}

// Join puts the connection in a room, if the actor may join it: joined,
// then what it missed after "after" (delivery.Join), then the room's
// presence.
func (a *Actions) Join(ctx context.Context, who Actor, c *Conn, room string, after uint64) error {
	if err := roomParam(room); err != nil {
		return err
	}
	if err := a.may(ctx, who, rooms.Join, room); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, historyTimeout)
	defer cancel()
	o := delivery.JoinOptions{Lobby: &c.Lobby}
	if rooms.Reserved(room) {
		o.Recheck = func(ctx context.Context) error { return a.may(ctx, who, rooms.Join, room) }
	}
	if who.Identified() {
		o.Read = func(ctx context.Context) uint64 {
			read, _ := a.Reads.Get(ctx, who.User, room)
			return read
		}
	}
	err := a.Delivery.Join(ctx, c.Client, room, after, o)
	if errors.Is(err, delivery.ErrHistory) {
		e := unavailable(err, "joined %q, but its history could not be read; join again to resume", room)
		e.Room = room
		return e
	}
	if err != nil {
		return refusal(err)
	}
	// The room's presence as known now; the change this join makes follows
	// with the room's next presence event.
	c.Client.Send(wire.Encode(a.Presence.Current(room)))
	return nil
}

// Leave takes the connection out of a room.
func (a *Actions) Leave(ctx context.Context, who Actor, c *Conn, room string) error {
	if err := roomParam(room); err != nil {
		return err
	}
	if !a.Hub.Leave(c.Client, room) {
		return a.notJoined(ctx, who, room, "leaving it")
	}
	return nil
}

// History is a page of older messages of a room the connection is in:
// up to HistoryPage events with a seq below before, oldest first, with
// their edits and reactions. A before past the room's end counts from the
// end.
func (a *Actions) History(ctx context.Context, who Actor, c *Conn, room string, before uint64) ([]wire.Event, error) {
	if err := a.inRoom(ctx, who, c, room, "asking for its history"); err != nil {
		return nil, err
	}
	if before == 0 {
		return nil, invalid(wire.CodeBadField, `"before" is required: the oldest seq you have`)
	}
	ctx, cancel := context.WithTimeout(ctx, historyTimeout)
	defer cancel()
	msgs, err := a.Broker.Before(ctx, room, before, HistoryPage)
	if err == nil {
		err = a.States.Merge(ctx, room, msgs)
	}
	if err != nil {
		e := unavailable(err, "history of %q could not be read", room)
		e.Room = room
		return nil, e
	}
	return msgs, nil
}
