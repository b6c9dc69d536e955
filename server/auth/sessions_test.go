package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSessionFollowsItsAccount: an account's record is the truth, not the
// copy its session was made with: a session of an account gone or banned
// is refused and ended, and the name and admin rights a session shows are
// the account's as they are now.
func TestSessionFollowsItsAccount(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	// A session made from a stale copy: an admin since demoted, renamed.
	stale, _, err := s.NewSession(ctx, Account{ID: ana.ID, Name: "someone-else", Admin: true}, "phone")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, stale); err != nil || got.Name != "ana" || got.Admin {
		t.Errorf("session of a stale copy: %+v, %v; want ana, no admin", got, err)
	}
	// A sign-in that checked ana before the ban, its session made after.
	if err := s.Ban(ctx, ana.ID, "admin-id"); err != nil {
		t.Fatal(err)
	}
	late, _, err := s.NewSession(ctx, ana, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, late); !errors.Is(err, ErrNoSession) {
		t.Errorf("a banned account's session: %+v, %v; want %v", got, err, ErrNoSession)
	}
	if list, _ := s.Sessions(ctx, ana.ID); len(list) != 0 {
		t.Errorf("a banned account's session refused but kept: %+v", list)
	}
	bo := addAccount(t, s, "bo", "correct horse")
	cookie, _, err := s.NewSession(ctx, bo, "phone")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.accounts.Delete(ctx, "u."+bo.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, cookie); !errors.Is(err, ErrNoSession) {
		t.Errorf("the session of an account gone: %+v, %v; want %v", got, err, ErrNoSession)
	}
	if list, _ := s.Sessions(ctx, bo.ID); len(list) != 0 {
		t.Errorf("the session of an account gone refused but kept: %+v", list)
	}
	guest, g, err := s.NewGuest(ctx, "browser", "10.1.1.3")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, guest); err != nil || !got.Guest || got.Name != g.Name {
		t.Errorf("a guest's session (no account): %+v, %v", got, err)
	}
}

// TestRevokeGuests ends the guests' sessions, and only theirs: an account
// whose id starts with "g" as a guest's does keeps its own.
func TestRevokeGuests(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	anas, _, err := s.NewSession(ctx, ana, "phone")
	if err != nil {
		t.Fatal(err)
	}
	gus := Account{ID: "gUSaccount0123456789ab", Name: "gus", Hash: cheapHash("correct horse")}
	if err := s.createAccount(ctx, gus); err != nil {
		t.Fatal(err)
	}
	guss, _, err := s.NewSession(ctx, gus, "phone")
	if err != nil {
		t.Fatal(err)
	}
	var guests []string
	for range 3 {
		c, _, err := s.NewGuest(ctx, "browser", "10.1.1.3")
		if err != nil {
			t.Fatal(err)
		}
		guests = append(guests, c)
	}
	if n, err := s.RevokeGuests(ctx); n != 3 || err != nil {
		t.Errorf("RevokeGuests: %d, %v; want 3 ended", n, err)
	}
	for _, c := range guests {
		if _, err := s.Session(ctx, c); !errors.Is(err, ErrNoSession) {
			t.Errorf("a guest's session after RevokeGuests: %v", err)
		}
	}
	for _, c := range []string{anas, guss} {
		if _, err := s.Session(ctx, c); err != nil {
			t.Errorf("an account's session after RevokeGuests: %v", err)
		}
	}
}

// TestTouchDoesNotUndoARevoke: a request that read its session just
// before it was revoked must not write it back when it marks it used.
func TestTouchDoesNotUndoARevoke(t *testing.T) {
	s := openStore(t, nil)
	clock := newTestClock(s)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	cookie, _, err := s.NewSession(ctx, ana, "phone")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.Session(ctx, cookie)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, sess.Key); err != nil { // signed out on another tab
		t.Fatal(err)
	}
	clock.add(25 * time.Hour) // a day on: Touch writes
	s.Touch(ctx, sess)
	if got, err := s.Session(ctx, cookie); !errors.Is(err, ErrNoSession) {
		t.Errorf("a revoked session after a late Touch: %+v, %v; want it still ended", got, err)
	}
	// A live session is touched.
	cookie, _, err = s.NewSession(ctx, ana, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	sess, _ = s.Session(ctx, cookie)
	clock.add(25 * time.Hour)
	s.Touch(ctx, sess)
	if got, err := s.Session(ctx, cookie); err != nil || !got.Seen.Equal(clock.now()) {
		t.Errorf("a touched session: %+v, %v; want seen at %v", got, err, clock.now())
	}
}
