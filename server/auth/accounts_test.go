package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestPasswordChangesDoNotUndoABan: password changes that read bo's
// account before an admin banned him and write after must not write back
// their copy of it, unbanned.
func TestPasswordChangesDoNotUndoABan(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	bo := addAccount(t, s, "bo", "correct horse")
	// Each change reads the account, then queues for a hashing slot; the
	// ban lands while they all wait. (Five stand for the forty of an
	// attack.)
	const changes = 5
	reads := make(chan struct{}, 100)
	s.accounts = &hookedKV{KeyValue: s.accounts, key: "u." + bo.ID, read: func() { reads <- struct{}{} }}
	release := holdHashing(s)
	var wg sync.WaitGroup
	for range changes {
		wg.Go(func() { _ = s.ChangePassword(ctx, bo.ID, "correct horse", "another horse") })
	}
	for range changes {
		<-reads
	}
	if err := s.Ban(ctx, bo.ID, "admin-id"); err != nil {
		t.Fatal(err)
	}
	release()
	wg.Wait()
	if a, err := s.Account(ctx, bo.ID); err != nil || !a.Banned || a.BannedBy != "admin-id" {
		t.Errorf("after the password changes bo is %+v, %v; want banned by admin-id", a, err)
	}
	if _, err := s.SignIn(ctx, "bo", "correct horse", "10.0.0.1"); !errors.Is(err, ErrBanned) {
		t.Errorf("bo signing in: %v, want %v", err, ErrBanned)
	}
}

// TestTwoPasswordChangesAtOnce: of two changes from the same old password,
// the second to be stored must not overwrite the first: it checked a
// password that is no longer the account's.
func TestTwoPasswordChangesAtOnce(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	reads := make(chan struct{}, 100)
	s.accounts = &hookedKV{KeyValue: s.accounts, key: "u." + ana.ID, read: func() { reads <- struct{}{} }}
	release := holdHashing(s)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, pw := range []string{"first new one", "second new one"} {
		wg.Go(func() { errs[i] = s.ChangePassword(ctx, ana.ID, "correct horse", pw) })
	}
	<-reads
	<-reads
	release()
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won < 0:
			won = i
		case err == nil:
			t.Fatalf("both changes were stored, the second over the first")
		case !errors.Is(err, ErrBadCredentials):
			t.Errorf("change %d: %v, want %v", i, err, ErrBadCredentials)
		}
	}
	if won < 0 {
		t.Fatal("neither change was stored")
	}
	a, _ := s.Account(ctx, ana.ID)
	if ok, err := checkPassword(a.Hash, []string{"first new one", "second new one"}[won]); !ok {
		t.Errorf("the account's password is not the change stored: %v", err)
	}
}

// TestAccountUpdatesAreNotLost: writers at once each get their change in,
// on top of the others', by reading again when they lose.
func TestAccountUpdatesAreNotLost(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	const writers = 10
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			if _, err := s.updateAccount(ctx, ana.ID, func(a *Account) error { a.InvitedTo += "x"; return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if a, _ := s.Account(ctx, ana.ID); len(a.InvitedTo) != writers {
		t.Errorf("%d of %d changes kept", len(a.InvitedTo), writers)
	}
	if _, err := s.updateAccount(ctx, "nobody", func(*Account) error { return nil }); !errors.Is(err, ErrNoAccount) {
		t.Errorf("an update of no account: %v", err)
	}
}
