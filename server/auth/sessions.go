package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Session is one device signed in, or a guest. The cookie holds the user id
// and a random token; the store keeps only a hash of the token, so that
// whoever reads the bucket cannot sign in as anyone.
type Session struct {
	Key     string    `json:"-"` // its key in the bucket: s.<user>.<token hash>
	User    string    `json:"user"`
	Name    string    `json:"name"`
	Guest   bool      `json:"guest,omitempty"`
	Admin   bool      `json:"admin,omitempty"`
	Agent   string    `json:"agent,omitempty"` // the browser, as it said
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
	// rev is the record's revision as read, which Touch writes over and
	// only over: never over a revocation.
	rev uint64
}

// ID names the session for the person listing their devices (the hash's
// start: enough to tell them apart, useless to sign in with).
func (s Session) ID() string { return s.Key[strings.LastIndexByte(s.Key, '.')+1:][:12] }

func sessionKey(user, token string) string {
	h := sha256.Sum256([]byte(token))
	return "s." + user + "." + base64.RawURLEncoding.EncodeToString(h[:])
}

// NewSession signs a into a new session; its cookie value is what the
// browser keeps.
func (s *Store) NewSession(ctx context.Context, a Account, agent string) (cookie string, sess Session, err error) {
	return s.newSession(ctx, Session{User: a.ID, Name: a.Name, Admin: a.Admin}, agent)
}

// NewGuest opens a session for a visitor without an account, under a name
// the server picks (GuestName); at most 60 a minute from one address.
func (s *Store) NewGuest(ctx context.Context, agent, addr string) (cookie string, sess Session, err error) {
	if ok, wait := s.guests.Allow(addr, s.now()); !ok {
		return "", Session{}, &ThrottledError{RetryAfter: wait}
	}
	return s.newSession(ctx, Session{User: "g" + nuid.Next(), Name: GuestName(), Guest: true}, agent)
}

// GuestPrefix starts every name the server gives a guest; no account may
// take such a name, so a guest never shows as someone who signed up.
const GuestPrefix = "guest-"

// GuestName is a new guest's name: guest- and six letters or digits, so
// that two guests at once practically never share one.
func GuestName() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return GuestPrefix + string(b[:])
}

func (s *Store) newSession(ctx context.Context, sess Session, agent string) (string, Session, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	if len(agent) > 200 {
		agent = agent[:200]
	}
	sess.Agent = agent
	sess.Created = s.now().UTC()
	sess.Seen = sess.Created
	sess.Key = sessionKey(sess.User, token)
	data, _ := json.Marshal(sess)
	rev, err := s.sessions.Create(ctx, sess.Key, data)
	if err != nil {
		return "", Session{}, err
	}
	sess.rev = rev
	return sess.User + "." + token, sess, nil
}

// Session finds the session of a cookie value. A session's account is
// read with it, for its record is the truth and the session's copy may be
// stale: the session of an account gone or banned is refused and ended
// (a sign-in that checked the account just before a ban may have made it
// just after), and Name and Admin are the account's as it is now. A
// guest's session has no account.
func (s *Store) Session(ctx context.Context, cookie string) (Session, error) {
	user, token, ok := strings.Cut(cookie, ".")
	if !ok || !plausibleID(user) || token == "" {
		return Session{}, ErrNoSession
	}
	e, err := s.sessions.Get(ctx, sessionKey(user, token))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	var sess Session
	if err := json.Unmarshal(e.Value(), &sess); err != nil {
		return Session{}, err
	}
	sess.Key, sess.rev = e.Key(), e.Revision()
	if isGuest(sess) {
		return sess, nil
	}
	a, err := s.Account(ctx, sess.User)
	switch {
	case errors.Is(err, ErrNoAccount) || err == nil && (a.Banned || a.Bot):
		if err := s.Revoke(ctx, sess.Key); err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	case err != nil:
		return Session{}, err
	}
	sess.Name, sess.Admin = a.Name, a.Admin
	return sess, nil
}

// isGuest says whether a session is a guest's: no account stands behind
// it. A guest's user id is "g" and a nuid, which an account's (a nuid)
// may also start with, so the record's word is needed too.
func isGuest(sess Session) bool { return sess.Guest && strings.HasPrefix(sess.User, "g") }

// Touch records that a session was used, which also keeps it from
// expiring (the bucket's TTL counts from the last write). Once a day is
// enough for that. It writes only over the record sess was read from: a
// session revoked since stays revoked (and one touched since is fresh).
func (s *Store) Touch(ctx context.Context, sess Session) {
	if s.now().Sub(sess.Seen) < 24*time.Hour || sess.rev == 0 {
		return
	}
	sess.Seen = s.now().UTC()
	data, _ := json.Marshal(sess)
	_, _ = s.sessions.Update(ctx, sess.Key, data, sess.rev)
}

// Sessions lists a user's sessions.
func (s *Store) Sessions(ctx context.Context, user string) ([]Session, error) {
	if !plausibleID(user) {
		return nil, nil
	}
	lister, err := s.sessions.ListKeysFiltered(ctx, "s."+user+".*")
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var out []Session
	for key := range lister.Keys() {
		e, err := s.sessions.Get(ctx, key)
		if err != nil {
			continue
		}
		var sess Session
		if json.Unmarshal(e.Value(), &sess) == nil {
			sess.Key, sess.rev = key, e.Revision()
			out = append(out, sess)
		}
	}
	return out, nil
}

// Revoke ends one session.
func (s *Store) Revoke(ctx context.Context, key string) error {
	return s.sessions.Delete(ctx, key)
}

// RevokeAll ends every session of a user.
func (s *Store) RevokeAll(ctx context.Context, user string) error {
	return s.revokeAllBut(ctx, user, "")
}

// revokeAllBut ends every session of a user but the one keyed keep.
func (s *Store) revokeAllBut(ctx context.Context, user, keep string) error {
	list, err := s.Sessions(ctx, user)
	if err != nil {
		return err
	}
	for _, sess := range list {
		if sess.Key == keep {
			continue
		}
		if err := s.Revoke(ctx, sess.Key); err != nil {
			return err
		}
	}
	return nil
}

// RevokeGuests ends every guest's session, for a server that admits
// members only: a cookie a guest got while it was open stops working. It
// says how many ended.
func (s *Store) RevokeGuests(ctx context.Context) (int, error) {
	lister, err := s.sessions.ListKeysFiltered(ctx, "s.>")
	if err != nil {
		return 0, err
	}
	var maybe []string
	for key := range lister.Keys() {
		if user, _, _ := strings.Cut(strings.TrimPrefix(key, "s."), "."); strings.HasPrefix(user, "g") {
			maybe = append(maybe, key)
		}
	}
	_ = lister.Stop()
	n := 0
	for _, key := range maybe {
		e, err := s.sessions.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		var sess Session
		if json.Unmarshal(e.Value(), &sess) != nil || !isGuest(sess) {
			continue // an account's id may start with g too
		}
		if err := s.Revoke(ctx, key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// WatchRevocations calls revoked with the key of every session that ends
// (signed out, revoked, its account banned), on every node, until ctx ends.
func (s *Store) WatchRevocations(ctx context.Context, revoked func(key string)) error {
	w, err := s.sessions.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		return err
	}
	go func() {
		defer w.Stop()
		for e := range w.Updates() {
			if e != nil && (e.Operation() == jetstream.KeyValueDelete || e.Operation() == jetstream.KeyValuePurge) {
				revoked(e.Key())
			}
		}
	}()
	return nil
}
