package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chat/wire"
)

// BenchmarkSearch100k is one search over a room that keeps 100,000
// messages, 100 of which hold the word looked for: the scan's cost at the
// size a team's room reaches.
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
	b.ResetTimer()
	for b.Loop() {
		res, err := s.search(ctx, []string{"big"}, queryWords("NEEDLE"))
		if err != nil || len(res) != 50 {
			b.Fatalf("%d results, %v", len(res), err)
		}
	}
}
