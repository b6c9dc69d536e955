package server

import (
	"context"
	"time"

	"chat/server/rooms"
	"chat/wire"
)

// deleteMessage takes a message out of a room the connection is in. Who
// may: the message's author (the same user id: an account's or a guest
// session's), a private room's owner, an admin. Anyone else, and anyone
// naming a seq that is not a message of this room, is told forbidden, the
// same either way.
//
// The delete is stored in the room like a message, so that it reaches
// every member on every node through the fan-out and a client resuming
// later gets it too; then the message itself is erased from the store, so
// that history is served without it.
func (ss *session) deleteMessage(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, "deleting in it")
	}
	if err := wire.ValidID(ev.ID); err != nil {
		return err
	}
	if ev.Target == 0 {
		return wire.Errorf(wire.CodeBadField, `"target" is required: the seq of the message to delete`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	m, ok, err := ss.srv.broker.Message(ctx, ev.Room, ev.Target)
	if err != nil {
		return wire.Errorf(wire.CodeUnavailable, "the message could not be read (%v); try again", err)
	}
	notYours := wire.Errorf(wire.CodeForbidden, "message %d of %q is not yours to delete, or is not there", ev.Target, ev.Room)
	if !ok || m.Type != wire.TypeMsg {
		return notYours
	}
	if m.User == "" || m.User != ss.user {
		if err := ss.may(rooms.DeleteAny, ev.Room); err != nil {
			return notYours
		}
	}
	marker := wire.Event{Type: wire.TypeDelete, ID: ev.ID, Target: ev.Target, From: ss.client.Name(), User: ss.user,
		Guest: !ss.account, TS: time.Now().UTC().Truncate(time.Millisecond)}
	seq, _, err := ss.srv.broker.Store(ctx, ev.Room, ss.sender(), marker)
	if err != nil {
		return wire.Errorf(wire.CodeUnavailable, "not deleted (%v); try again", err)
	}
	if err := ss.srv.broker.Erase(ctx, ev.Room, ev.Target); err != nil {
		// Every member was told; only the stored copy is left. A
		// resend (same id) stores no second marker and erases again.
		ss.srv.log.Warn("deleted message not erased", "room", ev.Room, "seq", ev.Target, "err", err)
		return wire.Errorf(wire.CodeUnavailable, "deleted for everyone, but not yet from the store (%v); send the delete again", err)
	}
	for _, f := range m.Files {
		if err := ss.srv.files.Delete(ctx, f.ID); err != nil {
			ss.srv.log.Warn("deleted message's file not deleted", "room", ev.Room, "seq", ev.Target, "file", f.ID, "err", err)
		}
	}
	if err := ss.srv.states.Forget(ctx, ev.Room, ev.Target); err != nil {
		ss.srv.log.Warn("deleted message's edits and reactions not forgotten", "room", ev.Room, "seq", ev.Target, "err", err)
	}
	ss.srv.metrics.Deletes.Add(1)
	ss.reply(wire.Event{Type: wire.TypeAck, Room: ev.Room, ID: ev.ID, Seq: seq})
	return nil
}
