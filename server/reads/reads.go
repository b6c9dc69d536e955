// Package reads keeps how far each person has read each room: their last
// read seq, in a NATS KV bucket, so that every device and tab, on every
// node, agrees on what is unread, and a reload keeps it.
//
// Marking read is cheap: a client says what it has seen as often as it
// likes; Marks coalesces them in memory (the highest seq per person and
// room wins) and writes the changes once a second, each a compare-and-set
// that only ever moves forward. Every node watches the bucket and tells
// the person's other connections.
package reads

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bucket is the KV bucket: <user>.<room> → the last read seq (8 bytes).
const Bucket = "chat_reads"

// flushEvery is how often marks are written.
const flushEvery = time.Second

// Store is the bucket, and the marks not written yet.
type Store struct {
	kv jetstream.KeyValue

	mu      sync.Mutex
	pending map[key]uint64
}

type key struct{ user, room string }

// Open creates the bucket if it is missing.
func Open(ctx context.Context, js jetstream.JetStream, replicas int) (*Store, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "how far each person has read each room", History: 1,
		Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("KV bucket %s: %w", Bucket, err)
	}
	return &Store{kv: kv, pending: make(map[key]uint64)}, nil
}

func kvKey(user, room string) string { return user + "." + room }

// Get is how far user has read room (0: nothing marked).
func (s *Store) Get(ctx context.Context, user, room string) (uint64, error) {
	e, err := s.kv.Get(ctx, kvKey(user, room))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return decode(e.Value()), nil
}

func decode(v []byte) uint64 {
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// Mark records that user has read room up to seq; it is written with the
// next flush.
func (s *Store) Mark(user, room string, seq uint64) {
	s.mu.Lock()
	k := key{user, room}
	s.pending[k] = max(s.pending[k], seq)
	s.mu.Unlock()
}

// Run writes the marks every flushEvery until ctx ends, and once more then.
func (s *Store) Run(ctx context.Context) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			s.Flush(fctx)
			cancel()
			return
		case <-t.C:
			s.Flush(ctx)
		}
	}
}

// Flush writes the pending marks now: each moves the stored seq forward
// only (a compare-and-set; an older mark from another device changes
// nothing).
func (s *Store) Flush(ctx context.Context) {
	s.mu.Lock()
	batch := s.pending
	s.pending = make(map[key]uint64, len(batch))
	s.mu.Unlock()
	for k, seq := range batch {
		if err := s.forward(ctx, k, seq); err != nil && ctx.Err() == nil {
			s.Mark(k.user, k.room, seq) // try again at the next flush
		}
	}
}

func (s *Store) forward(ctx context.Context, k key, seq uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	for range 10 {
		e, err := s.kv.Get(ctx, kvKey(k.user, k.room))
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			if _, err = s.kv.Create(ctx, kvKey(k.user, k.room), v[:]); err == nil || !errors.Is(err, jetstream.ErrKeyExists) {
				return err
			}
		case err != nil:
			return err
		case decode(e.Value()) >= seq:
			return nil
		default:
			if _, err = s.kv.Update(ctx, kvKey(k.user, k.room), v[:], e.Revision()); err == nil {
				return nil
			}
		}
	}
	return errors.New("read mark: too many concurrent changes")
}

// Watch calls changed for every mark written, by any node, until ctx ends.
func (s *Store) Watch(ctx context.Context, changed func(user, room string, seq uint64)) error {
	w, err := s.kv.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		return err
	}
	go func() {
		defer w.Stop()
		for e := range w.Updates() {
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			user, room, ok := strings.Cut(e.Key(), ".")
			if ok {
				changed(user, room, decode(e.Value()))
			}
		}
	}()
	return nil
}
