package throttle

import (
	"crypto/sha256"
	"time"
)

// The maps of this package are bounded, in keys and in each key's length,
// so that whoever chooses the keys (names typed into a sign-in form,
// addresses) cannot make a node hold more than a few megabytes for them.
const (
	// DefaultMaxKeys is how many keys a Throttle or Backoff holds unless
	// told otherwise (MaxKeys).
	DefaultMaxKeys = 100_000
	// MaxKeyLen is the longest key held as it is; a longer one is held as
	// its SHA-256 (32 bytes), which keeps two long keys apart.
	MaxKeyLen = 64
)

// Option tunes New or NewBackoff.
type Option func(*options)

type options struct{ maxKeys int }

// MaxKeys bounds the keys held (DefaultMaxKeys when n <= 0). A full map
// first drops the keys it no longer needs, then evicts one that has least
// to lose; it never grows past n.
func MaxKeys(n int) Option { return func(o *options) { o.maxKeys = n } }

func configure(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.maxKeys <= 0 {
		o.maxKeys = DefaultMaxKeys
	}
	return o
}

// heldKey is the key as the map holds it: at most MaxKeyLen bytes.
func heldKey(key string) string {
	if len(key) <= MaxKeyLen {
		return key
	}
	h := sha256.Sum256([]byte(key))
	return string(h[:])
}

// evictSample is how many entries a full map looks at to pick the one it
// evicts: a few taken at random (map order is), not all of them, so that a
// flood of new keys costs each one a constant time.
const evictSample = 8

// evict deletes, of a few entries of m, the one that matters least (less
// says a matters less than b).
func evict[V any](m map[string]V, less func(a, b V) bool) {
	var victim string
	var worst V
	i := 0
	for k, v := range m {
		if i == 0 || less(v, worst) {
			victim, worst = k, v
		}
		if i++; i == evictSample {
			break
		}
	}
	delete(m, victim)
}

// fullTrimGap is how often a full map looks again for keys it no longer
// needs (a pass over all of them) before evicting.
const fullTrimGap = time.Second
