package delivery

import (
	"context"
	"slices"
	"sync"
)

// liveFeed tracks how far this node's live feed of stored messages has got
// (the stream seq of the last message delivered). A join that has read a
// room's history up to seq H waits until the feed has passed H: from then
// on, every message of the room up to H has either been held for the joiner
// (and is dropped as already in the history) or will never come again, and
// every later one comes live. That is what makes resume gapless and free of
// duplicates even when the feed lags the history read.
type liveFeed struct {
	mu      sync.Mutex
	seq     uint64
	waiters []liveWaiter
}

type liveWaiter struct {
	seq  uint64
	done chan struct{}
}

// reset sets the feed's position when it starts: it continues after seq.
// The feed may have delivered already (its consumer starts before the
// caller gets seq back): the position never goes back.
func (f *liveFeed) reset(seq uint64) { f.advance(seq) }

// advance records that the message with this seq has been delivered.
func (f *liveFeed) advance(seq uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq = max(f.seq, seq)
	kept := f.waiters[:0]
	for _, w := range f.waiters {
		if w.seq <= f.seq {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	clear(f.waiters[len(kept):])
	f.waiters = kept
}

// wait returns once the feed has delivered seq, or with ctx's error.
func (f *liveFeed) wait(ctx context.Context, seq uint64) error {
	f.mu.Lock()
	if f.seq >= seq {
		f.mu.Unlock()
		return nil
	}
	w := liveWaiter{seq: seq, done: make(chan struct{})}
	f.waiters = append(f.waiters, w)
	f.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		f.forget(w.done)
		return ctx.Err()
	}
}

// forget drops a waiter that gave up, so that waits that time out (a feed
// stuck while NATS is unwell) do not pile up.
func (f *liveFeed) forget(done chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waiters = slices.DeleteFunc(f.waiters, func(w liveWaiter) bool { return w.done == done })
}
