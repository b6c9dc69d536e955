package server

import (
	"fmt"
	"testing"
	"time"

	"chat/wire"
)

// TestBusyRefusesSendersNotReaders: when this node's fan-out is behind
// (here any round under way counts as behind), new messages are refused with
// busy and not stored; every message that was acknowledged reaches every
// member, and no member is dropped.
func TestBusyRefusesSendersNotReaders(t *testing.T) {
	s, hs := startServer(t, func(c *Config) {
		fastSenders(c)
		c.MaxDeliveryLag = time.Nanosecond
	})
	// A crowd makes each round take a while.
	for range 2000 {
		seat := s.Hub().Register(seatTransport{}, "crowd")
		if _, err := s.Hub().Join(seat, "busy"); err != nil {
			t.Fatal(err)
		}
	}
	sender, reader := dial(t, hs), dial(t, hs)
	sender.joinAs("sender", "busy")
	reader.joinAs("reader", "busy")
	const n = 300
	var frame []byte
	for i := range n {
		frame = wire.AppendFrame(frame, wire.Encode(wire.Event{Type: wire.TypeSend, Room: "busy", ID: fmt.Sprint("b", i), Text: fmt.Sprint(i)}))
	}
	sender.sendRaw(1, frame)
	acked, busy := map[string]uint64{}, 0
	for len(acked)+busy < n {
		ev := sender.next2(wire.TypeAck, wire.TypeError)
		switch {
		case ev.Type == wire.TypeAck:
			acked[ev.ID] = ev.Seq
		case ev.Code == wire.CodeBusy:
			busy++
		default:
			t.Fatalf("unexpected error: %+v", ev)
		}
	}
	if busy == 0 || len(acked) == 0 {
		t.Fatalf("%d acked, %d busy: want both (the fan-out of 2,000 members takes longer than the 1 ns allowed)", len(acked), busy)
	}
	got := map[string]bool{}
	for len(got) < len(acked) {
		m := reader.next(wire.TypeMsg)
		if _, ok := acked[m.ID]; !ok {
			t.Fatalf("a message refused as busy was delivered: %+v", m)
		}
		got[m.ID] = true
	}
	late := dial(t, hs)
	late.joinAfter("busy", 0)
	if hist := late.msgs("busy", min(len(acked), 100)); hist[len(hist)-1].Seq != maxSeq(acked) {
		t.Errorf("history ends at %d, the last acknowledged is %d", hist[len(hist)-1].Seq, maxSeq(acked))
	}
	if st := s.Hub().Stats(); st.SlowConsumers != 0 || st.WriteTimeouts != 0 {
		t.Errorf("readers dropped: %+v", st)
	}
	if s.metrics.Busy.Load() != uint64(busy) {
		t.Errorf("busy counter %d, want %d", s.metrics.Busy.Load(), busy)
	}
	t.Logf("%d acknowledged, %d refused as busy", len(acked), busy)
}

func maxSeq(m map[string]uint64) uint64 {
	var top uint64
	for _, s := range m {
		top = max(top, s)
	}
	return top
}
