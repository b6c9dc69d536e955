// Package throttle limits how often one key (a name, an address, a
// person) may do something: n a period, in bursts of n (Throttle), or
// ever more rarely after failures (Backoff).
package throttle

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle limits attempts per key: n a period, in bursts of n. Keys not
// used for a period are forgotten, so the map holds only recent attempts,
// and it is bounded (MaxKeys, MaxKeyLen) even for a flood of new keys.
// It is per node: in a cluster someone spread over the nodes gets as many
// tries per node. All methods may be called concurrently.
type Throttle struct {
	n      int
	period time.Duration
	max    int

	mu       sync.Mutex
	keys     map[string]*throttled
	lastTrim time.Time
}

type throttled struct {
	lim  *rate.Limiter
	seen time.Time
}

// New makes a Throttle of n a period.
func New(n int, period time.Duration, opts ...Option) *Throttle {
	return &Throttle{n: n, period: period, max: configure(opts).maxKeys, keys: make(map[string]*throttled)}
}

// Allow spends one attempt of key; when none is left it says how long
// until there is one.
func (t *Throttle) Allow(key string, now time.Time) (bool, time.Duration) {
	key = heldKey(key)
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.lastTrim) > t.period {
		t.trim(now)
	}
	k := t.keys[key]
	if k == nil {
		t.room(now)
		k = &throttled{lim: rate.NewLimiter(rate.Every(t.period/time.Duration(t.n)), t.n)}
		t.keys[key] = k
	}
	k.seen = now
	r := k.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// trim forgets the keys not used for a period: they have all their
// attempts back, as a new key has.
func (t *Throttle) trim(now time.Time) {
	for k, v := range t.keys {
		if now.Sub(v.seen) > t.period {
			delete(t.keys, k)
		}
	}
	t.lastTrim = now
}

// room makes room for one more key. What is evicted has the most attempts
// left (ties: the one unused longest), so that a flood of new keys gives
// back as few attempts as it can to keys that were spending them.
func (t *Throttle) room(now time.Time) {
	if len(t.keys) < t.max {
		return
	}
	if now.Sub(t.lastTrim) >= fullTrimGap {
		t.trim(now)
	}
	for len(t.keys) >= t.max {
		evict(t.keys, func(a, b *throttled) bool {
			ta, tb := a.lim.TokensAt(now), b.lim.TokensAt(now)
			return ta > tb || ta == tb && a.seen.Before(b.seen)
		})
	}
}
