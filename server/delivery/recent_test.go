package delivery

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chat/server/broker"
	"chat/server/hub"
	"chat/wire"
)

// countingBroker counts the history reads that reach the store.
type countingBroker struct {
	broker.Broker
	reads atomic.Int64
}

func (c *countingBroker) History(ctx context.Context, room string, after, upTo uint64) ([]wire.Event, uint64, error) {
	c.reads.Add(1)
	return c.Broker.History(ctx, room, after, upTo)
}

// Before is how the cache loads a room (its last messages).
func (c *countingBroker) Before(ctx context.Context, room string, before uint64, n int) ([]wire.Event, error) {
	c.reads.Add(1)
	return c.Broker.Before(ctx, room, before, n)
}

// TestRecentServesAStormFromOneRead: a hundred joins at once into a room
// cost one read of the store, and they share the frames.
func TestRecentServesAStormFromOneRead(t *testing.T) {
	ctx := context.Background()
	b := openBroker(t)
	var seqs []uint64
	for i := range 150 {
		seq, _, err := b.Store(ctx, "r", "t", wire.Event{ID: fmt.Sprint("m", i), From: "t", Text: fmt.Sprint(i), TS: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	cb := &countingBroker{Broker: b}
	c := newRecent(cb, 100, nil)
	const joins = 100
	results := make([][]*hub.Frame, joins)
	var wg sync.WaitGroup
	for i := range joins {
		wg.Go(func() {
			frames, first, head, ok, err := c.history(ctx, "r", 0, 100)
			if err != nil || !ok || first != seqs[50] || head != seqs[149] {
				t.Errorf("join %d: first %d head %d ok %v %v; want %d..%d", i, first, head, ok, err, seqs[50], seqs[149])
			}
			results[i] = frames
		})
	}
	wg.Wait()
	if n := cb.reads.Load(); n != 1 {
		t.Errorf("%d joins read the store %d times, want once", joins, n)
	}
	for i := range results {
		if len(results[i]) != 100 || results[i][0] != results[0][0] {
			t.Fatalf("join %d got %d frames, not the shared ones", i, len(results[i]))
		}
	}
	// The live feed keeps it current; a resume within it is answered too.
	// (What the feed brings is stored: the cache, read again after a
	// forget, waits for the store to have what the feed delivered.)
	more, _, err := b.Store(ctx, "r", "t", wire.Event{ID: "m-next", From: "t", Text: "next", TS: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	m, _, _ := b.Message(ctx, "r", more)
	next := more
	c.add("r", next, wire.Encode(m), m)
	if frames, first, head, ok, _ := c.history(ctx, "r", seqs[149], 100); !ok || len(frames) != 1 || first != next || head != next {
		t.Errorf("resume after the last: %d frames from %d, head %d, ok %v", len(frames), first, head, ok)
	}
	// Older than it keeps: the caller reads the store.
	if _, _, _, ok, _ := c.history(ctx, "r", seqs[10], 100); ok {
		t.Error("a resume older than the cache was answered from it")
	}
	// A room with nobody left is forgotten, and read again when joined.
	c.forget("r")
	if _, _, _, ok, err := c.history(ctx, "r", 0, 100); !ok || err != nil || cb.reads.Load() != 2 {
		t.Errorf("after forget: ok %v, %v, %d reads", ok, err, cb.reads.Load())
	}
}
