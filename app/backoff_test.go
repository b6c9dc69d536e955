package app

import (
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999999} {
		b := newBackoff()
		b.rand = func() float64 { return r }
		base := backoffMin
		for attempt := range 40 {
			d := b.next()
			if d < base/2 || d > base {
				t.Fatalf("rand %v, attempt %d: %v outside [%v, %v]", r, attempt, d, base/2, base)
			}
			base = min(base*2, backoffMax)
		}
	}
}

func TestBackoffRandomJitter(t *testing.T) {
	b := newBackoff()
	seen := map[time.Duration]bool{}
	for range 50 {
		b.reset()
		seen[b.next()] = true
	}
	if len(seen) < 10 {
		t.Errorf("only %d distinct first waits in 50: no jitter?", len(seen))
	}
}

func TestBackoffReset(t *testing.T) {
	b := newBackoff()
	b.rand = func() float64 { return 0.999999 }
	for range 10 {
		b.next()
	}
	if d := b.next(); d < backoffMax/2 {
		t.Fatalf("not at the cap after 10 attempts: %v", d)
	}
	b.reset()
	if d := b.next(); d > backoffMin {
		t.Errorf("after reset: %v, want at most %v", d, backoffMin)
	}
}
