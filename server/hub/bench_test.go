package hub

import (
	"fmt"
	"testing"
)

// discard is a transport whose socket always has room: it measures the
// hub's own cost on the fan-out path, the write system call left out.
type discard struct{}

func (discard) TryWrite(p []byte) (int, error) { return len(p), nil }
func (discard) Write([]byte) error             { return nil }
func (discard) CloseNow() error                { return nil }

// BenchmarkFanout publishes one frame to a room of 10,000 members: the
// per-op time over 10,000 is the hub's cost per delivery, and allocations
// must stay per fan-out, not per recipient.
func BenchmarkFanout(b *testing.B) {
	for _, members := range []int{100, 10000} {
		b.Run(fmt.Sprintf("%d-members", members), func(b *testing.B) {
			h := New(nil)
			defer h.Stop()
			for range members {
				c := h.Register(discard{}, "u")
				if _, err := h.Join(c, "r"); err != nil {
					b.Fatal(err)
				}
			}
			payload := []byte(`{"type":"broadcast","text":"test message"}`)
			b.ReportAllocs()
			for b.Loop() {
				if n := h.Publish("r", NewFrame(payload, 1)); n != members {
					b.Fatalf("reached %d", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(members), "ns/delivery")
		})
	}
}
