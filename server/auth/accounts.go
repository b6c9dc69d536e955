package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"chat/wire"
)

// Account is a person with a name and a password.
type Account struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Hash     string    `json:"hash"`
	Admin    bool      `json:"admin,omitempty"`
	Bot      bool      `json:"bot,omitempty"` // a bot (bots.go): no password, never signs in
	Banned   bool      `json:"banned,omitempty"`
	BannedBy string    `json:"banned_by,omitempty"` // the admin's id
	BannedAt time.Time `json:"banned_at,omitzero"`
	// InvitedBy and InvitedTo say whose invitation the account signed up
	// with, and the room it let them into.
	InvitedBy string    `json:"invited_by,omitempty"`
	InvitedTo string    `json:"invited_to,omitempty"`
	Created   time.Time `json:"created"`
}

// couldBeName says whether an account could have name, cheaply: one that
// is empty, too long or not UTF-8 cannot. Such a name is never looked up
// (a key made of 4 KB of name is longer than a NATS subject may be: the
// server closes the connection that sends it) nor kept to throttle.
func couldBeName(name string) bool {
	return name != "" && len(name) <= 4*wire.MaxNameRunes && utf8.ValidString(name) && utf8.RuneCountInString(name) <= wire.MaxNameRunes
}

// nameKey is the key a name is claimed under: the same for every way of
// writing it in a different case, so that "Ana" cannot sit beside "ana".
func nameKey(name string) string {
	return "n." + base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(name)))
}

// ThrottledError says an attempt (a sign-in, unless it says otherwise) was
// refused for too many attempts.
type ThrottledError struct {
	RetryAfter time.Duration
	what       string // "sign-in attempts" when ""
}

func (e *ThrottledError) Error() string {
	what := e.what
	if what == "" {
		what = "sign-in attempts"
	}
	return fmt.Sprintf("too many %s: try again in %d s", what, int(e.RetryAfter.Seconds()+0.5))
}

// adminKey is claimed by the first admin (the first-run invitation's
// user), once.
const adminKey = "meta.admin"

// SignUp creates an account. With invites required, invite must be a
// valid code; it is used up either way. The first-run invitation's user
// is the server's admin.
//
// Sign-ups are throttled per address like sign-ins.
func (s *Store) SignUp(ctx context.Context, name, password, invite string, invitesRequired bool, addr string) (Account, error) {
	if ok, wait := s.throttle.Allow("signup:"+addr, s.now()); !ok {
		return Account{}, &ThrottledError{RetryAfter: wait}
	}
	if err := wire.ValidName(name); err != nil {
		return Account{}, err
	}
	if strings.HasPrefix(strings.ToLower(name), GuestPrefix) {
		return Account{}, wire.Errorf(wire.CodeBadName, "names starting with %q are for guests", GuestPrefix)
	}
	if err := ValidPassword(password); err != nil {
		return Account{}, err
	}
	if invitesRequired && invite == "" {
		return Account{}, ErrInviteRequired
	}
	if taken, err := s.NameTaken(ctx, name); err != nil {
		return Account{}, err
	} else if taken {
		return Account{}, ErrNameTaken
	}
	a := Account{ID: nuid.Next(), Name: name, Created: s.now().UTC()}
	if invite != "" {
		inv, err := s.UseInvite(ctx, invite)
		if err != nil {
			return Account{}, err
		}
		a.InvitedBy, a.InvitedTo = inv.By, inv.Room
		if inv.By == SetupBy {
			_, err := s.accounts.Create(ctx, adminKey, []byte(a.ID))
			a.Admin = err == nil // an older setup link loses to the one used first
		}
	}
	if err := s.hash(ctx, func() { a.Hash = s.hashNew(password) }); err != nil {
		return Account{}, err
	}
	if _, err := s.accounts.Create(ctx, nameKey(name), []byte(a.ID)); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return Account{}, ErrNameTaken
		}
		return Account{}, err
	}
	if err := s.createAccount(ctx, a); err != nil {
		return Account{}, err
	}
	return a, nil
}

// createAccount writes a new account's record, never over another.
func (s *Store) createAccount(ctx context.Context, a Account) error {
	data, _ := json.Marshal(a)
	_, err := s.accounts.Create(ctx, "u."+a.ID, data)
	return err
}

// updateTries bounds the read-modify-writes of one record that lose to
// another writer. Each loss means another write landed in between, so
// running out takes that many writers at once, not bad luck.
const updateTries = 32

var errBusy = errors.New("this account is being changed elsewhere at the same time: try again")

// updateAccount changes the account id with change, which sees the record
// as it is now, and writes it only if nobody wrote it in between (a
// compare-and-set on its revision); if somebody did, it reads the record
// again and calls change again. A blind write would put back whatever was
// read: a ban that landed meanwhile would be undone. change's error is
// returned as it is, with nothing written. Every change of an existing
// account goes through here.
func (s *Store) updateAccount(ctx context.Context, id string, change func(*Account) error) (Account, error) {
	for range updateTries {
		a, rev, err := s.readAccount(ctx, id)
		if err != nil {
			return Account{}, err
		}
		if err := change(&a); err != nil {
			return Account{}, err
		}
		data, _ := json.Marshal(a)
		_, err = s.accounts.Update(ctx, "u."+id, data, rev)
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return Account{}, err
		}
	}
	return Account{}, errBusy
}

// Account reads an account by id.
func (s *Store) Account(ctx context.Context, id string) (Account, error) {
	a, _, err := s.readAccount(ctx, id)
	return a, err
}

// readAccount reads an account and the revision it was read at.
func (s *Store) readAccount(ctx context.Context, id string) (Account, uint64, error) {
	if !plausibleID(id) {
		return Account{}, 0, ErrNoAccount
	}
	e, err := s.accounts.Get(ctx, "u."+id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Account{}, 0, ErrNoAccount
	}
	if err != nil {
		return Account{}, 0, err
	}
	var a Account
	if err := json.Unmarshal(e.Value(), &a); err != nil {
		return Account{}, 0, err
	}
	return a, e.Revision(), nil
}

// ErrNoAccount: no account has that name (or id).
var ErrNoAccount = errors.New("no such account")

// AccountNamed finds an account by its name, any case: ErrNoAccount when
// none has it.
func (s *Store) AccountNamed(ctx context.Context, name string) (Account, error) {
	a, err := s.byName(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Account{}, ErrNoAccount
	}
	return a, err
}

// byName finds an account by its name, any case.
func (s *Store) byName(ctx context.Context, name string) (Account, error) {
	if !couldBeName(name) {
		return Account{}, jetstream.ErrKeyNotFound
	}
	e, err := s.accounts.Get(ctx, nameKey(name))
	if err != nil {
		return Account{}, err
	}
	return s.Account(ctx, string(e.Value()))
}

// NameTaken reports whether an account holds name (in any case), so that
// a guest cannot show as someone who signed up.
func (s *Store) NameTaken(ctx context.Context, name string) (bool, error) {
	if !couldBeName(name) {
		return false, nil
	}
	_, err := s.accounts.Get(ctx, nameKey(name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ChangePassword sets a new password for the account of the session
// current after checking the old one, then ends the account's other
// sessions: a cookie stolen before the change does not outlive it, and
// the device the change is made on stays signed in. The new password is
// stored only if the account's is still the one old was checked against
// (of two changes at once, one wins; the other is told its old password
// is wrong) and the account was not banned meanwhile.
//
// Each account may try PasswordChangeRate times a minute, spent before
// any hashing: a session's holder cannot guess its password this way
// faster than by signing in.
func (s *Store) ChangePassword(ctx context.Context, current Session, old, password string) error {
	if err := ValidPassword(password); err != nil {
		return err
	}
	id := current.User
	if ok, wait := s.passwords.Allow(id, s.now()); !ok {
		return &ThrottledError{RetryAfter: wait, what: "password changes"}
	}
	a, err := s.Account(ctx, id)
	if err != nil {
		return err
	}
	if a.Banned {
		return ErrBanned
	}
	var ok bool
	if err := s.hash(ctx, func() { ok, _ = s.checkHash(a.Hash, old) }); err != nil {
		return err
	}
	if !ok {
		return ErrBadCredentials
	}
	var hash string
	if err := s.hash(ctx, func() { hash = s.hashNew(password) }); err != nil {
		return err
	}
	_, err = s.updateAccount(ctx, id, func(cur *Account) error {
		switch {
		case cur.Banned:
			return ErrBanned
		case cur.Hash != a.Hash:
			return ErrBadCredentials // changed since: old is no longer its password
		}
		cur.Hash = hash
		return nil
	})
	if err != nil {
		return err
	}
	return s.revokeAllBut(ctx, id, current.Key)
}

// Ban marks an account banned by admin and ends all its sessions.
func (s *Store) Ban(ctx context.Context, id, admin string) error {
	a, err := s.updateAccount(ctx, id, func(a *Account) error {
		a.Banned, a.BannedBy, a.BannedAt = true, admin, s.now().UTC()
		return nil
	})
	if err != nil {
		return err
	}
	if a.Bot {
		// A bot has no sessions: its token is what must stop.
		if err := s.accounts.Delete(ctx, botPrefix+id); err != nil {
			return err
		}
	}
	return s.RevokeAll(ctx, id)
}

// Unban lets a banned account sign in again (its sessions stay ended).
func (s *Store) Unban(ctx context.Context, id string) error {
	_, err := s.updateAccount(ctx, id, func(a *Account) error {
		a.Banned, a.BannedBy, a.BannedAt = false, "", time.Time{}
		return nil
	})
	return err
}

// Banned lists the banned people (a revoked bot is a banned account, but
// no person: it is not listed).
func (s *Store) Banned(ctx context.Context) ([]Account, error) {
	lister, err := s.accounts.ListKeysFiltered(ctx, "u.>")
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var out []Account
	for key := range lister.Keys() {
		a, err := s.Account(ctx, strings.TrimPrefix(key, "u."))
		if err == nil && a.Banned && !a.Bot {
			a.Hash = ""
			out = append(out, a)
		}
	}
	return out, nil
}
