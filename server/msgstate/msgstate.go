// Package msgstate keeps what changes about a stored message after it is
// stored: its text when edited, and its reactions. A JetStream message
// cannot change, so the room's stream keeps the original and an edit or
// react event after it (which is how every member learns of it, live or
// on resume, in order), and this KV bucket keeps the message's state now,
// which history merges into the messages it serves: an old message read
// from the store shows its last text and its reactions, whenever they
// came. Only messages that were edited or reacted to have a key.
//
// All methods may be called concurrently, from any node: updates are
// compare-and-set, retried.
package msgstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"chat/wire"
)

// Bucket is the KV bucket: <room>.<seq> → State.
const Bucket = "chat_msgstate"

// State is a message's changes.
type State struct {
	Text      string          `json:"text,omitempty"`
	Edited    time.Time       `json:"edited,omitzero"`
	Reactions []wire.Reaction `json:"reactions,omitempty"`
}

// Apply puts s on m, a msg event.
func (s State) Apply(m *wire.Event) {
	if !s.Edited.IsZero() {
		m.Text, m.Edited = s.Text, s.Edited
	}
	m.Reactions = s.Reactions
}

// ErrTooManyReactions: a message has MaxReactions different ones.
var ErrTooManyReactions = errors.New("too many different reactions on this message")

// Store is the bucket.
type Store struct {
	kv jetstream.KeyValue
	nc *nats.Conn
}

// Open creates the bucket if it is missing.
func Open(ctx context.Context, js jetstream.JetStream, replicas int) (*Store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "chat messages' edits and reactions", History: 1,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", Bucket, err)
	}
	return &Store{kv: kv, nc: js.Conn()}, nil
}

func key(room string, seq uint64) string { return room + "." + strconv.FormatUint(seq, 10) }

// update changes the state of room's message seq with change, compare-and-
// set: a concurrent change from anywhere makes it read and try again.
func (s *Store) update(ctx context.Context, room string, seq uint64, change func(*State) error) (State, error) {
	k := key(room, seq)
	for range 50 {
		var st State
		var rev uint64
		e, err := s.kv.Get(ctx, k)
		switch {
		case err == nil:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &st); err != nil {
				return State{}, err
			}
		case errors.Is(err, jetstream.ErrKeyNotFound):
		default:
			return State{}, err
		}
		if err := change(&st); err != nil {
			return State{}, err
		}
		data, _ := json.Marshal(st)
		if rev == 0 {
			_, err = s.kv.Create(ctx, k, data)
		} else {
			_, err = s.kv.Update(ctx, k, data, rev)
		}
		if err == nil {
			return st, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSequence(err) {
			return State{}, err
		}
	}
	return State{}, errors.New("message state: too many concurrent changes")
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// Edit sets the message's text.
func (s *Store) Edit(ctx context.Context, room string, seq uint64, text string, at time.Time) (State, error) {
	return s.update(ctx, room, seq, func(st *State) error {
		st.Text, st.Edited = text, at
		return nil
	})
}

// React toggles user's emoji on the message: on if it was off, off if on.
func (s *Store) React(ctx context.Context, room string, seq uint64, emoji, user, name string) (State, error) {
	return s.update(ctx, room, seq, func(st *State) error {
		i := slices.IndexFunc(st.Reactions, func(r wire.Reaction) bool { return r.Emoji == emoji })
		if i < 0 {
			if len(st.Reactions) >= wire.MaxReactions {
				return ErrTooManyReactions
			}
			st.Reactions = append(st.Reactions, wire.Reaction{Emoji: emoji, Users: []string{user}, Names: []string{name}})
			return nil
		}
		r := &st.Reactions[i]
		if j := slices.Index(r.Users, user); j >= 0 {
			r.Users, r.Names = slices.Delete(r.Users, j, j+1), slices.Delete(r.Names, j, j+1)
			if len(r.Users) == 0 {
				st.Reactions = slices.Delete(st.Reactions, i, i+1)
			}
			return nil
		}
		r.Users, r.Names = append(r.Users, user), append(r.Names, name)
		return nil
	})
}

// Forget drops a deleted message's state.
func (s *Store) Forget(ctx context.Context, room string, seq uint64) error {
	err := s.kv.Purge(ctx, key(room, seq))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}

// multiBatch is how many keys one read asks for (the server answers at
// most 1,024 subjects a request).
const multiBatch = 256

// Get reads the state of room's messages with these seqs: one batched
// direct get for up to multiBatch of them (JetStream's multi_last), not a
// request each. Messages without state are not in the map.
func (s *Store) Get(ctx context.Context, room string, seqs []uint64) (map[uint64]State, error) {
	out := make(map[uint64]State)
	for len(seqs) > 0 {
		n := min(len(seqs), multiBatch)
		if err := s.get(ctx, room, seqs[:n], out); err != nil {
			return nil, err
		}
		seqs = seqs[n:]
	}
	return out, nil
}

type multiRequest struct {
	MultiLast []string `json:"multi_last"`
	Batch     int      `json:"batch"`
}

func (s *Store) get(ctx context.Context, room string, seqs []uint64, out map[uint64]State) error {
	subjects := make([]string, len(seqs))
	for i, seq := range seqs {
		subjects[i] = "$KV." + Bucket + "." + key(room, seq)
	}
	data, _ := json.Marshal(multiRequest{MultiLast: subjects, Batch: len(subjects)})
	inbox := s.nc.NewRespInbox()
	var mu sync.Mutex
	var replies []*nats.Msg
	done := make(chan struct{})
	sub, err := s.nc.Subscribe(inbox, func(m *nats.Msg) {
		mu.Lock()
		defer mu.Unlock()
		replies = append(replies, m)
		if m.Header.Get("Status") != "" && len(m.Data) == 0 && done != nil {
			close(done) // the end of the batch, or its refusal
			done = nil
		}
	})
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	ended := done
	if err := s.nc.PublishRequest("$JS.API.DIRECT.GET.KV_"+Bucket, inbox, data); err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	select {
	case <-ended:
	case <-ctx.Done():
		return fmt.Errorf("message state read: %w", ctx.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range replies {
		switch status := m.Header.Get("Status"); status {
		case "":
		case "204", "404": // the end; nothing matched
			return nil
		default:
			return fmt.Errorf("message state read: status %s %s", status, m.Header.Get("Description"))
		}
		if op := m.Header.Get("KV-Operation"); op == "DEL" || op == "PURGE" {
			continue
		}
		subj := m.Header.Get("Nats-Subject")
		seq, err := strconv.ParseUint(subj[strings.LastIndexByte(subj, '.')+1:], 10, 64)
		if err != nil {
			continue
		}
		var st State
		if json.Unmarshal(m.Data, &st) == nil {
			out[seq] = st
		}
	}
	return errors.New("message state read: the batch ended without its end marker")
}

// Room reads the state of every message of room that has any: its keys
// first (usually few: only edited or reacted messages have one), then
// their values, batched. For a scan of a whole room (search), where Get
// would ask for every message.
func (s *Store) Room(ctx context.Context, room string) (map[uint64]State, error) {
	lister, err := s.kv.ListKeysFiltered(ctx, room+".*")
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return map[uint64]State{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer lister.Stop()
	var seqs []uint64
	for k := range lister.Keys() {
		if seq, err := strconv.ParseUint(k[strings.LastIndexByte(k, '.')+1:], 10, 64); err == nil {
			seqs = append(seqs, seq)
		}
	}
	return s.Get(ctx, room, seqs)
}

// Merge puts the state of msgs (events read from the store, of room) on
// the msg events among them: one batched read for the page.
func (s *Store) Merge(ctx context.Context, room string, msgs []wire.Event) error {
	var seqs []uint64
	for _, m := range msgs {
		if m.Type == wire.TypeMsg {
			seqs = append(seqs, m.Seq)
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	states, err := s.Get(ctx, room, seqs)
	if err != nil {
		return err
	}
	for i := range msgs {
		if st, ok := states[msgs[i].Seq]; ok && msgs[i].Type == wire.TypeMsg {
			st.Apply(&msgs[i])
		}
	}
	return nil
}
