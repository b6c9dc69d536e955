package app

import (
	"math/rand/v2"
	"time"
)

// Reconnect timing. The first retry comes quickly because most drops are a
// server restart or a network blip; the cap keeps a long outage from turning
// into a slow poll that a person mistakes for a dead page.
const (
	backoffMin  = 500 * time.Millisecond
	backoffMax  = 15 * time.Second
	stableAfter = 10 * time.Second // a connection that lived this long resets the backoff
)

// backoff yields the waits between reconnect attempts: doubling from min to
// max, each drawn at random from its upper half ("equal jitter"), so that the
// clients of a restarted server do not all come back in the same instant.
// The zero value is not usable; use newBackoff.
type backoff struct {
	min, max time.Duration
	attempt  int
	rand     func() float64 // in [0, 1); swapped in tests
}

func newBackoff() *backoff {
	return &backoff{min: backoffMin, max: backoffMax, rand: rand.Float64}
}

// next returns the wait before the next attempt and counts the attempt.
func (b *backoff) next() time.Duration {
	base := b.max
	// Past 30 doublings the shift would overflow; max is reached long before.
	if b.attempt < 30 {
		base = min(b.min<<b.attempt, b.max)
	}
	b.attempt++
	half := base / 2
	return half + time.Duration(b.rand()*float64(base-half))
}

// reset starts the sequence again after a connection proved stable.
func (b *backoff) reset() { b.attempt = 0 }
