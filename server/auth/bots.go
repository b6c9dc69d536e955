package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"chat/wire"
)

// A bot is an account kind: its name is claimed like a person's (no
// person or guest can show under it), and rooms know it by its user id,
// so a private room's owner adds it by name like anyone. It has no
// password and never signs in; it posts with a token, which the store
// keeps only as a hash. Its record, under bot.<id> beside the account,
// holds what only bots have: the token's hash, the webhook and the
// webhook's signing secret (kept in the clear: signing needs it).
//
// Revoking a bot deletes its record, so its token fails at the next
// request on every node (each request reads the record), and bans its
// account, so it can no longer be added to rooms; its name stays taken, so
// that nobody else appears under it beside its old messages.

// Bot is a bot's record.
type Bot struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	TokenHash string    `json:"token_hash"`
	Webhook   string    `json:"webhook,omitempty"`
	Secret    string    `json:"secret,omitempty"` // signs the webhook's calls
	By        string    `json:"by"`               // the admin who made it
	Created   time.Time `json:"created"`
}

const botPrefix = "bot."

// ErrBadToken: no live bot has that token.
var ErrBadToken = errors.New("not a valid bot token")

// ErrNoBot: no live bot has that id.
var ErrNoBot = errors.New("no such bot")

// ValidBotName checks a bot's name: a word of letters, digits, - and _,
// so that "@name" in a message always mentions all of it.
func ValidBotName(name string) error {
	if err := wire.ValidName(name); err != nil {
		return err
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return wire.Errorf(wire.CodeBadName, "a bot's name is letters, digits, - and _ only, so that @%s mentions it", name)
		}
	}
	if strings.HasPrefix(strings.ToLower(name), GuestPrefix) {
		return wire.Errorf(wire.CodeBadName, "names starting with %q are for guests", GuestPrefix)
	}
	return nil
}

// CreateBot makes a bot named name, made by the admin by, calling webhook
// (may be empty) when mentioned or sent a direct message. token is what
// the bot posts with; it and b.Secret are shown once, to its maker.
func (s *Store) CreateBot(ctx context.Context, name, webhook, by string) (b Bot, token string, err error) {
	if err := ValidBotName(name); err != nil {
		return Bot{}, "", err
	}
	b = Bot{ID: nuid.Next(), Name: name, Webhook: webhook, By: by, Created: s.now().UTC()}
	if webhook != "" {
		b.Secret = randomToken()
	}
	token, b.TokenHash = newBotToken(b.ID)
	if _, err := s.accounts.Create(ctx, nameKey(name), []byte(b.ID)); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return Bot{}, "", ErrNameTaken
		}
		return Bot{}, "", err
	}
	if err := s.createAccount(ctx, Account{ID: b.ID, Name: name, Bot: true, Created: b.Created}); err != nil {
		return Bot{}, "", err
	}
	data, _ := json.Marshal(b)
	if _, err := s.accounts.Create(ctx, botPrefix+b.ID, data); err != nil {
		return Bot{}, "", err
	}
	return b, token, nil
}

// newBotToken is a new token for the bot id, and the hash the store keeps.
// The token names its bot ("<id>.<secret>"), so that checking it is one
// read, not a scan.
func newBotToken(id string) (token, hash string) {
	secret := randomToken()
	return id + "." + secret, hashSecret(secret)
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// BotByToken is the live bot whose token this is, or ErrBadToken. It reads
// the store each time, so a revoked or rotated token fails at once on
// every node.
func (s *Store) BotByToken(ctx context.Context, token string) (Bot, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || !plausibleID(id) || secret == "" {
		return Bot{}, ErrBadToken
	}
	b, err := s.Bot(ctx, id)
	if errors.Is(err, ErrNoBot) {
		return Bot{}, ErrBadToken
	}
	if err != nil {
		return Bot{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(b.TokenHash)) != 1 {
		return Bot{}, ErrBadToken
	}
	return b, nil
}

// Bot reads a live bot by id: ErrNoBot when there is none (or it was
// revoked).
func (s *Store) Bot(ctx context.Context, id string) (Bot, error) {
	b, _, err := s.readBot(ctx, id)
	return b, err
}

// readBot reads a live bot and the revision it was read at.
func (s *Store) readBot(ctx context.Context, id string) (Bot, uint64, error) {
	if !plausibleID(id) {
		return Bot{}, 0, ErrNoBot
	}
	e, err := s.accounts.Get(ctx, botPrefix+id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Bot{}, 0, ErrNoBot
	}
	if err != nil {
		return Bot{}, 0, err
	}
	var b Bot
	if err := json.Unmarshal(e.Value(), &b); err != nil {
		return Bot{}, 0, err
	}
	return b, e.Revision(), nil
}

// Bots lists the live bots.
func (s *Store) Bots(ctx context.Context) ([]Bot, error) {
	lister, err := s.accounts.ListKeysFiltered(ctx, botPrefix+"*")
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var out []Bot
	for key := range lister.Keys() {
		if b, err := s.Bot(ctx, strings.TrimPrefix(key, botPrefix)); err == nil {
			out = append(out, b)
		}
	}
	return out, nil
}

// RotateBotToken gives the bot a new token; the old one fails at once.
// The record is written only over the one read (see updateAccount): a bot
// revoked in between stays revoked, and the answer is ErrNoBot.
func (s *Store) RotateBotToken(ctx context.Context, id string) (string, error) {
	for range updateTries {
		b, rev, err := s.readBot(ctx, id)
		if err != nil {
			return "", err
		}
		var token string
		token, b.TokenHash = newBotToken(b.ID)
		data, _ := json.Marshal(b)
		_, err = s.accounts.Update(ctx, botPrefix+id, data, rev)
		if err == nil {
			return token, nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return "", err
		}
	}
	return "", errBusy
}

// RevokeBot ends a bot (see above): its token and webhook stop, its
// account is banned by admin, its name stays taken.
func (s *Store) RevokeBot(ctx context.Context, id, admin string) error {
	if _, err := s.Bot(ctx, id); err != nil {
		return err
	}
	if err := s.accounts.Delete(ctx, botPrefix+id); err != nil {
		return err
	}
	_, err := s.updateAccount(ctx, id, func(a *Account) error {
		a.Banned, a.BannedBy, a.BannedAt = true, admin, s.now().UTC()
		return nil
	})
	return err
}

// WatchBots calls changed with every live bot at once, then with each
// bot made or changed, and gone with the id of each revoked, on every
// node, until ctx ends. The calls come from one goroutine, in order.
func (s *Store) WatchBots(ctx context.Context, changed func(Bot), gone func(id string)) error {
	w, err := s.accounts.Watch(ctx, botPrefix+"*")
	if err != nil {
		return err
	}
	go func() {
		defer w.Stop()
		for e := range w.Updates() {
			if e == nil {
				continue // the initial values are all in
			}
			id := strings.TrimPrefix(e.Key(), botPrefix)
			if e.Operation() != jetstream.KeyValuePut {
				gone(id)
				continue
			}
			var b Bot
			if json.Unmarshal(e.Value(), &b) == nil {
				changed(b)
			}
		}
	}()
	return nil
}
