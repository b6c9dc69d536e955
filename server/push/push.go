// Package push keeps what Web Push needs in NATS KV: the server's VAPID
// keys (made once, by whichever node starts first, and the same on every
// node after), each person's subscriptions (one a device), their
// notification choice per room, and a short-lived mark per device and
// room that spaces pushes out; and it sends pushes with webpush-go.
//
// All methods of a Store may be called concurrently.
package push

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// Bucket keeps the VAPID keys, subscriptions and choices.
	Bucket = "chat_push"
	// SentBucket keeps a key per device and room for Every after a push.
	SentBucket = "chat_push_sent"
	vapidKey   = "vapid"
	// MaxDevices bounds one person's subscriptions (the oldest go).
	MaxDevices = 20
)

// Level is what a person wants to hear of a room.
type Level string

const (
	All      Level = "all"      // every message
	Mentions Level = "mentions" // messages that name them (the default, but in direct messages)
	Nothing  Level = "none"
)

// Choice is a person's notification choice for a room.
type Choice struct {
	Level Level `json:"level"`
	// Previews puts a private room's or direct message's text in its
	// pushes; off, a push only says who wrote where (a push crosses the
	// browser maker's servers). Public rooms' texts are always shown.
	Previews bool `json:"previews,omitempty"`
}

// Device is one subscription of a person.
type Device struct {
	ID      string               `json:"id"` // a hash of the endpoint
	Sub     webpush.Subscription `json:"sub"`
	Created time.Time            `json:"created"`
}

// Store is the push state of every person.
type Store struct {
	kv, sent jetstream.KeyValue
	public   string // VAPID public key, base64url (what a page subscribes with)
	private  string
	every    time.Duration
}

type vapidKeys struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// Open creates the buckets if they are missing and reads the VAPID keys,
// making them the first time. every is how long a push to a device about
// a room holds off the next one.
func Open(ctx context.Context, js jetstream.JetStream, replicas int, every time.Duration) (*Store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "Web Push: VAPID keys, subscriptions, choices", History: 1,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", Bucket, err)
	}
	sent, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: SentBucket, Description: "Web Push: recent pushes per device and room", History: 1,
		TTL: max(2*every, time.Minute), Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", SentBucket, err)
	}
	s := &Store{kv: kv, sent: sent, every: every}
	keys, err := s.vapid(ctx)
	if err != nil {
		return nil, err
	}
	s.public, s.private = keys.Public, keys.Private
	return s, nil
}

// vapid reads the keys, or makes them: Create fails for all nodes but
// one when several start at once, and they read the winner's.
func (s *Store) vapid(ctx context.Context) (vapidKeys, error) {
	for {
		e, err := s.kv.Get(ctx, vapidKey)
		if err == nil {
			var k vapidKeys
			if err := json.Unmarshal(e.Value(), &k); err != nil || k.Public == "" {
				return vapidKeys{}, fmt.Errorf("VAPID keys in %s unreadable: %v", Bucket, err)
			}
			return k, nil
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return vapidKeys{}, err
		}
		priv, pub, err := webpush.GenerateVAPIDKeys()
		if err != nil {
			return vapidKeys{}, err
		}
		data, _ := json.Marshal(vapidKeys{Public: pub, Private: priv})
		if _, err := s.kv.Create(ctx, vapidKey, data); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return vapidKeys{}, err
		}
	}
}

// PublicKey is the VAPID public key a page subscribes with.
func (s *Store) PublicKey() string { return s.public }

// deviceID names a subscription by its endpoint.
func deviceID(endpoint string) string {
	h := sha256.Sum256([]byte(endpoint))
	return base64.RawURLEncoding.EncodeToString(h[:12])
}

func deviceKey(user, device string) string { return "sub." + user + "." + device }

// ErrBadSubscription is a subscription that cannot be one.
var ErrBadSubscription = errors.New("not a push subscription")

// Subscribe keeps sub as one of user's devices (again: the same
// endpoint is the same device). An endpoint must be an https URL and the
// keys the sizes RFC 8291 gives; the caller checks the endpoint's address
// when it sends (outgoing).
func (s *Store) Subscribe(ctx context.Context, user string, sub webpush.Subscription, now time.Time) (Device, error) {
	if err := validSubscription(sub); err != nil {
		return Device{}, err
	}
	d := Device{ID: deviceID(sub.Endpoint), Sub: sub, Created: now.UTC()}
	devs, err := s.Devices(ctx, user)
	if err != nil {
		return Device{}, err
	}
	for len(devs) >= MaxDevices { // the oldest make room
		oldest := 0
		for i, o := range devs {
			if o.Created.Before(devs[oldest].Created) {
				oldest = i
			}
		}
		if devs[oldest].ID == d.ID {
			break
		}
		if err := s.kv.Delete(ctx, deviceKey(user, devs[oldest].ID)); err != nil {
			return Device{}, err
		}
		devs = append(devs[:oldest], devs[oldest+1:]...)
	}
	data, _ := json.Marshal(d)
	if _, err := s.kv.Put(ctx, deviceKey(user, d.ID), data); err != nil {
		return Device{}, err
	}
	return d, nil
}

func validSubscription(sub webpush.Subscription) error {
	u, err := url.Parse(sub.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(sub.Endpoint) > 2048 {
		return fmt.Errorf("%w: the endpoint must be an https URL", ErrBadSubscription)
	}
	p256dh, err1 := decodeKey(sub.Keys.P256dh)
	auth, err2 := decodeKey(sub.Keys.Auth)
	if err1 != nil || err2 != nil || len(p256dh) != 65 || p256dh[0] != 4 || len(auth) != 16 {
		return fmt.Errorf("%w: keys.p256dh must be a P-256 point and keys.auth 16 bytes, base64url", ErrBadSubscription)
	}
	return nil
}

// decodeKey reads a subscription key: base64url, padded or not (browsers
// differ).
func decodeKey(k string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(k, "="))
}

// Unsubscribe forgets user's device with this endpoint.
func (s *Store) Unsubscribe(ctx context.Context, user, endpoint string) error {
	return s.Forget(ctx, user, deviceID(endpoint))
}

// Forget forgets one of user's devices (it unsubscribed, or its push
// service said it is gone).
func (s *Store) Forget(ctx context.Context, user, device string) error {
	err := s.kv.Delete(ctx, deviceKey(user, device))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// Devices lists user's subscriptions.
func (s *Store) Devices(ctx context.Context, user string) ([]Device, error) {
	lister, err := s.kv.ListKeysFiltered(ctx, "sub."+user+".*")
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var out []Device
	for k := range lister.Keys() {
		e, err := s.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var d Device
		if json.Unmarshal(e.Value(), &d) == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

func choiceKey(user, room string) string { return "pref." + user + "." + room }

// DefaultChoice is a room's choice until a person makes one: everything
// of a direct message, mentions elsewhere.
func DefaultChoice(direct bool) Choice {
	if direct {
		return Choice{Level: All}
	}
	return Choice{Level: Mentions}
}

// Choice reads user's choice for room (DefaultChoice until one is made).
func (s *Store) Choice(ctx context.Context, user, room string, direct bool) (Choice, error) {
	e, err := s.kv.Get(ctx, choiceKey(user, room))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return DefaultChoice(direct), nil
	}
	if err != nil {
		return Choice{}, err
	}
	var c Choice
	if err := json.Unmarshal(e.Value(), &c); err != nil || !c.Level.valid() {
		return DefaultChoice(direct), nil
	}
	return c, nil
}

func (l Level) valid() bool { return l == All || l == Mentions || l == Nothing }

// ErrBadLevel is a choice that is none of the levels.
var ErrBadLevel = errors.New(`level must be "all", "mentions" or "none"`)

// SetChoice keeps user's choice for room.
func (s *Store) SetChoice(ctx context.Context, user, room string, c Choice) error {
	if !c.Level.valid() {
		return ErrBadLevel
	}
	data, _ := json.Marshal(c)
	_, err := s.kv.Put(ctx, choiceKey(user, room), data)
	return err
}

// Chose lists the people who chose level for room (for All: who hears
// every message of a public room, whose members are not listed).
func (s *Store) Chose(ctx context.Context, room string, level Level) ([]string, error) {
	lister, err := s.kv.ListKeysFiltered(ctx, "pref.*."+room)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var out []string
	for k := range lister.Keys() {
		user := strings.TrimSuffix(strings.TrimPrefix(k, "pref."), "."+room)
		if c, err := s.Choice(ctx, user, room, false); err == nil && c.Level == level {
			out = append(out, user)
		}
	}
	return out, nil
}

// Claim takes the right to push to device about room at now: false when
// a push about it went to the device less than Every before, on any node.
// The mark holds the time of the last push and changes by compare-and-set,
// so that two nodes cannot both take it; the bucket's TTL only clears
// marks long past (JetStream expires keys a little late, too late to be
// the spacing itself).
func (s *Store) Claim(ctx context.Context, device, room string, now time.Time) (bool, error) {
	key := device + "." + room
	val := []byte(strconv.FormatInt(now.UnixNano(), 10))
	e, err := s.sent.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		_, err = s.sent.Create(ctx, key, val)
		if errors.Is(err, jetstream.ErrKeyExists) {
			return false, nil // another node took it just now
		}
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	last, _ := strconv.ParseInt(string(e.Value()), 10, 64)
	if now.Sub(time.Unix(0, last)) < s.every {
		return false, nil
	}
	_, err = s.sent.Update(ctx, key, val, e.Revision())
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return false, nil // another node took it just now
	}
	return err == nil, err
}

// WatchDevices tells changed of every device subscribed now, then of each
// subscription and unsubscription on any node, until ctx ends (the key
// names person and device).
func (s *Store) WatchDevices(ctx context.Context, changed func(key string, subscribed bool)) error {
	w, err := s.kv.Watch(ctx, "sub.>")
	if err != nil {
		return err
	}
	go func() {
		defer func() { _ = w.Stop() }()
		for e := range w.Updates() {
			if e == nil {
				continue // the end of what was there at the start
			}
			changed(e.Key(), e.Operation() == jetstream.KeyValuePut)
		}
	}()
	return nil
}
