package push

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"chat/internal/natstest"
	"chat/internal/pushtest"
)

// TestPushIsEncryptedAndSigned: a push reaches a device's service
// encrypted to the device's keys (RFC 8291) and signed with the server's
// VAPID key (RFC 8292); the payload is what go-app's service worker reads.
func TestPushIsEncryptedAndSigned(t *testing.T) {
	js := natstest.JetStream(t)
	s, err := Open(context.Background(), js, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	svc := pushtest.New(t)
	d, err := s.Subscribe(context.Background(), "u1", svc.Sub, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n := Notification{Title: "ana in #town", Body: "@bo look", Icon: "/web/icon-192.png", Path: "/?room=town"}
	if gone, err := s.Send(context.Background(), svc.Client(), "mailto:ops@example.org", d, n); err != nil || gone {
		t.Fatalf("send: gone %v, %v", gone, err)
	}
	p := svc.Wait(t, 1, 5*time.Second)[0]
	var got Notification
	if err := json.Unmarshal(p.Payload, &got); err != nil || got != n {
		t.Errorf("payload %s (%v), want %+v", p.Payload, err, n)
	}
	if p.Key != s.PublicKey() || p.Subscriber != "mailto:ops@example.org" {
		t.Errorf("signed by %s for %s, want the server's key %s", p.Key, p.Subscriber, s.PublicKey())
	}
	// The keys are the same on the next start (and on another node).
	again, err := Open(context.Background(), js, 1, time.Minute)
	if err != nil || again.PublicKey() != s.PublicKey() {
		t.Errorf("keys after a restart: %s, want %s (%v)", again.PublicKey(), s.PublicKey(), err)
	}
	// A gone subscription says so.
	svc.Answer(http.StatusGone)
	if gone, err := s.Send(context.Background(), svc.Client(), "mailto:ops@example.org", d, n); err != nil || !gone {
		t.Errorf("a 410: gone %v, %v", gone, err)
	}
}

func TestVAPIDKeysAreMadeOnceWhenNodesStartTogether(t *testing.T) {
	js := natstest.JetStream(t)
	keys := make([]string, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			s, err := Open(context.Background(), js, 1, time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = s.PublicKey()
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Fatalf("nodes hold different VAPID keys: %v", keys)
		}
	}
}

func TestSubscriptionsChoicesAndSpacing(t *testing.T) {
	s, err := Open(context.Background(), natstest.JetStream(t), 1, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good := pushtest.New(t).Sub
	for name, sub := range map[string]webpush.Subscription{
		"http endpoint": {Endpoint: "http://push.example/x", Keys: good.Keys},
		"no keys":       {Endpoint: good.Endpoint},
		"short auth":    {Endpoint: good.Endpoint, Keys: webpush.Keys{P256dh: good.Keys.P256dh, Auth: "AAAA"}},
	} {
		if _, err := s.Subscribe(ctx, "u1", sub, time.Now()); !errors.Is(err, ErrBadSubscription) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The same endpoint again is the same device; at most MaxDevices.
	if _, err := s.Subscribe(ctx, "u1", good, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(ctx, "u1", good, time.Now()); err != nil {
		t.Fatal(err)
	}
	for i := range MaxDevices {
		sub := good
		sub.Endpoint += "/" + string(rune('a'+i))
		if _, err := s.Subscribe(ctx, "u1", sub, time.Now().Add(time.Duration(i+1)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	devs, _ := s.Devices(ctx, "u1")
	if len(devs) != MaxDevices {
		t.Errorf("%d devices, want %d", len(devs), MaxDevices)
	}
	for _, d := range devs {
		if d.Sub.Endpoint == good.Endpoint {
			t.Error("the oldest device was kept past MaxDevices")
		}
	}
	if err := s.Unsubscribe(ctx, "u1", devs[0].Sub.Endpoint); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.Devices(ctx, "u1"); len(after) != MaxDevices-1 {
		t.Errorf("after unsubscribing: %d devices", len(after))
	}
	if other, _ := s.Devices(ctx, "u2"); len(other) != 0 {
		t.Errorf("another person's devices: %v", other)
	}
	// Choices: the defaults, one set, a bad one refused, who chose all.
	if c, _ := s.Choice(ctx, "u1", "dm-x", true); c.Level != All {
		t.Errorf("a direct message's default: %+v", c)
	}
	if c, _ := s.Choice(ctx, "u1", "town", false); c.Level != Mentions {
		t.Errorf("a room's default: %+v", c)
	}
	if err := s.SetChoice(ctx, "u1", "town", Choice{Level: "loud"}); !errors.Is(err, ErrBadLevel) {
		t.Errorf("a bad level: %v", err)
	}
	if err := s.SetChoice(ctx, "u1", "town", Choice{Level: All}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChoice(ctx, "u2", "town", Choice{Level: Nothing}); err != nil {
		t.Fatal(err)
	}
	if who, _ := s.Chose(ctx, "town", All); len(who) != 1 || who[0] != "u1" {
		t.Errorf("who hears all of town: %v", who)
	}
	// One push per device and room a second.
	now := time.Now()
	if ok, _ := s.Claim(ctx, "d1", "town", now); !ok {
		t.Error("the first claim was refused")
	}
	if ok, _ := s.Claim(ctx, "d1", "town", now.Add(900*time.Millisecond)); ok {
		t.Error("a second claim within the interval was granted")
	}
	if ok, _ := s.Claim(ctx, "d1", "garden", now); !ok {
		t.Error("another room's claim was refused")
	}
	if ok, err := s.Claim(ctx, "d1", "town", now.Add(time.Second)); !ok {
		t.Errorf("a claim after the interval: %v", err)
	}
	// Two nodes at once: one gets it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 4 {
		wg.Go(func() {
			if ok, _ := s.Claim(ctx, "d2", "town", now); ok {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if granted != 1 {
		t.Errorf("%d claims granted at once, want 1", granted)
	}
}
