package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Invite lets one person sign up.
type Invite struct {
	By      string    `json:"by"` // who made it (an account id; "setup" for the first-run link)
	Created time.Time `json:"created"`
}

// NewInvite makes a single-use invitation code, valid for InviteTTL.
func (s *Store) NewInvite(ctx context.Context, by string) (string, error) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	code := base64.RawURLEncoding.EncodeToString(b[:])
	data, _ := json.Marshal(Invite{By: by, Created: s.now().UTC()})
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
	return s.NewInvite(ctx, SetupBy)
}

// useInvite spends a code: of two sign-ups with one code, one wins.
func (s *Store) useInvite(ctx context.Context, code string) (Invite, error) {
	if code == "" || strings.ContainsAny(code, "*>. ") {
		return Invite{}, ErrBadInvite
	}
	e, err := s.invites.Get(ctx, "i."+code)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Invite{}, ErrBadInvite
	}
	if err != nil {
		return Invite{}, err
	}
	var inv Invite
	if err := json.Unmarshal(e.Value(), &inv); err != nil {
		return Invite{}, ErrBadInvite
	}
	if err := s.invites.Delete(ctx, "i."+code, jetstream.LastRevision(e.Revision())); err != nil {
		return Invite{}, ErrBadInvite
	}
	return inv, nil
}
