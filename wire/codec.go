package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
)

// Error codes carried by error events. A client can switch on them; the
// event's text says the same thing for a person.
const (
	CodeBadJSON     = "bad_json"     // a line is not a JSON object
	CodeBadField    = "bad_field"    // a field has the wrong JSON type
	CodeUnknownType = "unknown_type" // "type" missing or not one of the client types
	CodeBadRoom     = "bad_room"     // room name refused (see ValidRoom)
	CodeBadName     = "bad_name"     // nickname refused (see ValidName)
	CodeBadText     = "bad_text"     // message text empty or too long
	CodeBadID       = "bad_id"       // client message id refused (see ValidID)
	CodeNotJoined   = "not_joined"   // send or leave for a room the connection is not in
	CodeTooMany     = "too_many"     // too many rooms joined on one connection
	CodeRateLimited = "rate_limited" // sending faster than the per-connection rate
	CodeUnavailable = "unavailable"  // the message could not be stored; try again
	CodeStoreFull   = "store_full"   // the message store is out of space: not stored, and a resend will not help until an operator frees some
	CodeBusy        = "busy"         // the server is behind delivering messages: not stored; send it again in a moment
	CodeGoingAway   = "going_away"   // the server is closing this connection; the text says why
	CodeForbidden   = "forbidden"    // not yours to do: a private room you are not in (or that does not exist: the answer is the same), a message that is not yours to delete, a room a token does not allow
)

// ProtocolError is a client mistake that the connection survives: the server
// answers it with an error event carrying Code and Text.
type ProtocolError struct {
	Code string
	Text string
}

func (e *ProtocolError) Error() string { return e.Code + ": " + e.Text }

// Errorf builds a ProtocolError.
func Errorf(code, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Text: fmt.Sprintf(format, args...)}
}

// Lines yields the non-empty lines of an NDJSON frame, without the '\n'.
func Lines(frame []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for line := range bytes.SplitSeq(frame, []byte{'\n'}) {
			line = bytes.TrimRight(line, "\r")
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if !yield(line) {
				return
			}
		}
	}
}

// Decode parses one event (one line of a frame). Its error is a
// *ProtocolError that names the problem: invalid JSON, a field of the wrong
// type, or a missing type.
func Decode(line []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(line, &ev); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			if typeErr.Field == "" {
				return Event{}, Errorf(CodeBadJSON, "an event must be a JSON object, got %s", typeErr.Value)
			}
			return Event{}, Errorf(CodeBadField, "field %q must be %s, got %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		}
		return Event{}, Errorf(CodeBadJSON, "invalid JSON: %v", err)
	}
	if ev.Type == "" {
		return Event{}, Errorf(CodeUnknownType, `missing "type"`)
	}
	return ev, nil
}

// jsonKind names a Go kind the way a JSON author would.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "uint64", "int", "int64", "uint", "uint32", "int32":
		return "a number"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	}
	return kind
}

// Encode returns the JSON of one event, without a newline. It does not
// escape <, > and & as HTML: clients render text as text, and the escapes
// would make frames up to six times larger.
func Encode(ev Event) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		// Event holds only strings, numbers, a time and a string slice: this
		// cannot fail short of a time outside years 0-9999.
		panic("wire: encode: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

// AppendFrame appends events to an NDJSON frame: a '\n' between events.
func AppendFrame(frame []byte, event []byte) []byte {
	if len(frame) > 0 {
		frame = append(frame, '\n')
	}
	return append(frame, event...)
}
