package actions

import (
	"context"

	"chat/server/rooms"
	"chat/wire"
)

// Delete takes a message out of a room the actor is in. Who may: the
// message's author (the same user id: an account's, a guest session's or
// a token's), a private room's owner, an admin. Anyone else, and anyone
// naming a seq that is not a message of this room, is told forbidden, the
// same either way.
//
// The delete is stored in the room like a message, so that it reaches
// every member on every node through the fan-out and a client resuming
// later gets it too; then the message itself is erased from the store, so
// that history is served without it, and its files and state go with it.
func (a *Actions) Delete(ctx context.Context, who Actor, c *Conn, req ChangeRequest) (uint64, error) {
	if err := a.changeParams(ctx, who, c, req, "deleting in it"); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	notYours := fail(Forbidden, wire.CodeForbidden, "message %d of %q is not yours to delete, or is not there", req.Target, req.Room)
	notYours.Room = req.Room
	m, ok, err := a.Broker.Message(ctx, req.Room, req.Target)
	if err != nil {
		return 0, unavailable(err, "the message could not be read")
	}
	if !ok || m.Type != wire.TypeMsg {
		return 0, notYours
	}
	if m.User == "" || m.User != who.User {
		if err := a.may(ctx, who, rooms.DeleteAny, req.Room); err != nil {
			return 0, notYours
		}
	}
	seq, err := a.storeChange(ctx, who, wire.Event{Type: wire.TypeDelete, ID: req.ID, Target: req.Target, Room: req.Room,
		TS: nowMillis()})
	if err != nil {
		return 0, err
	}
	if err := a.Broker.Erase(ctx, req.Room, req.Target); err != nil {
		// Every member was told; only the stored copy is left. A resend
		// (same id) stores no second marker and erases again.
		a.log.Warn("deleted message not erased", "room", req.Room, "seq", req.Target, "err", err)
		return 0, unavailable(err, "deleted for everyone, but not yet from the store; send the delete again")
	}
	for _, f := range m.Files {
		if err := a.Files.Delete(ctx, f.ID); err != nil {
			a.log.Warn("deleted message's file not deleted", "room", req.Room, "seq", req.Target, "file", f.ID, "err", err)
		}
	}
	if err := a.States.Forget(ctx, req.Room, req.Target); err != nil {
		a.log.Warn("deleted message's edits and reactions not forgotten", "room", req.Room, "seq", req.Target, "err", err)
	}
	a.Metrics.Deletes.Add(1)
	return seq, nil
}
