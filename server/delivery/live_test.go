package delivery

import (
	"context"
	"testing"
	"time"
)

// TestLiveFeedNeverGoesBack: the consumer may deliver before the server
// learns where it started; the position stays where the deliveries took it.
func TestLiveFeedNeverGoesBack(t *testing.T) {
	var f liveFeed
	f.advance(12)
	f.reset(10)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := f.wait(ctx, 12); err != nil {
		t.Fatalf("wait for 12 after it was delivered: %v", err)
	}
}

// TestTimedOutWaitIsForgotten: a wait that gives up leaves no waiter behind.
func TestTimedOutWaitIsForgotten(t *testing.T) {
	var f liveFeed
	f.reset(1)
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		if err := f.wait(ctx, 5); err == nil {
			t.Fatal("wait for an undelivered seq returned nil")
		}
		cancel()
	}
	f.mu.Lock()
	n := len(f.waiters)
	f.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d waiters left after their waits timed out", n)
	}
	done := make(chan error)
	go func() { done <- f.wait(context.Background(), 5) }()
	for {
		f.mu.Lock()
		n = len(f.waiters)
		f.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	f.advance(5)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
