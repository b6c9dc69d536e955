package server

import (
	"context"
	"errors"
	"time"

	"chat/server/msgstate"
	"chat/wire"
)

// Changing a stored message: edits, reactions, replies and fetching one
// message. Who may (as for delete, see access.go):
//
//	edit     the message's author only (not owners, not admins: a moderator
//	         deletes, and never puts words in someone's mouth)
//	react    anyone in the room with an identity (an account or a guest
//	         session; a plain client has none to count once)
//	reply    anyone who may send to the room, to a message of that room
//	fetch    anyone in the room
//
// Each goes through the one data path: the event is stored in the room
// after the message (so every member gets it, on every node, and a resume
// replays it in order), and the message's state now (msgstate) is what
// history merges into the message.

// mergeState puts the edits and reactions of msgs (read from the store)
// on them.
func (s *Server) mergeState(ctx context.Context, room string, msgs []wire.Event) error {
	return s.states.Merge(ctx, room, msgs)
}

// target reads the message an event is about: a msg of this room (not a
// delete or an edit), with its state; notThere is the error to answer
// when it is not one.
func (ss *session) target(ctx context.Context, ev wire.Event, notThere error) (wire.Event, error) {
	if ev.Target == 0 {
		return wire.Event{}, wire.Errorf(wire.CodeBadField, `"target" is required: the seq of the message`)
	}
	m, ok, err := ss.srv.broker.Message(ctx, ev.Room, ev.Target)
	if err != nil {
		return wire.Event{}, wire.Errorf(wire.CodeUnavailable, "the message could not be read (%v); try again", err)
	}
	if !ok || m.Type != wire.TypeMsg {
		return wire.Event{}, notThere
	}
	msgs := []wire.Event{m}
	if err := ss.srv.mergeState(ctx, ev.Room, msgs); err != nil {
		return wire.Event{}, wire.Errorf(wire.CodeUnavailable, "the message could not be read (%v); try again", err)
	}
	return msgs[0], nil
}

// inRoom checks what every change to a message needs: a valid room the
// connection is in, and an id for the ack.
func (ss *session) inRoom(ev wire.Event, doing string) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, doing)
	}
	return wire.ValidID(ev.ID)
}

// storeChange stores an event about a message and acks it.
func (ss *session) storeChange(ctx context.Context, ev wire.Event) error {
	seq, _, err := ss.srv.broker.Store(ctx, ev.Room, ss.sender(), ev)
	if err != nil {
		return wire.Errorf(wire.CodeUnavailable, "not stored (%v); send it again", err)
	}
	ss.reply(wire.Event{Type: wire.TypeAck, Room: ev.Room, ID: ev.ID, Seq: seq})
	return nil
}

func (ss *session) edit(ev wire.Event) error {
	if err := ss.inRoom(ev, "editing in it"); err != nil {
		return err
	}
	if err := wire.ValidText(ev.Text); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	notYours := wire.Errorf(wire.CodeForbidden, "message %d of %q is not yours to edit, or is not there", ev.Target, ev.Room)
	m, err := ss.target(ctx, ev, notYours)
	if err != nil {
		return err
	}
	if ss.user == "" || m.User != ss.user {
		return notYours
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := ss.srv.states.Edit(ctx, ev.Room, ev.Target, ev.Text, at); err != nil {
		return wire.Errorf(wire.CodeUnavailable, "not edited (%v); send it again", err)
	}
	return ss.storeChange(ctx, wire.Event{Type: wire.TypeEdit, Room: ev.Room, ID: ev.ID, Target: ev.Target, Text: ev.Text,
		Edited: at, From: ss.client.Name(), User: ss.user, Guest: !ss.account, TS: at})
}

func (ss *session) react(ev wire.Event) error {
	if err := ss.inRoom(ev, "reacting in it"); err != nil {
		return err
	}
	if err := wire.ValidEmoji(ev.Emoji); err != nil {
		return err
	}
	if ss.user == "" {
		return wire.Errorf(wire.CodeForbidden, "reacting needs a session (a guest's or an account's), so that each person counts once")
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if _, err := ss.target(ctx, ev, wire.Errorf(wire.CodeBadField, "there is no message %d in %q to react to", ev.Target, ev.Room)); err != nil {
		return err
	}
	st, err := ss.srv.states.React(ctx, ev.Room, ev.Target, ev.Emoji, ss.user, ss.client.Name())
	if errors.Is(err, msgstate.ErrTooManyReactions) {
		return wire.Errorf(wire.CodeBadField, "message %d has %d different reactions already: add to one of them", ev.Target, wire.MaxReactions)
	}
	if err != nil {
		return wire.Errorf(wire.CodeUnavailable, "not reacted (%v); send it again", err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	return ss.storeChange(ctx, wire.Event{Type: wire.TypeReact, Room: ev.Room, ID: ev.ID, Target: ev.Target, Emoji: ev.Emoji,
		Reactions: st.Reactions, From: ss.client.Name(), User: ss.user, Guest: !ss.account, TS: now})
}

// quote is what a reply to reply (a seq of the room) carries of it.
func (ss *session) quote(ctx context.Context, room string, reply uint64) (*wire.Quote, error) {
	m, err := ss.target(ctx, wire.Event{Room: room, Target: reply}, wire.Errorf(wire.CodeBadField, "there is no message %d in %q to answer", reply, room))
	if err != nil {
		return nil, err
	}
	text := []rune(m.Text)
	if len(text) > wire.MaxQuoteRunes {
		text = append(text[:wire.MaxQuoteRunes-1], '…')
	}
	return &wire.Quote{From: m.From, User: m.User, Text: string(text)}, nil
}

func (ss *session) fetch(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, "fetching from it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
	defer cancel()
	m, err := ss.target(ctx, ev, wire.Errorf(wire.CodeBadField, "message %d of %q is not there (deleted, or older than the room keeps)", ev.Target, ev.Room))
	if err != nil {
		return err
	}
	m.Room = ev.Room
	ss.reply(m)
	return nil
}

// read records how far the person behind the connection has read a room
// it is in (see reads: coalesced, only forward, shared by their devices).
// A plain client without a session has nobody to keep it for.
func (ss *session) read(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, "marking it read")
	}
	if ev.Seq == 0 {
		return wire.Errorf(wire.CodeBadField, `"seq" is required: the last message read`)
	}
	if ss.user == "" {
		return wire.Errorf(wire.CodeForbidden, "read marks are kept for a session (a guest's or an account's)")
	}
	ss.srv.reads.Mark(ss.user, ev.Room, ev.Seq)
	return nil
}
