package actions

import (
	"context"
	"time"

	"chat/server/presence"
	"chat/wire"
)

// MarkRead records how far the actor has read a room it is in (see reads:
// coalesced, only forward, shared by the person's devices). A plain
// client without a session has nobody to keep it for.
func (a *Actions) MarkRead(ctx context.Context, who Actor, c *Conn, room string, seq uint64) error {
	if err := a.inRoom(ctx, who, c, room, "marking it read"); err != nil {
		return err
	}
	if err := seqParam("seq", seq); err != nil {
		return err
	}
	if !who.Identified() {
		return fail(Forbidden, wire.CodeForbidden, "read marks are kept for a session (a guest's or an account's)")
	}
	a.Reads.Mark(who.User, room, seq)
	return nil
}

// Typing says the actor is typing in a room its connection is in: at most
// once every presence.TypingEvery per room and connection, the rest
// dropped without an error (a client that types fast is not misbehaving).
func (a *Actions) Typing(ctx context.Context, who Actor, c *Conn, room string) error {
	if err := a.inRoom(ctx, who, c, room, "typing in it"); err != nil {
		return err
	}
	now := time.Now()
	if last, ok := c.typed[room]; ok && now.Sub(last) < presence.TypingEvery {
		return nil
	}
	if c.typed == nil {
		c.typed = make(map[string]time.Time)
	}
	for r, at := range c.typed { // keep the map to the rooms typed in lately
		if now.Sub(at) > presence.TypingEvery {
			delete(c.typed, r)
		}
	}
	c.typed[room] = now
	id := who.User
	if id == "" {
		id = "name:" + who.Name
	}
	a.Typers.Said(room, id, who.Name)
	return nil
}
