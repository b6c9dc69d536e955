package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"chat/wire"
)

// The WebSocket's rows of the authorization matrix: every client event,
// as every kind of actor that can open a socket, in every kind of room.
// An actor that may join the room joins it first (the events other than
// join act on a room the connection is in); one that may not is refused
// every event with the same forbidden a room that does not exist gets.

// mxEvent is the rows of one event type: who may (as the README says
// it), the rooms it is tried in (nil: none), the event, the answer that
// says it was done ("" when only the absence of an error does), and the
// error code each actor should get ("" for none).
type mxEvent struct {
	who   string
	rooms []mxRoom
	event func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event
	done  string
	want  func(k mxKind, r mxRoom) string
}

// joins says whether a connection of kind k may join room r.
func joins(k mxKind, r mxRoom) bool {
	switch r {
	case rPublic:
		return k != kToken // bound to its token's rooms
	case rPrivate:
		return k == kMember || k == kOwner || k == kAdmin
	case rDirect:
		return k == kMember || k == kOwner
	}
	return false
}

// identified says whether a connection of kind k has a person to count
// (reactions, read marks): not a plain client's.
func identified(k mxKind) bool { return k != kNobody && k != kBanned }

// inJoined is the answer of an event about a room: an odd name is refused
// as a name, a room the connection may not join with forbidden, and in a
// room it may join, then (whether it may do this there).
func inJoined(k mxKind, r mxRoom, then func() string) string {
	switch {
	case r.odd():
		return wire.CodeBadRoom
	case !joins(k, r):
		return wire.CodeForbidden
	}
	return then()
}

func allowedIf(ok bool) string {
	if ok {
		return ""
	}
	return wire.CodeForbidden
}

var matrixEvents = map[string]mxEvent{
	wire.TypeHello: {who: "any connection: a plain client names itself (not with an account's name); a signed-in one keeps its session's name", done: wire.TypeWelcome,
		event: func(w *mxWorld, a *mxActor, _ mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeHello, Name: "p" + id}
		},
		want: func(mxKind, mxRoom) string { return "" }},
	wire.TypeJoin: {who: "a public room: any connection; a private room: its members and admins; a direct message: its people; a connection token's holder: its rooms", rooms: withRooms, done: wire.TypeJoined,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeJoin, Room: w.name(r)}
		},
		want: func(k mxKind, r mxRoom) string { return inJoined(k, r, func() string { return "" }) }},
	wire.TypeLeave: {who: "a connection in the room", rooms: withRooms,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeLeave, Room: w.name(r)}
		},
		want: func(k mxKind, r mxRoom) string { return inJoined(k, r, func() string { return "" }) }},
	wire.TypeSend: {who: "a connection in the room", rooms: withRooms, done: wire.TypeAck,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeSend, Room: w.name(r), ID: id, Text: "hello"}
		},
		want: func(k mxKind, r mxRoom) string { return inJoined(k, r, func() string { return "" }) }},
	wire.TypeHistory: {who: "a connection in the room", rooms: withRooms, done: wire.TypeHistory,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeHistory, Room: w.name(r), Before: w.msg[r] + 1}
		},
		want: func(k mxKind, r mxRoom) string { return inJoined(k, r, func() string { return "" }) }},
	wire.TypeFetch: {who: "a connection in the room", rooms: withRooms, done: wire.TypeMsg,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeFetch, Room: w.name(r), Target: max(w.msg[r], 1)}
		},
		want: func(k mxKind, r mxRoom) string { return inJoined(k, r, func() string { return "" }) }},
	wire.TypeTyping: {who: "a connection in the room", rooms: withRooms,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeTyping, Room: w.name(r)}
		},
		want: func(k mxKind, r mxRoom) string { return inJoined(k, r, func() string { return "" }) }},
	wire.TypeRead: {who: "a connection in the room with a session or a token (a person to keep it for)", rooms: withRooms,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeRead, Room: w.name(r), Seq: max(w.msg[r], 1)}
		},
		want: func(k mxKind, r mxRoom) string {
			return inJoined(k, r, func() string { return allowedIf(identified(k)) })
		}},
	wire.TypeReact: {who: "a connection in the room with a session or a token (a person to count once)", rooms: withRooms, done: wire.TypeAck,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeReact, Room: w.name(r), ID: id, Target: max(w.msg[r], 1), Emoji: "👍"}
		},
		want: func(k mxKind, r mxRoom) string {
			return inJoined(k, r, func() string { return allowedIf(identified(k)) })
		}},
	wire.TypeEdit: {who: "the message's author, in the room (not owners, not admins)", rooms: withRooms, done: wire.TypeAck,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeEdit, Room: w.name(r), ID: id, Target: max(w.msg[r], 1), Text: "edited"}
		},
		// The message is mia's.
		want: func(k mxKind, r mxRoom) string {
			return inJoined(k, r, func() string { return allowedIf(k == kMember) })
		}},
	wire.TypeDelete: {who: "the message's author; a private room's owner; an admin (not in a direct message)", rooms: withRooms, done: wire.TypeAck,
		event: func(w *mxWorld, a *mxActor, r mxRoom, id string) wire.Event {
			return wire.Event{Type: wire.TypeDelete, Room: w.name(r), ID: id, Target: w.victimMessage(a, r)}
		},
		// The message is someone else's.
		want: func(k mxKind, r mxRoom) string {
			return inJoined(k, r, func() string { return allowedIf(k == kAdmin && r != rDirect || k == kOwner && r == rPrivate) })
		}},
}

// victimMessage is a new message of someone other than a, in r, for a to
// try to delete (a room a cannot read has one of its own all the same).
func (w *mxWorld) victimMessage(a *mxActor, r mxRoom) uint64 {
	room, ok := w.room[r]
	if !ok || r == rMissing {
		return 1
	}
	by := w.miaWS
	if a.kind == kMember {
		by = w.olgaWS
	}
	return by.say(room, fmt.Sprint("v", w.next()), "delete me")
}

func runWSMatrix(t *testing.T, w *mxWorld) {
	for _, a := range w.actors {
		cl, status := w.socketOf(a)
		if a.kind == kBot {
			// A bot's token is no connection token: its socket is refused.
			if cl != nil || status != http.StatusUnauthorized {
				t.Errorf("a bot's socket: %d, want 401", status)
			}
			continue
		}
		if cl == nil {
			t.Errorf("%s's socket refused: %d", a.kind, status)
			continue
		}
		var seen []wire.Event // everything the socket got, looked at for leaks at the end
		for typ, spec := range matrixEvents {
			rooms := spec.rooms
			if rooms == nil {
				rooms = []mxRoom{rNone}
			}
			for _, r := range rooms {
				cell := fmt.Sprintf("%s as %s", typ, a.kind)
				if r != rNone {
					cell += " in " + r.String()
				}
				id := fmt.Sprint("e", w.next())
				if typ != wire.TypeJoin && r != rNone && joins(a.kind, r) {
					cl.joinAfter(w.name(r), 0)
				}
				cl.send(spec.event(w, a, r, id))
				got, traffic := w.answer(cl, spec, id, w.name(r))
				seen = append(seen, traffic...)
				if want := spec.want(a.kind, r); got != want {
					t.Errorf("%s: %q, want %q", cell, got, orDone(want))
				}
			}
		}
		// Live too: what the owner says in her rooms now reaches nobody
		// who may not read them (in every room it may join).
		for _, r := range []mxRoom{rPublic, rPrivate, rDirect} {
			if joins(a.kind, r) {
				cl.joinAfter(w.name(r), 0)
			}
		}
		marker := fmt.Sprint("live", w.next())
		w.olgaWS.say(w.room[rPrivate], marker+"p", markPrivate+" live")
		w.olgaWS.say(w.room[rDirect], marker+"d", markDirect+" live")
		w.olgaWS.say(w.room[rPublic], marker, "open live")
		if joins(a.kind, rPublic) {
			for cl.next(wire.TypeMsg).ID != marker {
			}
		} else {
			cl.none(wire.TypeMsg, 100*time.Millisecond)
		}
		for _, ev := range append(seen, cl.stash...) {
			line := string(wire.Encode(ev))
			for _, secret := range secretsFor(a.kind) {
				if strings.Contains(line, secret) {
					t.Errorf("%s's socket got %q, of a room they may not read: %s", a.kind, secret, line)
				}
			}
		}
	}
}

func orDone(code string) string {
	if code == "" {
		return "done"
	}
	return code
}

// answer reads what the server answered an event: "" when it was done,
// else the error's code. A hello after the event marks the end of its
// answer (events are handled in order), so that an event answered by
// nothing is seen to be done.
// The other events read meanwhile (the rooms' traffic) are returned too.
func (w *mxWorld) answer(cl *client, spec mxEvent, id, room string) (string, []wire.Event) {
	barrier := fmt.Sprint("b", w.next())
	cl.send(wire.Event{Type: wire.TypeHistory, Room: barrier, Before: 1})
	code, done := "", spec.done == ""
	var traffic []wire.Event
	for {
		ev := cl.nextOf(wire.TypeError, wire.TypeAck, wire.TypeJoined, wire.TypeHistory, wire.TypeMsg, wire.TypeWelcome,
			wire.TypePresence, wire.TypeTyping, wire.TypeRead, wire.TypeEdit, wire.TypeReact, wire.TypeDelete, wire.TypeGap, wire.TypeBroadcast)
		switch {
		case ev.Type == wire.TypeError && ev.Room == barrier:
			switch {
			case code != "":
				return code, traffic
			case !done:
				return "no " + spec.done, traffic
			}
			return "", traffic
		case ev.Type == wire.TypeError && (ev.ID == id && id != "" || ev.Room == room || room != "" && ev.Room == "" && len(room) > 4*wire.MaxRoomLen):
			code = ev.Code
		case ev.Type == spec.done && (ev.ID == id || ev.Room == room || ev.Type == wire.TypeWelcome):
			done = true
		default:
			traffic = append(traffic, ev)
		}
	}
}
