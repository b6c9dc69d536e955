package actions

import (
	"context"
	"errors"
	"slices"

	"chat/server/rooms"
	"chat/wire"
)

// Who may do what with a room is rooms.Can's to say, and this file is
// where it is asked: every action that touches a room comes through may
// or inRoom. Anyone refused is told the same forbidden, whether the room
// exists or not.
//
// Over the WebSocket the check is made at join, and again right after it
// (so that a removal at that moment is not missed): the fan-out checks
// nothing per recipient, because only members are in the hub's room, and
// a member taken out of a room is taken out on every node at once
// (rooms.WatchRemovals). What a connection then does in a room it is in
// (send, history, edits) needs no lookup; a request over HTTP, which has
// no connection in the room, asks each time.

// may answers nil when who may do act in room, else the room's forbidden
// (or unavailable when the rooms could not be read). A connection token
// that names rooms is the site's word: those rooms, private ones
// included, and no other.
func (a *Actions) may(ctx context.Context, who Actor, act rooms.Action, room string) error {
	if who.Rooms != nil && act == rooms.Join {
		if slices.Contains(who.Rooms, room) {
			return nil
		}
		return roomForbidden(room)
	}
	err := a.Rooms.Can(ctx, who.who(), act, room)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rooms.ErrForbidden):
		return roomForbidden(room)
	default:
		return unavailable(err, "the room's members could not be read")
	}
}

// inRoom checks that who may act in room: over the WebSocket, that the
// connection is in it (it was allowed in when it joined); over HTTP, with
// no connection, that who may join it.
func (a *Actions) inRoom(ctx context.Context, who Actor, c *Conn, room, doing string) error {
	if err := roomParam(room); err != nil {
		return err
	}
	if c == nil {
		return a.may(ctx, who, rooms.Join, room)
	}
	if c.Client.InRoom(room) {
		return nil
	}
	return a.notJoined(ctx, who, room, doing)
}

// notJoined answers an action on a room the connection is not in:
// forbidden to someone who may not join it, so that asking tells a
// stranger nothing; else not_joined with what to do.
func (a *Actions) notJoined(ctx context.Context, who Actor, room, doing string) error {
	if rooms.Reserved(room) || who.Rooms != nil {
		if err := a.may(ctx, who, rooms.Join, room); err != nil {
			return err
		}
	}
	e := invalid(wire.CodeNotJoined, "join room %q before %s", room, doing)
	e.Room = room
	return e
}

// roomKind is a room's kind, for what differs between them (a direct
// message's notifications); a public room needs no read.
func (a *Actions) roomKind(ctx context.Context, room string) (string, error) {
	if !rooms.Reserved(room) {
		return rooms.Public, nil
	}
	rm, _, err := a.Rooms.Get(ctx, room)
	if err != nil {
		return "", unavailable(err, "the room could not be read")
	}
	return rm.Kind, nil
}
