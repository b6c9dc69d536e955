package app

import (
	"slices"
	"testing"

	"chat/wire"
)

// TestInboxBatchesWhatArrivesWhileTheUIIsBusy: frames that arrive before
// their batch is taken are one batch, in order; a frame after the take,
// or after a seal (a connection opened or closed), starts another, queued
// behind whatever was queued meanwhile.
func TestInboxBatchesWhatArrivesWhileTheUIIsBusy(t *testing.T) {
	var queue []func() []wire.Event // the UI goroutine's queue, in order
	in := &inbox{schedule: func(take func() []wire.Event) { queue = append(queue, take) }}
	ev := func(seq uint64) []wire.Event { return []wire.Event{{Type: wire.TypeMsg, Seq: seq}} }
	seqs := func(evs []wire.Event) (out []uint64) {
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	run := func() []uint64 {
		take := queue[0]
		queue = queue[1:]
		return seqs(take())
	}

	in.add(ev(1))
	in.add(ev(2))
	in.add(append(ev(3), ev(4)...))
	if len(queue) != 1 {
		t.Fatalf("%d batches scheduled for frames that came together, want 1", len(queue))
	}
	if got := run(); !slices.Equal(got, []uint64{1, 2, 3, 4}) {
		t.Fatalf("batch %v, want 1 2 3 4", got)
	}

	in.add(ev(5))
	in.seal() // the connection closed: its report is queued next
	queue = append(queue, func() []wire.Event { return []wire.Event{{Type: "closed"}} })
	in.add(ev(6)) // the next connection's first frame
	if len(queue) != 3 {
		t.Fatalf("%d queued, want the old batch, the report, a new batch", len(queue))
	}
	if got := run(); !slices.Equal(got, []uint64{5}) {
		t.Errorf("the old connection's batch %v, want 5 alone", got)
	}
	if got := queue[0](); got[0].Type != "closed" {
		t.Fatalf("the report is not next: %v", got)
	}
	queue = queue[1:]
	in.add(ev(7)) // before the new batch is taken: joins it
	if got := run(); !slices.Equal(got, []uint64{6, 7}) {
		t.Errorf("the new connection's batch %v, want 6 7", got)
	}
	in.add(ev(8)) // after the take: a batch of its own
	if len(queue) != 1 || !slices.Equal(run(), []uint64{8}) {
		t.Error("a frame after the take was not scheduled on its own")
	}
}
