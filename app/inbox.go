package app

import (
	"sync"

	"chat/wire"
)

// inbox turns the socket's frames into as few renders as the UI can keep
// up with: the frames that arrive while a batch waits for the UI's
// goroutine join that batch, so that a page of history that came in 25
// frames is applied and rendered once, not 25 times (on a busy phone each
// render of a long list took a quarter of a second, and the page fell
// further behind with every frame).
//
// The socket's goroutine calls add for each frame and seal before it
// reports an opened or closed connection: what arrives after that goes in
// a new batch, scheduled after the report, so that the UI sees each
// connection's events between its opened and its closed.
type inbox struct {
	mu      sync.Mutex
	pending *[]wire.Event // the batch scheduled and not yet taken; nil when none

	// schedule queues take to run on the UI's goroutine, in order with
	// everything else queued there; take returns the batch's events.
	schedule func(take func() []wire.Event)
}

// add puts a frame's events in the pending batch, scheduling a new one
// when there is none.
func (in *inbox) add(events []wire.Event) {
	in.mu.Lock()
	b := in.pending
	fresh := b == nil
	if fresh {
		b = new([]wire.Event)
		in.pending = b
	}
	*b = append(*b, events...)
	in.mu.Unlock()
	if fresh {
		in.schedule(func() []wire.Event {
			in.mu.Lock()
			defer in.mu.Unlock()
			if in.pending == b {
				in.pending = nil
			}
			return *b
		})
	}
}

// seal ends the pending batch: the next frame starts another.
func (in *inbox) seal() {
	in.mu.Lock()
	in.pending = nil
	in.mu.Unlock()
}
