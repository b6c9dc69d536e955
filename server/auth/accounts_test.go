package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
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
	for i := range changes {
		_, sess, err := s.NewSession(ctx, bo, fmt.Sprint("device ", i))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = s.ChangePassword(ctx, sess, "correct horse", "another horse") })
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
		_, sess, err := s.NewSession(ctx, ana, pw)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { errs[i] = s.ChangePassword(ctx, sess, "correct horse", pw) })
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

// TestPasswordChangeEndsOtherSessions: a cookie stolen before the change
// does not outlive it; the device the change was made on stays signed in.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	phone, current, err := s.NewSession(ctx, ana, "phone")
	if err != nil {
		t.Fatal(err)
	}
	stolen, _, err := s.NewSession(ctx, ana, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	bo := addAccount(t, s, "bo", "correct horse")
	bos, _, err := s.NewSession(ctx, bo, "phone")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassword(ctx, current, "correct horse", "new password!"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, stolen); !errors.Is(err, ErrNoSession) {
		t.Errorf("another session of the account after the change: %v, want it ended", err)
	}
	if _, err := s.Session(ctx, phone); err != nil {
		t.Errorf("the session the change was made in: %v, want it kept", err)
	}
	if _, err := s.Session(ctx, bos); err != nil {
		t.Errorf("another account's session: %v", err)
	}
}

// TestPasswordChangesAreThrottled: whoever holds a session cannot guess
// its account's password through the password form faster than a few
// times a minute, and a refused attempt costs no hash.
func TestPasswordChangesAreThrottled(t *testing.T) {
	s := openStore(t, nil)
	clock := newTestClock(s)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	_, sess, err := s.NewSession(ctx, ana, "phone")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := s.ChangePassword(ctx, sess, fmt.Sprint("guess ", i), "new password!"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	// With every hashing slot taken, a hash would wait out the context.
	release := holdHashing(s)
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = s.ChangePassword(hctx, sess, "correct horse", "new password!")
	cancel()
	release()
	var te *ThrottledError
	if !errors.As(err, &te) || te.RetryAfter <= 0 || te.RetryAfter > time.Minute {
		t.Fatalf("6th attempt in a minute: %v, want throttled before any hashing", err)
	}
	if !strings.Contains(err.Error(), "password") {
		t.Errorf("the refusal says %q: it should say what was tried too often", err)
	}
	clock.add(time.Minute)
	if err := s.ChangePassword(ctx, sess, "correct horse", "new password!"); err != nil {
		t.Errorf("a minute later: %v", err)
	}
}

// TestNamesNoAccountCanHave: a name too long for an account is no
// account's, answered without a lookup. (A 4 KB name made a key longer
// than a NATS subject may be, and the NATS server closed the store's
// connection: any signed-in person could do it with a name in a request.)
func TestNamesNoAccountCanHave(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	for _, name := range []string{strings.Repeat("a", 4096), strings.Repeat("é", 25), "ana\xff", ""} {
		if _, err := s.AccountNamed(ctx, name); !errors.Is(err, ErrNoAccount) {
			t.Errorf("AccountNamed(a name of %d bytes): %v, want %v", len(name), err, ErrNoAccount)
		}
		if taken, err := s.NameTaken(ctx, name); taken || err != nil {
			t.Errorf("NameTaken(a name of %d bytes): %v, %v", len(name), taken, err)
		}
	}
	if a, err := s.AccountNamed(ctx, "ana"); err != nil || a.ID != ana.ID {
		t.Errorf("the store after those: %+v, %v", a, err)
	}
}
