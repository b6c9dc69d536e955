// Package rooms holds the kinds of rooms, their members and roles, and the
// one place that decides who may do what in a room (Store.Can).
//
// A room whose name does not start with a reserved prefix is public, as
// every room was before: anyone may join it by name, and it exists once
// someone does. Private rooms and direct messages are created through the
// API and named by the server ("p-" or "dm-" and letters no one can guess),
// so that a name says nothing: a non-member asking for one, and someone
// asking for one that does not exist, get the same refusal. Their members
// live in a NATS KV bucket, so every node of a cluster agrees.
//
// All methods of Store may be called concurrently.
package rooms

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/wire"
)

// Bucket is the rooms' KV bucket: r.<room> → Room, m.<room>.<user> → Member,
// u.<user>.<room> → the room's kind (a person's rooms).
const Bucket = "chat_rooms"

// Kinds of rooms.
const (
	Public  = "public"
	Private = "private"
	Direct  = "direct"
)

// Reserved prefixes of server-named rooms.
const (
	privatePrefix = "p-"
	directPrefix  = "dm-"
)

// Roles.
const (
	Owner  = "owner"
	Member = "member"
)

// MaxTitle and MaxTopic bound what members see of a room.
const (
	MaxTitle = 64
	MaxTopic = 250
)

// ErrForbidden is the one answer to anything a person may not do with a
// room, whatever the reason: it does not tell a room that exists from one
// that does not.
var ErrForbidden = errors.New("forbidden")

// Room is a private room or a direct message (public rooms need no record).
type Room struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Title   string    `json:"title,omitempty"`
	Topic   string    `json:"topic,omitempty"`
	Owner   string    `json:"owner,omitempty"` // user id; none for a direct message
	Created time.Time `json:"created"`
}

// Membership is one person in a room.
type Membership struct {
	User  string    `json:"user"`
	Name  string    `json:"name"`
	Role  string    `json:"role"`
	By    string    `json:"by,omitempty"`
	Added time.Time `json:"added"`
}

// Who is the person asking: their user id (an account's or a guest
// session's, "" for a client without a session), whether it is an account,
// and whether an admin.
type Who struct {
	User    string
	Account bool
	Admin   bool
}

// Action is what is asked of a room.
type Action int

const (
	Join      Action = iota // join, read its history, see its presence, send to it
	Invite                  // add a member
	Remove                  // take a member out
	SetTopic                // change the topic
	DeleteAny               // delete anyone's message
)

// Store is the rooms of a server.
type Store struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// Open creates the bucket if it is missing.
func Open(ctx context.Context, js jetstream.JetStream, replicas int) (*Store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "chat rooms and their members", History: 1,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", Bucket, err)
	}
	return &Store{kv: kv, now: time.Now}, nil
}

// Reserved reports whether room is server-named (private or direct).
func Reserved(room string) bool {
	return strings.HasPrefix(room, privatePrefix) || strings.HasPrefix(room, directPrefix)
}

// Can decides whether who may do act in room: nil, or ErrForbidden. A
// public room is anyone's to join and send to; moderation there is the
// admins'. A server-named room is its members'; inviting, removing and the
// topic are a private room's owner's; admins may do everything in a
// private room, nothing in a direct message they are not in (moderating a
// conversation is not reading it: they can still ban its people).
//
// A name that is not a room's (wire.ValidRoom) is no room: refused, for
// whoever asks, before anything reads with it. Names hold no ".", "*" or
// ">", which NATS would take as separators and wildcards.
func (s *Store) Can(ctx context.Context, who Who, act Action, room string) error {
	if wire.ValidRoom(room) != nil {
		return ErrForbidden
	}
	if !Reserved(room) {
		if act == Join || who.Admin {
			return nil
		}
		return ErrForbidden
	}
	if who.User == "" {
		return ErrForbidden
	}
	// Both reads are made whatever the first finds, so that the time a
	// refusal takes does not tell a room that exists from one that does not.
	r, exists, err := s.Get(ctx, room)
	if err != nil {
		return err
	}
	m, member, err := s.membership(ctx, room, who.User)
	if err != nil {
		return err
	}
	if !exists {
		return ErrForbidden
	}
	if who.Admin && r.Kind == Private {
		return nil // admins moderate private rooms; a direct message is its people's alone
	}
	if !member {
		return ErrForbidden
	}
	switch act {
	case Join:
		return nil
	case Invite, Remove, SetTopic, DeleteAny:
		if r.Kind == Private && m.Role == Owner {
			return nil
		}
	}
	return ErrForbidden
}

// Create makes a private room owned by owner, or a direct message between
// owner and others (the same people always get the same one).
func (s *Store) Create(ctx context.Context, kind, title string, owner Membership, others []Membership) (Room, error) {
	if len([]rune(title)) > MaxTitle {
		return Room{}, wire.Errorf(wire.CodeBadRoom, "a room's title may be at most %d characters", MaxTitle)
	}
	r := Room{Kind: kind, Title: title, Created: s.now().UTC()}
	owner.Role, owner.Added = Owner, r.Created
	members := []Membership{owner}
	switch kind {
	case Private:
		r.ID, r.Owner = privatePrefix+randomName(), owner.User
	case Direct:
		if len(others) == 0 {
			return Room{}, wire.Errorf(wire.CodeBadRoom, "a direct message needs someone to write to")
		}
		ids := []string{owner.User}
		for _, o := range others {
			o.Role, o.Added, o.By = Member, r.Created, owner.User
			members = append(members, o)
			ids = append(ids, o.User)
		}
		members[0].Role = Member
		slices.Sort(ids)
		ids = slices.Compact(ids)
		r.ID = directPrefix + hashName(strings.Join(ids, ","))
		if old, ok, err := s.Get(ctx, r.ID); err != nil {
			return Room{}, err
		} else if ok {
			return old, nil // these people already have their conversation
		}
	default:
		return Room{}, wire.Errorf(wire.CodeBadRoom, "a room is private or direct; public rooms need no creating")
	}
	data, _ := json.Marshal(r)
	if _, err := s.kv.Create(ctx, "r."+r.ID, data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) && kind == Direct {
			old, _, err := s.Get(ctx, r.ID)
			return old, err
		}
		return Room{}, err
	}
	for _, m := range members {
		if err := s.putMember(ctx, r, m); err != nil {
			return Room{}, err
		}
	}
	return r, nil
}

// Get reads a server-named room.
func (s *Store) Get(ctx context.Context, id string) (Room, bool, error) {
	e, err := s.kv.Get(ctx, "r."+id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Room{}, false, nil
	}
	if err != nil {
		return Room{}, false, err
	}
	var r Room
	return r, true, json.Unmarshal(e.Value(), &r)
}

func (s *Store) membership(ctx context.Context, room, user string) (Membership, bool, error) {
	e, err := s.kv.Get(ctx, "m."+room+"."+user)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Membership{}, false, nil
	}
	if err != nil {
		return Membership{}, false, err
	}
	var m Membership
	return m, true, json.Unmarshal(e.Value(), &m)
}

func (s *Store) putMember(ctx context.Context, r Room, m Membership) error {
	data, _ := json.Marshal(m)
	if _, err := s.kv.Put(ctx, "m."+r.ID+"."+m.User, data); err != nil {
		return err
	}
	_, err := s.kv.Put(ctx, "u."+m.User+"."+r.ID, []byte(r.Kind))
	return err
}

// Admit puts m in a private room on by's word: whether by may (an owner
// adding, an invitation by's made) is the caller's to have decided. A room that is gone, or is not private, is
// forbidden; a member already in stays as they were.
func (s *Store) Admit(ctx context.Context, room string, m Membership, by string) error {
	r, ok, err := s.Get(ctx, room)
	if err != nil {
		return err
	}
	if !ok || r.Kind != Private {
		return ErrForbidden
	}
	if _, ok, err := s.membership(ctx, room, m.User); err != nil || ok {
		return err
	}
	m.Role, m.By, m.Added = Member, by, s.now().UTC()
	return s.putMember(ctx, r, m)
}

// RemoveMember takes user out of a server-named room (whether the asker
// may is the caller's to have decided). The room's owner stays.
func (s *Store) RemoveMember(ctx context.Context, room, user string) error {
	r, ok, err := s.Get(ctx, room)
	if err != nil {
		return err
	}
	if !ok {
		return ErrForbidden
	}
	if r.Owner == user {
		return wire.Errorf(wire.CodeBadField, "the owner stays in the room")
	}
	if err := s.kv.Delete(ctx, "m."+room+"."+user); err != nil {
		return err
	}
	return s.kv.Delete(ctx, "u."+user+"."+room)
}

// SetTopic changes a private room's topic (whether the asker may is the
// caller's to have decided): a compare-and-set on the room's record, so
// that two changes at once do not lose one's other fields.
func (s *Store) SetTopic(ctx context.Context, room, topic string) error {
	if len([]rune(topic)) > MaxTopic {
		return wire.Errorf(wire.CodeBadText, "a topic may be at most %d characters", MaxTopic)
	}
	for {
		e, err := s.kv.Get(ctx, "r."+room)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return ErrForbidden
		}
		if err != nil {
			return err
		}
		var r Room
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return err
		}
		r.Topic = topic
		data, _ := json.Marshal(r)
		_, err = s.kv.Update(ctx, "r."+room, data, e.Revision())
		if err == nil || !isWrongLastSequence(err) {
			return err
		}
	}
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// Members lists a server-named room's members (whether the asker may see
// them is the caller's to have decided).
func (s *Store) Members(ctx context.Context, room string) ([]Membership, error) {
	return list(ctx, s.kv, "m."+room+".*", func(key string, v []byte) (Membership, bool) {
		var m Membership
		return m, json.Unmarshal(v, &m) == nil
	})
}

// Mine lists the server-named rooms user is in.
func (s *Store) Mine(ctx context.Context, user string) ([]Room, error) {
	return list(ctx, s.kv, "u."+user+".*", func(key string, _ []byte) (Room, bool) {
		r, ok, err := s.Get(ctx, key[strings.LastIndexByte(key, '.')+1:])
		return r, ok && err == nil
	})
}

// list reads the entries of the keys matching filter.
func list[T any](ctx context.Context, kv jetstream.KeyValue, filter string, decode func(key string, v []byte) (T, bool)) ([]T, error) {
	lister, err := kv.ListKeysFiltered(ctx, filter)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var out []T
	for key := range lister.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue
		}
		if v, ok := decode(key, e.Value()); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// WatchRemovals calls removed for every member taken out of a room, on
// every node, until ctx ends: their connections must leave it at once.
func (s *Store) WatchRemovals(ctx context.Context, removed func(room, user string)) error {
	w, err := s.kv.Watch(ctx, "m.>", jetstream.UpdatesOnly())
	if err != nil {
		return err
	}
	go func() {
		defer w.Stop()
		for e := range w.Updates() {
			if e == nil || (e.Operation() != jetstream.KeyValueDelete && e.Operation() != jetstream.KeyValuePurge) {
				continue
			}
			parts := strings.SplitN(e.Key(), ".", 3) // m, room, user
			if len(parts) == 3 {
				removed(parts[1], parts[2])
			}
		}
	}()
	return nil
}

// WatchChanges calls changed for every person whose list of rooms changed
// (added to a room or taken out of one, or a room of theirs renamed or
// given a new topic), on every node, until ctx ends: their open pages ask
// for their rooms again.
func (s *Store) WatchChanges(ctx context.Context, changed func(user string)) error {
	w, err := s.kv.WatchFiltered(ctx, []string{"u.>", "r.>"}, jetstream.UpdatesOnly())
	if err != nil {
		return err
	}
	go func() {
		defer w.Stop()
		for e := range w.Updates() {
			if e == nil {
				continue
			}
			parts := strings.SplitN(e.Key(), ".", 3)
			switch {
			case parts[0] == "u" && len(parts) == 3:
				changed(parts[1])
			case parts[0] == "r" && len(parts) == 2 && e.Operation() == jetstream.KeyValuePut:
				// A room changed (a new room has no members yet: their
				// own keys tell them when they come).
				ms, err := list(ctx, s.kv, "m."+parts[1]+".*", func(_ string, v []byte) (Membership, bool) {
					var m Membership
					return m, json.Unmarshal(v, &m) == nil
				})
				if err != nil {
					continue
				}
				for _, m := range ms {
					changed(m.User)
				}
			}
		}
	}()
	return nil
}

func randomName() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

func hashName(s string) string {
	h := sha256.Sum256([]byte(s))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:13]))
}
