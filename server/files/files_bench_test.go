package files

import (
	"context"
	"testing"
)

// BenchmarkPutScreenshot: what a pasted 1920×1080 screenshot (PNG) costs
// the server: read, sniffed, decoded, its thumbnail made, both stored in
// the embedded NATS Object Store (make bench).
func BenchmarkPutScreenshot(b *testing.B) {
	s := openStore(b, &Options{MaxPerPerson: 1 << 40, MaxTotal: 8 << 30})
	shot := pngOf(b, 1920, 1080)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Put(context.Background(), "town", "u1", "shot.png", shot); err != nil {
			b.Fatal(err)
		}
	}
}
