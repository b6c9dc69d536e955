package delivery

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"chat/server/broker"
	"chat/wire"
)

// laggingReplica answers reads of a room as a replica of the stream that
// lags does (a NATS server back from a crash or a hang, still catching
// up): the room ends at upTo for the next behind reads; then it has
// caught up. gone makes it a store that keeps none of the room past upTo
// for good (First says so).
type laggingReplica struct {
	broker.Broker
	mu     sync.Mutex
	upTo   uint64
	behind int
	gone   bool
}

// bound is the end of the room as the replica has it now (0: none).
func (l *laggingReplica) bound() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.gone:
		return l.upTo
	case l.behind > 0:
		l.behind--
		return l.upTo
	}
	return 0
}

func (l *laggingReplica) Last(ctx context.Context, room string) (uint64, error) {
	last, err := l.Broker.Last(ctx, room)
	l.mu.Lock()
	if l.gone && last > l.upTo {
		last = l.upTo // another replica may say more: Last is not held back
	}
	l.mu.Unlock()
	return last, err
}

func (l *laggingReplica) Before(ctx context.Context, room string, before uint64, n int) ([]wire.Event, error) {
	if upTo := l.bound(); upTo > 0 && before > upTo+1 {
		before = upTo + 1
	}
	return l.Broker.Before(ctx, room, before, n)
}

func (l *laggingReplica) First(ctx context.Context, room string) (uint64, error) {
	l.mu.Lock()
	gone := l.gone
	l.mu.Unlock()
	if gone {
		return 0, nil
	}
	return l.Broker.First(ctx, room)
}

// openBroker opens an embedded NATS store for the test, closed after it.
func openBroker(t *testing.T) broker.Broker {
	t.Helper()
	b, err := broker.Open(context.Background(), &broker.Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func storeRoom(t *testing.T, b broker.Broker, room string, n int) []uint64 {
	t.Helper()
	var seqs []uint64
	for i := range n {
		seq, _, err := b.Store(context.Background(), room, "t", wire.Event{ID: fmt.Sprint(room, "-", time.Now().UnixNano(), "-", i), From: "t", Text: fmt.Sprint(i), TS: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

// TestStoreHistoryIsNotBehindTheLiveFeed: a join whose "after" is older
// than the cache keeps reads the store, and NATS may answer from a replica
// that lags this node's live feed. The messages the feed already fanned
// out went to the room's members before the join held its live messages:
// the history must have them, or the joiner never gets them (and is told
// of no gap). The cluster fault test lost messages so: "reader r11 missed
// seq 1215 (no gap event)".
func TestStoreHistoryIsNotBehindTheLiveFeed(t *testing.T) {
	ctx := context.Background()
	b := openBroker(t)
	replica := &laggingReplica{Broker: b}
	d := New(nil, replica, &Options{HistoryOnJoin: 100})
	t.Cleanup(d.Close)
	seqs := storeRoom(t, b, "r", 150)
	// A member joins: the cache holds the room's last 100.
	if _, _, _, ok, err := d.recent.history(ctx, "r", 0, 100); !ok || err != nil {
		t.Fatalf("first join: ok %v, %v", ok, err)
	}
	// Ten more are stored, and this node's live feed fans them out.
	for _, seq := range storeRoom(t, b, "r", 10) {
		m, ok, err := b.Message(ctx, "r", seq)
		if !ok || err != nil {
			t.Fatalf("message %d: %v %v", seq, ok, err)
		}
		d.recent.add("r", seq, wire.Encode(m), m)
		seqs = append(seqs, seq)
	}
	// The replica that answers next has the room up to the 150th only.
	replica.mu.Lock()
	replica.upTo, replica.behind = seqs[149], 2
	replica.mu.Unlock()
	// A client resumes after the 10th: older than the cache keeps.
	after := seqs[9]
	if _, _, _, ok, _ := d.recent.history(ctx, "r", after, 100); ok {
		t.Fatal("a resume older than the cache was answered from it")
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h, err := d.storeHistory(rctx, "r", after)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, f := range h.frames {
		m, _ := wire.Decode(f.Payload())
		got = append(got, m.Seq)
	}
	if want := seqs[10:]; h.head != want[len(want)-1] || !slices.Equal(got, want) {
		t.Errorf("the history after %d: %d messages, head %d; this node's live feed already fanned out up to %d, %d messages", after, len(got), h.head, want[len(want)-1], len(want))
	}
	// A store that keeps none of the room past what it gave (the history's
	// limits dropped the rest) is not waited for.
	replica.mu.Lock()
	replica.gone = true
	replica.mu.Unlock()
	start := time.Now()
	h, err = d.storeHistory(rctx, "r", after)
	if err != nil || len(h.frames) != 140 || time.Since(start) > time.Second {
		t.Errorf("a store whose room ends for good: %d messages, %v, in %v", len(h.frames), err, time.Since(start))
	}
}

// TestCacheIsNotLoadedBehindTheLiveFeed: a room's cache loaded at its
// first join, from a replica that lags, must not end before what the live
// feed delivered while the node kept no cache of the room (those messages
// are in neither the cache nor a join's hold), and must not take the room's
// end from another replica's answer than the one it read (what the feed
// brings in between would be dropped as read already).
func TestCacheIsNotLoadedBehindTheLiveFeed(t *testing.T) {
	ctx := context.Background()
	b := openBroker(t)
	replica := &laggingReplica{Broker: b}
	d := New(nil, replica, &Options{HistoryOnJoin: 100})
	t.Cleanup(d.Close)
	seqs := storeRoom(t, b, "r", 30)
	// The live feed delivers them while nobody here is in the room.
	for _, seq := range seqs {
		m, _, _ := b.Message(ctx, "r", seq)
		d.recent.add("r", seq, wire.Encode(m), m)
	}
	// The first join's read is answered by a replica with the first 20.
	replica.mu.Lock()
	replica.upTo, replica.behind = seqs[19], 2
	replica.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	frames, _, head, ok, err := d.recent.history(rctx, "r", 0, 100)
	if err != nil || !ok || len(frames) != 30 || head != seqs[29] {
		t.Fatalf("first join: %d frames, head %d (want 30, %d), ok %v, %v", len(frames), head, seqs[29], ok, err)
	}
	// Another room, never fed: Last says 10 from one replica, the read
	// comes from one with 5; the feed then brings 6 to 10.
	other := storeRoom(t, b, "o", 10)
	replica.mu.Lock()
	replica.upTo, replica.behind = other[4], 1
	replica.mu.Unlock()
	if _, _, head, ok, err := d.recent.history(rctx, "o", 0, 100); err != nil || !ok || head != other[4] {
		t.Fatalf("a read from a replica behind: head %d, ok %v, %v; want the end of what was read, %d", head, ok, err, other[4])
	}
	for _, seq := range other[5:] {
		m, _, _ := b.Message(ctx, "o", seq)
		d.recent.add("o", seq, wire.Encode(m), m)
	}
	if frames, _, head, ok, _ := d.recent.history(rctx, "o", 0, 100); !ok || len(frames) != 10 || head != other[9] {
		t.Errorf("after the feed brought the rest: %d frames, head %d; want 10 to %d", len(frames), head, other[9])
	}
}
