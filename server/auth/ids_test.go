package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestOverlongIDsAreNotLookedUp: an id, cookie, bot token or invitation
// code far longer than any the store makes is refused without a lookup.
// (A key of 4 KB is longer than a NATS subject may be: the NATS server
// closed the store's connection, and nats.go does not reconnect after
// that; one request with such a cookie stopped the chat.)
func TestOverlongIDsAreNotLookedUp(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	long := strings.Repeat("A", 4096)
	if _, err := s.Session(ctx, long+".token"); !errors.Is(err, ErrNoSession) {
		t.Errorf("a cookie with a 4 KB user: %v, want %v", err, ErrNoSession)
	}
	if _, err := s.Account(ctx, long); !errors.Is(err, ErrNoAccount) {
		t.Errorf("an account id of 4 KB: %v, want %v", err, ErrNoAccount)
	}
	if _, err := s.BotByToken(ctx, long+".secret"); !errors.Is(err, ErrBadToken) {
		t.Errorf("a bot token of 4 KB: %v, want %v", err, ErrBadToken)
	}
	if _, err := s.PeekInvite(ctx, long); !errors.Is(err, ErrBadInvite) {
		t.Errorf("an invitation code of 4 KB: %v, want %v", err, ErrBadInvite)
	}
	if list, err := s.Sessions(ctx, long); len(list) != 0 || err != nil {
		t.Errorf("the sessions of a 4 KB user: %v, %v", list, err)
	}
	if a, err := s.Account(ctx, ana.ID); err != nil || a.Name != "ana" {
		t.Errorf("the store after those: %+v, %v", a, err)
	}
}
