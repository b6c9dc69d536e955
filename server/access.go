package server

import (
	"context"
	"errors"
	"slices"

	"chat/server/rooms"
	"chat/wire"
)

// Who may do what with a room over the WebSocket (server/rooms decides):
//
//	join, history, send, leave   a public room: anyone who has a connection;
//	                             a private room or direct message: its members
//	                             and admins. Anyone else is told forbidden,
//	                             the same for a room that does not exist.
//	delete                       the message's author; a private room's owner;
//	                             an admin (see deleteMessage)
//
// A connection with a token that names rooms may join those and no other.
//
// The check is made once, at join: the fan-out path checks nothing per
// recipient, because only members are in the hub's room. A member taken
// out of a room is taken out of it on every node at once (rooms'
// WatchRemovals, signedIn.removed).

// who is the person behind the connection, for rooms.Can.
func (ss *session) who() rooms.Who {
	return rooms.Who{User: ss.user, Account: ss.account, Admin: ss.admin}
}

// may answers nil when the connection may do act in room, else the
// forbidden error (or unavailable when the rooms could not be read).
func (ss *session) may(act rooms.Action, room string) error {
	if ss.tokenRooms != nil && act == rooms.Join {
		// A connection token that names rooms is the site's word: those
		// rooms, private ones included, and no other.
		if slices.Contains(ss.tokenRooms, room) {
			return nil
		}
		return forbidden(room)
	}
	if !rooms.Reserved(room) && act == rooms.Join {
		return nil // a public room: no lookup on the way in
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	err := ss.srv.rooms.Can(ctx, ss.who(), act, room)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rooms.ErrForbidden):
		return forbidden(room)
	default:
		return wire.Errorf(wire.CodeUnavailable, "the room's members could not be read (%v); try again", err)
	}
}

// forbidden is the one refusal for a room: it says nothing of whether the
// room exists.
func forbidden(room string) error {
	return wire.Errorf(wire.CodeForbidden, "room %q is not open to you: it is private, or it does not exist", room)
}

// notJoined answers a send, history or leave for a room the connection is
// not in: forbidden to someone who may not join it, so that asking tells a
// stranger nothing; else not_joined with what to do.
func (ss *session) notJoined(room, doing string) error {
	if rooms.Reserved(room) {
		if err := ss.may(rooms.Join, room); err != nil {
			return err
		}
	}
	return wire.Errorf(wire.CodeNotJoined, "join room %q before %s", room, doing)
}
