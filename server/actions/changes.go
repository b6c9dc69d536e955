package actions

import (
	"context"
	"time"

	"chat/wire"
)

// Changing a stored message: edits, reactions, and fetching one message.
// Who may (delete is delete.go's):
//
//	edit     the message's author only (not owners, not admins: a moderator
//	         deletes, and never puts words in someone's mouth)
//	react    anyone in the room with an identity (an account, a guest
//	         session or a token: a plain client has none to count once)
//	fetch    anyone in the room
//
// Each goes through the one data path: the event is stored in the room
// after the message (so every member gets it, on every node, and a resume
// replays it in order), and the message's state now (msgstate) is what
// history merges into the message.

// ChangeRequest is an edit, a reaction or a delete of message Target.
type ChangeRequest struct {
	Room   string
	ID     string // the client's id for the change, for its ack
	Target uint64
	Text   string // an edit's
	Emoji  string // a reaction's
}

// changeParams checks what every change needs: a room the actor is in,
// an id for the ack, and the message's seq.
func (a *Actions) changeParams(ctx context.Context, who Actor, c *Conn, req ChangeRequest, doing string) error {
	if err := a.inRoom(ctx, who, c, req.Room, doing); err != nil {
		return err
	}
	if err := idParam(req.ID); err != nil {
		return err
	}
	return seqParam("target", req.Target)
}

// target reads the message a change is about: a msg of this room (not a
// delete or an edit), with its state; notThere is the error when it is
// not one.
func (a *Actions) target(ctx context.Context, room string, seq uint64, notThere error) (wire.Event, error) {
	m, ok, err := a.Broker.Message(ctx, room, seq)
	if err != nil {
		return wire.Event{}, unavailable(err, "the message could not be read")
	}
	if !ok || m.Type != wire.TypeMsg {
		return wire.Event{}, notThere
	}
	msgs := []wire.Event{m}
	if err := a.States.Merge(ctx, room, msgs); err != nil {
		return wire.Event{}, unavailable(err, "the message could not be read")
	}
	return msgs[0], nil
}

// storeChange stores an event about a message, stamped with who made it,
// and answers its seq.
func (a *Actions) storeChange(ctx context.Context, who Actor, ev wire.Event) (uint64, error) {
	who.stamp(&ev)
	seq, _, err := a.Broker.Store(ctx, ev.Room, who.sender(), ev)
	if err != nil {
		return 0, storeRefusal(err)
	}
	return seq, nil
}

// Edit changes the text of the actor's own message.
func (a *Actions) Edit(ctx context.Context, who Actor, c *Conn, req ChangeRequest) (uint64, error) {
	if err := a.changeParams(ctx, who, c, req, "editing in it"); err != nil {
		return 0, err
	}
	if err := textParam(req.Text); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	notYours := fail(Forbidden, wire.CodeForbidden, "message %d of %q is not yours to edit, or is not there", req.Target, req.Room)
	m, err := a.target(ctx, req.Room, req.Target, notYours)
	if err != nil {
		return 0, err
	}
	if !who.Identified() || m.User != who.User {
		return 0, notYours
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := a.States.Edit(ctx, req.Room, req.Target, req.Text, at); err != nil {
		return 0, unavailable(err, "not edited")
	}
	return a.storeChange(ctx, who, wire.Event{Type: wire.TypeEdit, Room: req.Room, ID: req.ID, Target: req.Target, Text: req.Text, Edited: at, TS: at})
}

// React toggles the actor's reaction on a message of a room it is in.
func (a *Actions) React(ctx context.Context, who Actor, c *Conn, req ChangeRequest) (uint64, error) {
	if err := a.changeParams(ctx, who, c, req, "reacting in it"); err != nil {
		return 0, err
	}
	if err := wire.ValidEmoji(req.Emoji); err != nil {
		return 0, refusal(err)
	}
	if !who.Identified() {
		return 0, fail(Forbidden, wire.CodeForbidden, "reacting needs a session (a guest's or an account's), so that each person counts once")
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if _, err := a.target(ctx, req.Room, req.Target, invalid(wire.CodeBadField, "there is no message %d in %q to react to", req.Target, req.Room)); err != nil {
		return 0, err
	}
	st, err := a.States.React(ctx, req.Room, req.Target, req.Emoji, who.User, who.Name)
	if err != nil {
		return 0, refusal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	return a.storeChange(ctx, who, wire.Event{Type: wire.TypeReact, Room: req.Room, ID: req.ID, Target: req.Target, Emoji: req.Emoji, Reactions: st.Reactions, TS: now})
}

// quote is what a reply to seq (a message of room) carries of it.
func (a *Actions) quote(ctx context.Context, room string, seq uint64) (*wire.Quote, error) {
	m, err := a.target(ctx, room, seq, invalid(wire.CodeBadField, "there is no message %d in %q to answer", seq, room))
	if err != nil {
		return nil, err
	}
	text := []rune(m.Text)
	if len(text) > wire.MaxQuoteRunes {
		text = append(text[:wire.MaxQuoteRunes-1], '…')
	}
	return &wire.Quote{From: m.From, User: m.User, Text: string(text)}, nil
}

// Fetch reads one message of a room the actor is in, with its edits and
// reactions.
func (a *Actions) Fetch(ctx context.Context, who Actor, c *Conn, room string, seq uint64) (wire.Event, error) {
	if err := a.inRoom(ctx, who, c, room, "fetching from it"); err != nil {
		return wire.Event{}, err
	}
	if err := seqParam("target", seq); err != nil {
		return wire.Event{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, historyTimeout)
	defer cancel()
	m, err := a.target(ctx, room, seq, invalid(wire.CodeBadField, "message %d of %q is not there (deleted, or older than the room keeps)", seq, room))
	if err != nil {
		return wire.Event{}, err
	}
	m.Room = room
	return m, nil
}
