package hub

import (
	"sync/atomic"
	"time"
)

// FanoutObserver receives fan-out latencies: from the moment an event enters
// the hub to the moment the last recipient's write of it has returned.
type FanoutObserver func(time.Duration)

// tracker follows one fan-out at a time to its last write. Writers compare
// each frame they write with the tracked one (one atomic load per frame);
// the count of writes left goes negative as writers report and is raised by
// the number of recipients once the fan-out has reached them all, so whoever
// brings it to zero, writer or publisher, closes the measurement.
type tracker struct {
	frame     *Frame
	start     time.Time
	remaining atomic.Int64
	closed    atomic.Bool
}

// trackStaleAfter abandons a tracked fan-out that never completes (a
// recipient dropped before its write), so that tracking goes on.
const trackStaleAfter = 10 * time.Second

// beginTrack starts tracking f's fan-out if none is being tracked; it
// returns nil when one is.
func (h *Hub) beginTrack(f *Frame) *tracker {
	if h.observe == nil {
		return nil
	}
	if cur := h.tracking.Load(); cur != nil {
		if time.Since(cur.start) < trackStaleAfter {
			return nil
		}
		h.tracking.CompareAndSwap(cur, nil)
	}
	t := &tracker{frame: f, start: time.Now()}
	if !h.tracking.CompareAndSwap(nil, t) {
		return nil
	}
	return t
}

// endTrack is the publisher's side: the fan-out reached took clients, and
// pending of those writes are still with writer goroutines (the others it
// wrote itself). With none left, the fan-out ends now; one that reached
// nobody is not a measurement.
func (h *Hub) endTrack(t *tracker, took, pending int) {
	if t == nil {
		return
	}
	if took == 0 {
		h.tracking.CompareAndSwap(t, nil)
		return
	}
	if t.remaining.Add(int64(pending)) == 0 {
		h.closeTrack(t)
	}
}

// wrote is the writers' side, for each frame written.
func (h *Hub) wrote(f *Frame) {
	t := h.tracking.Load()
	if f.origin != nil {
		f = f.origin
	}
	if t == nil || t.frame != f {
		return
	}
	if t.remaining.Add(-1) == 0 {
		h.closeTrack(t)
	}
}

func (h *Hub) closeTrack(t *tracker) {
	if t.closed.CompareAndSwap(false, true) {
		d := time.Since(t.start)
		// Free the slot before telling: a fan-out that starts as soon as
		// the observer has heard (a test's next broadcast) is followed too.
		h.tracking.CompareAndSwap(t, nil)
		h.observe(d)
	}
}
