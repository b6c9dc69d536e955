package app

import (
	"slices"
	"testing"

	"chat/wire"
)

// signedIn is online as the account u1, named ana.
func signedIn(t *testing.T) *chatState {
	t.Helper()
	s := newChatState("ana")
	s.user = "u1"
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana", User: "u1"})
	s.apply(joined("lobby", 0))
	s.takeOut()
	return s
}

func from(seq uint64, user, name string, guest bool) wire.Event {
	return wire.Event{Type: wire.TypeMsg, Room: "lobby", Seq: seq, ID: "m" + string(rune('a'+seq)), From: name, User: user, Guest: guest, Text: "hi", TS: t0}
}

// TestMessagesAreMineByUserID: a message is ours by the author's id, not
// by a name someone else could have had; the guest mark is kept.
func TestMessagesAreMineByUserID(t *testing.T) {
	s := signedIn(t)
	s.apply(from(1, "u1", "ana", false))
	s.apply(from(2, "g7", "ana", true)) // a guest who once had the name
	items := s.cur().items
	if !items[0].Mine || items[1].Mine {
		t.Errorf("mine = %v, %v; want true, false", items[0].Mine, items[1].Mine)
	}
	if items[0].Guest || !items[1].Guest || items[1].User != "g7" {
		t.Errorf("guest marks or ids lost: %+v", items)
	}
}

// TestDelete: own messages may be deleted, others' only by an admin or a
// private room's owner; a delete event takes the message out for
// everyone, moves the resume point, and keeps a late copy out.
func TestDelete(t *testing.T) {
	s := signedIn(t)
	s.apply(from(1, "u1", "ana", false))
	s.apply(from(2, "u2", "bo", false))
	own, other := s.cur().items[0], s.cur().items[1]
	if !s.canDelete("lobby", own) || s.canDelete("lobby", other) {
		t.Fatalf("canDelete own %v other %v; want true, false", s.canDelete("lobby", own), s.canDelete("lobby", other))
	}
	s.admin = true
	if !s.canDelete("lobby", other) {
		t.Error("an admin may delete anyone's message")
	}
	s.admin = false
	s.info["p-x"] = roomInfo{ID: "p-x", Kind: kindPrivate, Role: roleOwner}
	if !s.deletesAny("p-x") || s.deletesAny("lobby") {
		t.Error("an owner deletes anyone's in their private room, and only there")
	}

	if !s.sendDelete("lobby", 1) {
		t.Fatal("delete not sent while connected")
	}
	out := s.takeOut()
	if len(out) != 1 || out[0].Type != wire.TypeDelete || out[0].Target != 1 || out[0].Room != "lobby" || wire.ValidID(out[0].ID) != nil {
		t.Fatalf("sent %+v", out)
	}
	s.apply(wire.Event{Type: wire.TypeAck, Room: "lobby", ID: out[0].ID, Seq: 3})
	if len(s.cur().items) != 2 || len(s.cur().pending) != 0 {
		t.Errorf("the ack of a delete changed the list: %+v", s.cur().items)
	}
	s.apply(wire.Event{Type: wire.TypeDelete, Room: "lobby", Seq: 3, Target: 1, User: "u1"})
	if got := listing(s.cur()); !slices.Equal(got, []string{"2"}) {
		t.Errorf("after the delete: %v, want [2]", got)
	}
	if s.cur().lastSeq != 3 {
		t.Errorf("resume point %d, want 3: the delete is in the stream", s.cur().lastSeq)
	}
	s.apply(from(1, "u1", "ana", false))
	if len(s.cur().items) != 1 {
		t.Error("a late copy of a deleted message came back")
	}

	// A refusal names the delete's id: it says so, and drops no room.
	s.sendDelete("lobby", 2)
	id := s.takeOut()[0].ID
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeForbidden, Room: "lobby", ID: id, Text: "not yours"})
	if s.lastError != "You may not delete this message." || s.rooms["lobby"] == nil {
		t.Errorf("lastError %q, lobby %v", s.lastError, s.rooms["lobby"] != nil)
	}

	s.disconnected()
	if s.sendDelete("lobby", 2) || s.lastError == "" {
		t.Error("a delete while disconnected should be refused with a reason")
	}
}

// TestDeleteEndsTheJoinHistory: a join whose last stream event is a
// delete is caught up when the delete arrives, so the outbox can go.
func TestDeleteEndsTheJoinHistory(t *testing.T) {
	s := signedIn(t)
	s.join("design")
	s.apply(joined("design", 5))
	s.apply(msgIn("design", 4, "d4", "bo", "x"))
	if s.rooms["design"].caughtUp {
		t.Fatal("caught up before the head")
	}
	s.apply(wire.Event{Type: wire.TypeDelete, Room: "design", Seq: 5, Target: 3})
	if !s.rooms["design"].caughtUp {
		t.Error("not caught up after the delete at the head")
	}
}

// TestForbiddenDropsTheRoom: a room the server says is not open is taken
// off the list, with the reason; one left on purpose says nothing.
func TestForbiddenDropsTheRoom(t *testing.T) {
	s := signedIn(t)
	s.join("p-secret")
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeForbidden, Room: "p-secret", Text: "not open to you"})
	if s.rooms["p-secret"] != nil || slices.Contains(s.order, "p-secret") || s.current != "lobby" {
		t.Errorf("p-secret still listed: order %v current %q", s.order, s.current)
	}
	if s.lastError != noAccessText {
		t.Errorf("lastError %q", s.lastError)
	}
	s.lastError = ""
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeForbidden, Room: "p-gone", Text: "not open to you"})
	if s.lastError != "" {
		t.Errorf("a room not held got %q", s.lastError)
	}
}

// TestSessionEnded: the server's farewell for an ended session is told
// from a shutdown's.
func TestSessionEnded(t *testing.T) {
	s := signedIn(t)
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeGoingAway, Text: "server shutting down"})
	if s.sessionEnded {
		t.Fatal("a shutdown taken for a session's end")
	}
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeGoingAway, Text: "session ended: signed out, revoked, or the account banned"})
	if !s.sessionEnded {
		t.Error("session end not seen")
	}
}
