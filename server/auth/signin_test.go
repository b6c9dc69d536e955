package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// signIn is one attempt, and the wait it was told of (0 when none).
func signIn(t *testing.T, s *Store, name, password, addr string) (error, time.Duration) {
	t.Helper()
	_, err := s.SignIn(context.Background(), name, password, addr)
	var te *ThrottledError
	if errors.As(err, &te) {
		return err, te.RetryAfter
	}
	return err, 0
}

// TestSignInAddressFirst: an attempt refused for its address spends
// nothing of the name's, so one address hammering a name locks nobody out.
func TestSignInAddressFirst(t *testing.T) {
	s := openStore(t, &Options{SignInRate: 3})
	newTestClock(s)
	ana := addAccount(t, s, "ana", "correct horse")
	for i := range 3 {
		addAccount(t, s, fmt.Sprint("name", i), "correct horse")
		if err, _ := signIn(t, s, fmt.Sprint("name", i), "guess", "10.0.0.50"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	for range 5 {
		if _, wait := signIn(t, s, "ana", "guess", "10.0.0.50"); wait <= 0 {
			t.Fatal("a 4th attempt a minute from one address was not throttled")
		}
	}
	for i := range 2 {
		if err, _ := signIn(t, s, "ana", "guess", fmt.Sprint("10.0.1.", i)); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("ana from another address, after attempts refused for theirs: %v", err)
		}
	}
	if a, err := s.SignIn(context.Background(), "ana", "correct horse", "10.0.1.9"); err != nil || a.ID != ana.ID {
		t.Errorf("ana signing in, after attempts on her name refused for their address: %+v, %v", a, err)
	}
}

// TestSignInLongNamesLeaveNoTrace: a name no account can have (too long,
// not UTF-8) is a wrong name at once, and is not kept to throttle.
func TestSignInLongNamesLeaveNoTrace(t *testing.T) {
	s := openStore(t, nil)
	newTestClock(s)
	for _, name := range []string{strings.Repeat("é", 25), "ana\xff", strings.Repeat("a", 4096)} {
		for i := range 12 {
			if err, _ := signIn(t, s, name, "guess", fmt.Sprint("10.0.2.", i)); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("attempt %d with a name of %d bytes: %v, want %v and nothing kept", i+1, len(name), err, ErrBadCredentials)
			}
		}
	}
}

// TestSignInBacksOff: per name, failures make the next attempt wait ever
// longer, not lock the name: a few are free, then 1 s, doubling, up to a
// minute for the name from anywhere (longer from the address failing);
// a refused attempt does not lengthen the wait; a success resets it.
func TestSignInBacksOff(t *testing.T) {
	s := openStore(t, nil)
	clock := newTestClock(s)
	ctx := context.Background()
	ana := addAccount(t, s, "ana", "correct horse")
	for i := range 5 {
		if err, _ := signIn(t, s, "ana", "guess", fmt.Sprint("10.0.3.", i)); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("free failure %d: %v", i+1, err)
		}
	}
	if _, wait := signIn(t, s, "ANA", "correct horse", "10.9.9.9"); wait != time.Second {
		t.Fatalf("after 5 failures from anywhere: wait %v, want 1s", wait)
	}
	clock.add(600 * time.Millisecond)
	if _, wait := signIn(t, s, "ana", "guess", "10.0.3.0"); wait != 400*time.Millisecond {
		t.Errorf("asked again 600ms on: wait %v, want the 400ms left", wait)
	}
	clock.add(400 * time.Millisecond)
	if err, _ := signIn(t, s, "ana", "guess", "10.0.3.0"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("at the end of the wait: %v", err)
	}
	if _, wait := signIn(t, s, "ana", "correct horse", "10.9.9.9"); wait != 2*time.Second {
		t.Errorf("after 6 failures: wait %v, want 2s", wait)
	}
	// One address failing on and on: the name's wait stops at a minute,
	// the address's own for it goes on growing.
	const attacker = "2001:db8:1:2::/64"
	var got time.Duration
	for i := 0; got <= time.Minute; i++ {
		if i == 20 {
			t.Fatalf("after 20 failures from one address it waits %v, want more than the name's minute", got)
		}
		_, wait := signIn(t, s, "ana", "guess", attacker)
		clock.add(wait)
		if err, _ := signIn(t, s, "ana", "guess", attacker); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("at the end of the wait: %v", err)
		}
		_, got = signIn(t, s, "ana", "guess", attacker)
	}
	if _, wait := signIn(t, s, "ana", "correct horse", "10.9.9.9"); wait != time.Minute {
		t.Errorf("the owner from elsewhere waits %v, want the cap of a minute", wait)
	}
	clock.add(time.Minute)
	if a, err := s.SignIn(ctx, "ana", "correct horse", "10.9.9.9"); err != nil || a.ID != ana.ID {
		t.Fatalf("the owner after a minute: %+v, %v", a, err)
	}
	if _, wait := signIn(t, s, "ana", "guess", attacker); wait != got-time.Minute {
		t.Errorf("the owner's sign-in took the wait off the address failing: %v, want %v", wait, got-time.Minute)
	}
	// The owner's success gave the name its free failures back.
	for i := range 5 {
		if err, _ := signIn(t, s, "ana", "guess", fmt.Sprint("10.0.4.", i)); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d after a success: %v, want it free", i+1, err)
		}
	}
}
