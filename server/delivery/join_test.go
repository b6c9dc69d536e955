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
	if (l.gone || l.behind > 0) && last > l.upTo {
		last = l.upTo
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
	b, err := broker.Open(ctx, &broker.Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
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
