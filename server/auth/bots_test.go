package auth

import (
	"context"
	"errors"
	"testing"
)

// TestRotateDoesNotUndoARevoke: a bot revoked between a token rotation's
// read of it and its write stays revoked, and the rotation says so.
func TestRotateDoesNotUndoARevoke(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	b, _, err := s.CreateBot(ctx, "helper", "", "admin-id")
	if err != nil {
		t.Fatal(err)
	}
	s.accounts = &hookedKV{KeyValue: s.accounts, key: botPrefix + b.ID, read: once(func() {
		if err := s.RevokeBot(ctx, b.ID, "admin-id"); err != nil {
			t.Error(err)
		}
	})}
	token, err := s.RotateBotToken(ctx, b.ID)
	if !errors.Is(err, ErrNoBot) {
		t.Errorf("rotating the token of a bot revoked meanwhile: %v, want %v", err, ErrNoBot)
	}
	if got, err := s.Bot(ctx, b.ID); !errors.Is(err, ErrNoBot) {
		t.Errorf("the revoked bot after the rotation: %+v, %v; want it gone", got, err)
	}
	if token != "" {
		if _, err := s.BotByToken(ctx, token); !errors.Is(err, ErrBadToken) {
			t.Errorf("the rotated token of a revoked bot: %v, want %v", err, ErrBadToken)
		}
	}
}
