package throttle

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := NewBackoff(BackoffPolicy{Free: 2, First: time.Second, Max: 5 * time.Second, Forget: time.Hour})
	now := time.Unix(1000, 0)
	for i := range 2 {
		if w := b.Wait("ana", now); w != 0 {
			t.Fatalf("free failure %d: wait %v", i+1, w)
		}
		b.Fail("ana", now)
	}
	if w := b.Wait("ana", now); w != time.Second {
		t.Fatalf("after the free failures: wait %v, want 1s", w)
	}
	// Asking again is not a failure: the wait runs down, no longer.
	if w := b.Wait("ana", now.Add(600*time.Millisecond)); w != 400*time.Millisecond {
		t.Errorf("asked again 600ms later: wait %v, want 400ms", w)
	}
	if w := b.Wait("bo", now); w != 0 {
		t.Errorf("another key waits %v", w)
	}
	// Each failure more doubles the wait, up to Max.
	for _, want := range []time.Duration{2, 4, 5, 5} {
		now = now.Add(b.Wait("ana", now))
		if w := b.Wait("ana", now); w != 0 {
			t.Fatalf("still %v to wait at the end of the wait", w)
		}
		b.Fail("ana", now)
		if w := b.Wait("ana", now); w != want*time.Second {
			t.Errorf("wait %v, want %v", w, want*time.Second)
		}
	}
	b.Reset("ana")
	if w := b.Wait("ana", now); w != 0 {
		t.Errorf("after a reset: wait %v", w)
	}
	// Failures an hour old are forgotten.
	b.Fail("cy", now)
	b.Fail("cy", now)
	b.Fail("cy", now.Add(time.Hour))
	if w := b.Wait("cy", now.Add(time.Hour)); w != 0 {
		t.Errorf("a failure an hour after the last ones waits %v, as if they counted", w)
	}
}

// TestBackoffIsBounded: a flood of new keys cannot grow the map past its
// bound nor take the wait off a key that earned it; a long key is held
// short.
func TestBackoffIsBounded(t *testing.T) {
	b := NewBackoff(BackoffPolicy{Free: 1, First: time.Minute, Max: time.Hour, Forget: 24 * time.Hour}, MaxKeys(3))
	now := time.Unix(1000, 0)
	b.Fail("ana", now)
	b.Fail("ana", now)
	for i := range 100 {
		b.Fail(fmt.Sprint("flood", i), now)
		if n := len(b.keys); n > 3 {
			t.Fatalf("%d keys held with a bound of 3", n)
		}
	}
	if w := b.Wait("ana", now); w != 2*time.Minute {
		t.Errorf("after the flood ana waits %v, want 2m", w)
	}
	long := strings.Repeat("n", 4096)
	b.Fail(long, now)
	b.Fail(long, now)
	if w := b.Wait(long, now); w != 2*time.Minute {
		t.Errorf("a long key waits %v, want 2m: its failures are not one key's", w)
	}
	for k := range b.keys {
		if len(k) > MaxKeyLen {
			t.Errorf("a key of %d bytes is held", len(k))
		}
	}
}
