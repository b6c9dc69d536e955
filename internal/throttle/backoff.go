package throttle

import (
	"sync"
	"time"
)

// BackoffPolicy says how a Backoff answers failures.
type BackoffPolicy struct {
	Free   int           // failures in a row that cost no wait
	First  time.Duration // the wait after those; each failure more doubles it
	Max    time.Duration // the longest wait
	Forget time.Duration // a key whose last failure is this old starts over
}

// Backoff makes a key wait ever longer after failures, rather than lock
// it out: after Free failures in a row the next attempt waits First from
// the last failure, the one after 2·First, and so on up to Max. Waiting is
// all it takes: however many attempts are refused meanwhile, none of them
// is a failure or makes the wait longer. Like Throttle it is per node and
// bounded (MaxKeys, MaxKeyLen). All methods may be called concurrently.
type Backoff struct {
	p   BackoffPolicy
	max int

	mu       sync.Mutex
	keys     map[string]*failures
	lastTrim time.Time
}

type failures struct {
	n    int       // in a row
	last time.Time // the last one
}

// NewBackoff makes a Backoff with policy p.
func NewBackoff(p BackoffPolicy, opts ...Option) *Backoff {
	return &Backoff{p: p, max: configure(opts).maxKeys, keys: make(map[string]*failures)}
}

// Wait is how long key must wait before its next attempt; 0 when it may
// try now.
func (b *Backoff) Wait(key string, now time.Time) time.Duration {
	key = heldKey(key)
	b.mu.Lock()
	defer b.mu.Unlock()
	f := b.keys[key]
	if f == nil || f.n < b.p.Free || now.Sub(f.last) >= b.p.Forget {
		return 0
	}
	return max(f.last.Add(b.delay(f.n)).Sub(now), 0)
}

// delay is the wait after n failures in a row (n >= Free).
func (b *Backoff) delay(n int) time.Duration {
	d := b.p.First
	for i := b.p.Free; i < n && d < b.p.Max; i++ {
		d *= 2
	}
	return min(d, b.p.Max)
}

// Fail counts a failure of key.
func (b *Backoff) Fail(key string, now time.Time) {
	key = heldKey(key)
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.lastTrim) > min(b.p.Forget, time.Minute) {
		b.trim(now)
	}
	f := b.keys[key]
	if f == nil {
		b.room(now)
		f = &failures{}
		b.keys[key] = f
	} else if now.Sub(f.last) >= b.p.Forget {
		f.n = 0
	}
	f.n++
	f.last = now
}

// Reset forgets key's failures (it succeeded).
func (b *Backoff) Reset(key string) {
	key = heldKey(key)
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.keys, key)
}

// trim forgets the keys whose last failure is Forget old.
func (b *Backoff) trim(now time.Time) {
	for k, f := range b.keys {
		if now.Sub(f.last) >= b.p.Forget {
			delete(b.keys, k)
		}
	}
	b.lastTrim = now
}

// room makes room for one more key. What is evicted has the fewest
// failures (ties: the oldest), so that a flood of new keys does not take
// the wait off a key that earned it.
func (b *Backoff) room(now time.Time) {
	if len(b.keys) < b.max {
		return
	}
	if now.Sub(b.lastTrim) >= fullTrimGap {
		b.trim(now)
	}
	for len(b.keys) >= b.max {
		evict(b.keys, func(x, y *failures) bool {
			return x.n < y.n || x.n == y.n && x.last.Before(y.last)
		})
	}
}
