// Package auth keeps the people of a chat server: accounts with hashed
// passwords, the sessions (devices) they are signed in on, guests, and the
// invitations that let people sign up. Everything is in NATS KV buckets, so
// that every node of a cluster knows every account and session, and the
// embedded default needs nothing else.
//
// All methods of Store may be called concurrently.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/internal/throttle"
)

// Bucket names.
const (
	AccountsBucket = "chat_accounts" // n.<name key> → account id; u.<id> → Account
	SessionsBucket = "chat_sessions" // s.<user id>.<token hash> → Session
	InvitesBucket  = "chat_invites"  // i.<code> → Invite
)

// PasswordChangeRate is the password changes an account may try a minute.
const PasswordChangeRate = 5

// Lifetimes.
const (
	SessionTTL = 30 * 24 * time.Hour // a session not used for this long is gone
	InviteTTL  = 7 * 24 * time.Hour
)

// Errors, each with the text a person is shown.
var (
	ErrNameTaken      = errors.New("that name is taken")
	ErrBadCredentials = errors.New("wrong name or password")
	ErrInviteRequired = errors.New("signing up needs an invitation on this server")
	ErrBadInvite      = errors.New("this invitation is not valid (used, expired, or mistyped)")
	ErrBanned         = errors.New("this account is banned")
	ErrNoSession      = errors.New("not signed in")
)

// Store is the accounts, sessions and invitations of a server.
type Store struct {
	accounts  jetstream.KeyValue
	sessions  jetstream.KeyValue
	invites   jetstream.KeyValue
	throttle  *throttle.Throttle // sign-ins and sign-ups, per address
	signIns   *signInLimits      // sign-ins, per name (signin.go)
	guests    *throttle.Throttle // new guests, per address
	passwords *throttle.Throttle // password changes, per account
	// hashing bounds the argon2id hashes computed at once: each takes 19
	// MiB, and a flood of sign-ins must not take the server's memory.
	hashing chan struct{}
	// hashNew hashes a new password: hashPassword, but for tests that
	// would otherwise spend most of their time hashing.
	hashNew func(password string) string
	// checkHash checks a password against a PHC string: checkPassword,
	// but for the test that sees an unknown name do the same work as a
	// known one.
	checkHash func(phc, password string) (bool, error)
	now       func() time.Time
}

// Options tunes Open. A nil *Options or zero field means the default.
type Options struct {
	// Replicas of each bucket; default 1.
	Replicas int
	// Hashes computed at once; default 2.
	ConcurrentHashes int
	// SignInRate is the sign-in attempts allowed per address each minute
	// (bursts of as many); default 10. Per name, SignIn backs off instead.
	SignInRate int
}

// Open creates the buckets if they are missing and returns the store.
func Open(ctx context.Context, js jetstream.JetStream, o *Options) (*Store, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	opts.Replicas = max(opts.Replicas, 1)
	if opts.ConcurrentHashes <= 0 {
		opts.ConcurrentHashes = 2
	}
	if opts.SignInRate <= 0 {
		opts.SignInRate = 10
	}
	s := &Store{
		throttle:  throttle.New(opts.SignInRate, time.Minute),
		signIns:   newSignInLimits(),
		guests:    throttle.New(60, time.Minute),
		passwords: throttle.New(PasswordChangeRate, time.Minute),
		hashing:   make(chan struct{}, opts.ConcurrentHashes),
		hashNew:   hashPassword,
		checkHash: checkPassword,
		now:       time.Now,
	}
	for _, b := range []struct {
		kv  *jetstream.KeyValue
		cfg jetstream.KeyValueConfig
	}{
		{&s.accounts, jetstream.KeyValueConfig{Bucket: AccountsBucket, Description: "chat accounts", History: 1, Storage: jetstream.FileStorage, Replicas: opts.Replicas}},
		{&s.sessions, jetstream.KeyValueConfig{Bucket: SessionsBucket, Description: "chat sessions, by user", History: 1, TTL: SessionTTL, Storage: jetstream.FileStorage, Replicas: opts.Replicas}},
		{&s.invites, jetstream.KeyValueConfig{Bucket: InvitesBucket, Description: "chat invitations", History: 1, TTL: InviteTTL, Storage: jetstream.FileStorage, Replicas: opts.Replicas}},
	} {
		kv, err := js.CreateOrUpdateKeyValue(ctx, b.cfg)
		if err != nil {
			return nil, fmt.Errorf("KV bucket %s: %w", b.cfg.Bucket, err)
		}
		*b.kv = kv
	}
	return s, nil
}

// hash runs f (an argon2id computation) when a slot is free.
func (s *Store) hash(ctx context.Context, f func()) error {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashing }()
	f()
	return nil
}
