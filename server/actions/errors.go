package actions

import (
	"errors"
	"fmt"
	"time"

	"chat/server/auth"
	"chat/server/broker"
	"chat/server/files"
	"chat/server/msgstate"
	"chat/server/push"
	"chat/server/rooms"
	"chat/wire"
)

// Status is what kind of refusal an Error is; each transport maps it to
// its own (an HTTP status, the WebSocket's error event with Code).
type Status uint8

const (
	Invalid         Status = iota + 1 // a parameter refused: HTTP 400
	Unauthenticated                   // no actor, or not the right kind: 401
	Forbidden                         // not this actor's to do: 403
	NotFound                          // nothing there, as far as this actor may know: 404
	Conflict                          // taken already: 409
	TooLarge                          // a body or text over its limit: 413
	Unprocessable                     // well-formed, but not something the server takes (a bad image): 422
	Throttled                         // too often: 429, with RetryAfter
	Unavailable                       // the store could not be reached, or the node is busy: 503, send again
	Full                              // out of space (a quota, the store): 507
)

// Error is an action's refusal: what kind (Status), the protocol's code,
// and the text a person is shown.
type Error struct {
	Status     Status
	Code       string        // a wire code (wire.CodeForbidden, ...)
	Text       string        // for a person: what happened and what to do
	Room       string        // the room it is about, if any (the WebSocket's error event names it)
	RetryAfter time.Duration // for Throttled and Unavailable: when to try again
}

func (e *Error) Error() string { return e.Text }

func fail(status Status, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Text: fmt.Sprintf(format, args...)}
}

func invalid(code, format string, args ...any) *Error { return fail(Invalid, code, format, args...) }

// Codes of refusals that the WebSocket protocol never had to name.
const (
	CodeSignIn    = "sign_in"    // the action needs a session, or a kind of actor this one is not
	CodeNotFound  = "not_found"  // nothing there (for this actor)
	CodeTaken     = "taken"      // a name or an item that exists already
	CodeTooLarge  = "too_large"  // over a size limit
	CodeBadFile   = "bad_file"   // a file the server does not take
	CodeQuota     = "quota"      // a person's or the server's space is used up
	CodeBadInvite = "bad_invite" // an invitation needed, spent or unknown
)

var errSignIn = fail(Unauthenticated, CodeSignIn, "not signed in")

func signUpFirst(what string) *Error {
	return fail(Forbidden, CodeSignIn, "sign up first: guests may not %s", what)
}

func adminsOnly() *Error { return fail(Forbidden, wire.CodeForbidden, "only an admin may do this") }

// roomForbidden is the one refusal for a room: it says nothing of whether
// the room exists.
func roomForbidden(room string) *Error {
	e := fail(Forbidden, wire.CodeForbidden, "this room is not open to you: it is private, or it does not exist")
	e.Room = room
	return e
}

func throttled(wait time.Duration, format string, args ...any) *Error {
	e := fail(Throttled, wire.CodeRateLimited, format, args...)
	e.RetryAfter = wait
	return e
}

// unavailable is a failure of the store, said so that the person knows to
// try again.
func unavailable(err error, format string, args ...any) *Error {
	e := fail(Unavailable, wire.CodeUnavailable, format+" (%v); try again", append(args, err)...)
	e.RetryAfter = time.Second
	return e
}

// refusal turns what the parts below answered into an *Error: their own
// errors, each with the status and text a person should get, and anything
// else (the store unreachable, a timeout) as unavailable. An *Error
// passes through.
func refusal(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var pe *wire.ProtocolError
	var te *auth.ThrottledError
	var pwe *auth.PasswordError
	switch {
	case errors.As(err, &pe):
		return protocolRefusal(pe)
	case errors.As(err, &te):
		return throttled(te.RetryAfter, "%s", te.Error())
	case errors.As(err, &pwe):
		return invalid(wire.CodeBadField, "%s", pwe.Text)
	case errors.Is(err, auth.ErrBadCredentials):
		return fail(Unauthenticated, CodeSignIn, "%s", err.Error())
	case errors.Is(err, auth.ErrBanned):
		return fail(Unauthenticated, CodeSignIn, "%s", err.Error())
	case errors.Is(err, auth.ErrNameTaken):
		return fail(Conflict, CodeTaken, "%s", err.Error())
	case errors.Is(err, auth.ErrNoAccount):
		return invalid(wire.CodeBadName, "%s", err.Error())
	case errors.Is(err, auth.ErrInviteRequired), errors.Is(err, auth.ErrBadInvite):
		return fail(Forbidden, CodeBadInvite, "%s", err.Error())
	case errors.Is(err, auth.ErrNoBot):
		return fail(NotFound, CodeNotFound, "%s", err.Error())
	case errors.Is(err, rooms.ErrForbidden):
		return roomForbidden("")
	case errors.Is(err, broker.ErrStoreFull):
		return fail(Full, wire.CodeStoreFull, "not stored: the server's message store is full; it cannot take messages until its operator frees space or raises -store-max")
	case errors.Is(err, msgstate.ErrTooManyReactions):
		return invalid(wire.CodeBadField, "this message has %d different reactions already: add to one of them", wire.MaxReactions)
	case errors.Is(err, push.ErrBadSubscription), errors.Is(err, push.ErrBadLevel):
		return invalid(wire.CodeBadField, "%s", err.Error())
	}
	if e := fileRefusal(err); e != nil {
		return e
	}
	return unavailable(err, "not done")
}

// protocolRefusal gives a protocol error of the parts below its status.
func protocolRefusal(pe *wire.ProtocolError) *Error {
	status := Invalid
	switch pe.Code {
	case wire.CodeForbidden:
		status = Forbidden
	case wire.CodeRateLimited:
		status = Throttled
	case wire.CodeUnavailable, wire.CodeBusy:
		status = Unavailable
	case wire.CodeStoreFull:
		status = Full
	}
	return &Error{Status: status, Code: pe.Code, Text: pe.Text}
}

// fileRefusal is a refused upload, with what a person can do about it.
func fileRefusal(err error) *Error {
	switch {
	case errors.Is(err, files.ErrTooBig):
		return fail(TooLarge, CodeTooLarge, "%s", err.Error())
	case errors.Is(err, files.ErrQuota):
		return fail(Full, CodeQuota, "%s: delete some of your messages with files to make room", err.Error())
	case errors.Is(err, files.ErrFull):
		return fail(Full, CodeQuota, "the server's file store is full; it takes files again when its operator frees space or raises -files-max-bytes")
	case errors.Is(err, files.ErrBadImage), errors.Is(err, files.ErrEmptyFile):
		return fail(Unprocessable, CodeBadFile, "%s", err.Error())
	case errors.Is(err, files.ErrBusy):
		e := fail(Unavailable, wire.CodeBusy, "too many uploads at once: try again in a moment")
		e.RetryAfter = 2 * time.Second
		return e
	case errors.Is(err, files.ErrNotFound):
		return fail(NotFound, CodeNotFound, "no such file")
	}
	return nil
}
