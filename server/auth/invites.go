package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Invite lets one person sign up, or an account into a room: single use.
type Invite struct {
	By      string    `json:"by"`             // who made it (an account id; "setup" for the first-run link)
	Room    string    `json:"room,omitempty"` // the room it lets its user into, if any
	Created time.Time `json:"created"`
}

// NewInvite makes a single-use invitation code, valid for InviteTTL, into
// room when room is not "". Whether by may invite there is the caller's
// to check.
func (s *Store) NewInvite(ctx context.Context, by, room string) (string, error) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	code := base64.RawURLEncoding.EncodeToString(b[:])
	data, _ := json.Marshal(Invite{By: by, Room: room, Created: s.now().UTC()})
	if _, err := s.invites.Create(ctx, "i."+code, data); err != nil {
		return "", err
	}
	return code, nil
}

// SetupBy marks the first-run invitation: whoever signs up with it is the
// server's admin.
const SetupBy = "setup"

// SetupInvite makes the first-run invitation if the server has no admin
// yet; it returns "" when it has one.
func (s *Store) SetupInvite(ctx context.Context) (string, error) {
	if _, err := s.accounts.Get(ctx, adminKey); err == nil {
		return "", nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", err
	}
	return s.NewInvite(ctx, SetupBy, "")
}

// PeekInvite reads an invitation without spending it (for the page that
// opens its link to say what it is).
func (s *Store) PeekInvite(ctx context.Context, code string) (Invite, error) {
	inv, _, err := s.readInvite(ctx, code)
	return inv, err
}

// UseInvite spends a code: of two uses of one code, one wins.
func (s *Store) UseInvite(ctx context.Context, code string) (Invite, error) {
	inv, rev, err := s.readInvite(ctx, code)
	if err != nil {
		return Invite{}, err
	}
	if err := s.invites.Delete(ctx, "i."+code, jetstream.LastRevision(rev)); err != nil {
		return Invite{}, ErrBadInvite
	}
	return inv, nil
}

func (s *Store) readInvite(ctx context.Context, code string) (Invite, uint64, error) {
	if !plausibleID(code) {
		return Invite{}, 0, ErrBadInvite
	}
	e, err := s.invites.Get(ctx, "i."+code)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Invite{}, 0, ErrBadInvite
	}
	if err != nil {
		return Invite{}, 0, err
	}
	var inv Invite
	if err := json.Unmarshal(e.Value(), &inv); err != nil {
		return Invite{}, 0, ErrBadInvite
	}
	return inv, e.Revision(), nil
}
