// Package throttle limits how often one key (a name, an address, a
// person) may do something: n a period, in bursts of n.
package throttle

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle limits attempts per key: n a period, in bursts of n. Keys not
// used for a period are forgotten, so the map holds only recent attempts.
// It is per node: in a cluster someone spread over the nodes gets as many
// tries per node. All methods may be called concurrently.
type Throttle struct {
	n      int
	period time.Duration

	mu       sync.Mutex
	keys     map[string]*throttled
	lastTrim time.Time
}

type throttled struct {
	lim  *rate.Limiter
	seen time.Time
}

// New makes a Throttle of n a period.
func New(n int, period time.Duration) *Throttle {
	return &Throttle{n: n, period: period, keys: make(map[string]*throttled)}
}

// Allow spends one attempt of key; when none is left it says how long
// until there is one.
func (t *Throttle) Allow(key string, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.lastTrim) > t.period {
		for k, v := range t.keys {
			if now.Sub(v.seen) > t.period {
				delete(t.keys, k)
			}
		}
		t.lastTrim = now
	}
	k := t.keys[key]
	if k == nil {
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
