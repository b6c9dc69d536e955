package actions

import (
	"strings"
	"unicode/utf8"

	"chat/wire"
)

// Every parameter a client sends is checked here, one function per kind,
// before anything reads or writes with it: room names, seqs, message and
// user ids, file ids, codes, names, texts. A room name or id becomes part
// of a NATS subject or KV key, where ".", "*", ">" and spaces would read
// as separators and wildcards (a "room" of "*" once read every room's
// messages back), and where a few kilobytes make the NATS server close
// the connection: nothing unchecked gets that far.

// roomParam checks a room name (wire.ValidRoom: 1 to 32 of a-z, 0-9, '-'
// and '_'). The refusal echoes a name only when it is short.
func roomParam(room string) error {
	if err := wire.ValidRoom(room); err != nil {
		e := refusal(err).(*Error)
		if len(room) <= 4*wire.MaxRoomLen {
			e.Room = room
		}
		return e
	}
	return nil
}

// seqParam checks a seq the client names as required (a target, a reply,
// a read mark, the before of a history request): not 0. How large one
// may be is each action's business: a seq past the room's end names no
// message, and history counts from the room's end.
func seqParam(field string, seq uint64) error {
	if seq == 0 {
		return invalid(wire.CodeBadField, "%q is required: the seq of a message", field)
	}
	return nil
}

// idParam checks a client's message id (wire.ValidID).
func idParam(id string) error { return refusal(wire.ValidID(id)) }

// userParam checks a user id a client names (wire.ValidUserID).
func userParam(id string) error { return refusal(wire.ValidUserID(id)) }

// fileParam checks a file id (wire.ValidFileID).
func fileParam(id string) error {
	if err := wire.ValidFileID(id); err != nil {
		return fail(NotFound, CodeNotFound, "no such file")
	}
	return nil
}

// codeParam checks an invitation's code or a session's id (wire.ValidCode).
func codeParam(code string) error { return refusal(wire.ValidCode(code)) }

// nameParam checks a person's name as it is looked up (an account to add,
// to ban, to write to): at most wire.MaxNameRunes, valid UTF-8.
func nameParam(name string) error {
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > wire.MaxNameRunes || strings.TrimSpace(name) != name {
		return invalid(wire.CodeBadName, "no account is named %.40q", name)
	}
	return nil
}

// textParam checks a message's text (wire.ValidText); one over the limit
// is TooLarge.
func textParam(text string) error {
	if err := wire.ValidText(text); err != nil {
		e := refusal(err).(*Error)
		if len(text) > wire.MaxTextBytes {
			e.Status = TooLarge
		}
		return e
	}
	return nil
}
