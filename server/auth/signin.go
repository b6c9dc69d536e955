package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/internal/throttle"
)

// The per-name backoff of sign-ins (see SignIn).
var (
	nameBackoff = throttle.BackoffPolicy{Free: 5, First: time.Second, Max: time.Minute, Forget: 24 * time.Hour}
	pairBackoff = throttle.BackoffPolicy{Free: 5, First: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
)

// SignIn checks a name and password. addr is the caller's key for the
// client as the HTTP layer made it (an IPv4 address, or an IPv6 /64 such
// as "2001:db8:1:2::/64"); the store only keys maps with it.
//
// Guessing is slowed in three steps, in this order:
//
//   - Per address, SignInRate attempts a minute. An attempt refused here
//     spends nothing of the name's, so that no address can lock a name.
//   - A name no account can have (empty, longer than wire.MaxNameRunes
//     runes, not UTF-8) is answered ErrBadCredentials at once, and leaves
//     no per-name state behind.
//   - Per name (in any case), a backoff rather than a lock: five failures
//     in a row are free, then the next attempt waits 1 s from the last
//     failure, doubling with each failure more, up to a minute for the
//     name from all addresses together and up to 15 minutes for the name
//     from one address. A refused attempt (*ThrottledError, RetryAfter
//     the wait left) is no failure and does not lengthen the wait; a
//     success resets the name's count and that address's for the name;
//     failures a day old are forgotten. So guesses spread over the world
//     get one try a minute, one address guessing gets ever fewer, and the
//     owner waits at most a minute.
//
// An attempt counts as a failure from its start until it succeeds, so that
// attempts at once cannot all slip through one opening. An unknown name
// costs the same time as a wrong password, and is counted the same.
func (s *Store) SignIn(ctx context.Context, name, password, addr string) (Account, error) {
	now := s.now()
	if ok, wait := s.throttle.Allow("addr:"+addr, now); !ok {
		return Account{}, &ThrottledError{RetryAfter: wait}
	}
	if !couldBeName(name) {
		return Account{}, ErrBadCredentials
	}
	key := strings.ToLower(name)
	if wait := s.signIns.begin(key, addr, now); wait > 0 {
		return Account{}, &ThrottledError{RetryAfter: wait}
	}
	a, err := s.byName(ctx, name)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return Account{}, err
	}
	phc := a.Hash
	if phc == "" {
		phc = dummyHash
	}
	var ok bool
	if err := s.hash(ctx, func() { ok, _ = s.checkHash(phc, password) }); err != nil {
		return Account{}, err
	}
	if !ok || a.ID == "" || a.Bot {
		return Account{}, ErrBadCredentials
	}
	s.signIns.succeeded(key, addr)
	if a.Banned {
		return Account{}, ErrBanned
	}
	return a, nil
}

// signInLimits is the per-name state of SignIn's backoff.
type signInLimits struct {
	mu     sync.Mutex // a check and its count are one step, over both
	byName *throttle.Backoff
	byPair *throttle.Backoff // name and address
}

func newSignInLimits() *signInLimits {
	return &signInLimits{byName: throttle.NewBackoff(nameBackoff), byPair: throttle.NewBackoff(pairBackoff)}
}

// begin says how long an attempt on name from addr must wait; one that
// may go now (0) is counted as failed until succeeded says otherwise.
func (l *signInLimits) begin(name, addr string, now time.Time) time.Duration {
	pair := pairKey(name, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if wait := max(l.byName.Wait(name, now), l.byPair.Wait(pair, now)); wait > 0 {
		return wait
	}
	l.byName.Fail(name, now)
	l.byPair.Fail(pair, now)
	return 0
}

// succeeded resets the counts of name and of name from addr.
func (l *signInLimits) succeeded(name, addr string) {
	pair := pairKey(name, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byName.Reset(name)
	l.byPair.Reset(pair)
}

// pairKey is name and addr in one key; the length keeps "a b"+"c" apart
// from "a"+"b c".
func pairKey(name, addr string) string {
	return strconv.Itoa(len(name)) + ":" + name + "@" + addr
}
