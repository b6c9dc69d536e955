package actions

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"chat/server/auth"
	"chat/server/files"
	"chat/server/rooms"
	"chat/wire"
)

// TestParamsRefuseWhatReachesNATS: each kind of parameter is checked by
// its one function, and what NATS would read as separators or wildcards
// (or a key of kilobytes, which closes the connection) never passes.
func TestParamsRefuseWhatReachesNATS(t *testing.T) {
	for _, odd := range []string{"*", ">", "a.b", "p-*", "a b", "", strings.Repeat("a", 16000), "dm->", "chat.room.*"} {
		if err := roomParam(odd); err == nil {
			t.Errorf("room %.40q passed", odd)
		} else if e := err.(*Error); e.Status != Invalid || e.Code != wire.CodeBadRoom || len(e.Room) > 4*wire.MaxRoomLen {
			t.Errorf("room %.40q: %+v", odd, e)
		}
		if err := userParam(odd); err == nil {
			t.Errorf("user %.40q passed", odd)
		}
		if err := fileParam(odd); err == nil {
			t.Errorf("file %.40q passed", odd)
		}
		if err := codeParam(odd); err == nil {
			t.Errorf("code %.40q passed", odd)
		}
	}
	for _, ok := range []string{"town", "p-abcdefghijklmnop", "dm-abc"} {
		if err := roomParam(ok); err != nil {
			t.Errorf("room %q: %v", ok, err)
		}
	}
	if err := seqParam("target", 0); err == nil {
		t.Error("seq 0 passed")
	}
	if err := nameParam(strings.Repeat("é", wire.MaxNameRunes+1)); err == nil {
		t.Error("a name over the limit passed")
	}
	if e := textParam(strings.Repeat("a", wire.MaxTextBytes+1)).(*Error); e.Status != TooLarge {
		t.Errorf("a text over the limit: %+v, want TooLarge", e)
	}
}

// TestRefusalsSayWhatKind: what the parts below answer becomes an Error
// with the status the transports map, and the room's refusal says nothing
// of whether the room exists.
func TestRefusalsSayWhatKind(t *testing.T) {
	for _, c := range []struct {
		err    error
		status Status
	}{
		{rooms.ErrForbidden, Forbidden},
		{auth.ErrBadCredentials, Unauthenticated},
		{auth.ErrNameTaken, Conflict},
		{&auth.ThrottledError{}, Throttled},
		{fmt.Errorf("wrapped: %w", files.ErrQuota), Full},
		{files.ErrBadImage, Unprocessable},
		{files.ErrTooBig, TooLarge},
		{wire.Errorf(wire.CodeBadRoom, "x"), Invalid},
		{wire.Errorf(wire.CodeBusy, "x"), Unavailable},
		{errors.New("nats: timeout"), Unavailable},
	} {
		var e *Error
		if !errors.As(refusal(c.err), &e) || e.Status != c.status {
			t.Errorf("%v: %+v, want status %d", c.err, e, c.status)
		}
	}
	if a, b := roomForbidden("p-exists").Text, roomForbidden("p-doesnotexist").Text; a != b {
		t.Errorf("the refusals of two rooms differ: %q, %q", a, b)
	}
}
