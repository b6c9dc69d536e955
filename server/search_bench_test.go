package server

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"chat/server/search"
	"chat/wire"
)

// BenchmarkSearch100k is a search over a room that keeps 100,000
// messages, 100 of which hold the word looked for: p50 and p99 of the
// searches once the node's index holds the room, and the first one, which
// reads it.
func BenchmarkSearch100k(b *testing.B) {
	s, _ := startServer(b, func(c *Config) { c.HistoryPerRoom = 100000 })
	js := s.broker.JetStream()
	for i := range 100000 {
		text := fmt.Sprint("message number ", i, " about the weekly plans")
		if i%1000 == 0 {
			text += " and the needle"
		}
		data := wire.Encode(wire.Event{Type: wire.TypeMsg, ID: fmt.Sprint("f", i), From: "t", Text: text, TS: time.Now()})
		if _, err := js.PublishAsync("chat.room.big", data); err != nil {
			b.Fatal(err)
		}
		if i%10000 == 9999 {
			<-js.PublishAsyncComplete()
		}
	}
	<-js.PublishAsyncComplete()
	ctx := context.Background()
	// The first search on a node reads the room into its index.
	start := time.Now()
	if _, err := s.searchIdx.Find(ctx, []string{"big"}, search.Words("needle")); err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		res, err := s.searchIdx.Find(ctx, []string{"big"}, search.Words("NEEDLE"))
		took = append(took, time.Since(t0))
		if err != nil || len(res) != 50 {
			b.Fatalf("%d results, %v", len(res), err)
		}
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
	b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
	b.ReportMetric(ms(first), "first-ms")
}
