package push

import (
	"context"
	"testing"
	"time"

	"chat/internal/natstest"
	"chat/internal/pushtest"
)

// BenchmarkPush: one Web Push, encrypted to the device's keys, signed,
// and taken by a push service on loopback over TLS (make bench).
func BenchmarkPush(b *testing.B) {
	s, err := Open(context.Background(), natstest.JetStream(b), 1, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	svc := pushtest.New(b)
	d, err := s.Subscribe(context.Background(), "u1", svc.Sub, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	n := Notification{Title: "ana in #town", Body: "@bo the deploy is done", Path: "/?room=town&seq=1"}
	hc := svc.Client()
	for b.Loop() {
		if _, err := s.Send(context.Background(), hc, "mailto:ops@example.org", d, n); err != nil {
			b.Fatal(err)
		}
	}
}
