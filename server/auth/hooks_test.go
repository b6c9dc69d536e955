package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"golang.org/x/crypto/argon2"
)

// hookedKV is a bucket that calls read after each read of one key, so
// that a test can let a write land between a method's read and its own
// write, where a race would put it.
type hookedKV struct {
	jetstream.KeyValue
	key  string
	read func()
}

func (h *hookedKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	e, err := h.KeyValue.Get(ctx, key)
	if key == h.key {
		h.read()
	}
	return e, err
}

// once runs f the first time it is called, not again, even from within f.
func once(f func()) func() {
	var done atomic.Bool
	return func() {
		if done.CompareAndSwap(false, true) {
			f()
		}
	}
}

// holdHashing takes every hashing slot: hashes wait until release.
func holdHashing(s *Store) (release func()) {
	for range cap(s.hashing) {
		s.hashing <- struct{}{}
	}
	return func() {
		for range cap(s.hashing) {
			<-s.hashing
		}
	}
}

// testClock is a Store's clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(s *Store) *testClock {
	c := &testClock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	s.now = c.now
	return c
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cheapHash is hashPassword at argon2id's cheapest parameters (which
// checkPassword reads from the hash), for tests where hashing is not the
// point: under -race a hash at the real ones takes the better part of a
// second.
func cheapHash(password string) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, 1, 8, 1, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=8,t=1,p=1$%s$%s", argon2.Version, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// addAccount makes an account as SignUp does, with a cheap hash, and sets
// the store to hash new passwords cheaply too.
func addAccount(t testing.TB, s *Store, name, password string) Account {
	t.Helper()
	s.hashNew = cheapHash
	ctx := context.Background()
	a := Account{ID: nuid.Next(), Name: name, Hash: cheapHash(password), Created: s.now().UTC()}
	if _, err := s.accounts.Create(ctx, nameKey(name), []byte(a.ID)); err != nil {
		t.Fatal(err)
	}
	if err := s.createAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}
