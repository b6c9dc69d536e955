package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/wire"
)

// TestFullStoreRefusesWithAClearErrorAndRecovers: when NATS has no room
// left (here the embedded server's bound, filled by another stream), a send
// is refused with store_full, nothing else breaks, and once space is freed
// messages are stored again.
func TestFullStoreRefusesWithAClearErrorAndRecovers(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataDir, cfg.StoreMax, cfg.HistoryMaxBytes = t.TempDir(), 1<<20, 256<<10
	if _, err := New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "-files-max-bytes") {
		t.Errorf("a store bound that cannot hold the files' bound: %v", err)
	}
	s, hs := startServer(t, func(c *Config) { c.StoreMax, c.HistoryMaxBytes, c.FilesMaxBytes = 1<<20, 256<<10, 256<<10 })
	ana, bo := dial(t, hs), dial(t, hs)
	ana.joinAs("ana", "lobby")
	bo.joinAs("bo", "lobby")
	before := ana.say("lobby", "before", "stored while there is room")
	if m := bo.next(wire.TypeMsg); m.ID != "before" {
		t.Fatalf("bo got %+v", m)
	}

	// Something else on the same NATS fills the store.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	js, err := jetstream.New(s.broker.Conn())
	if err != nil {
		t.Fatal(err)
	}
	filler, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "FILLER", Subjects: []string{"filler.>"}})
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 32<<10)
	for i := 0; ; i++ {
		if _, err := js.Publish(ctx, "filler.x", block); err != nil {
			var apiErr *jetstream.APIError
			if !errors.As(err, &apiErr) || i == 0 {
				t.Fatalf("filling the store: after %d blocks: %v", i, err)
			}
			break
		}
		if i > 100 {
			t.Fatal("the store took 3 MB past its 1 MB bound")
		}
	}

	ana.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "full", Text: "no room"})
	e := ana.next(wire.TypeError)
	if e.Code != wire.CodeStoreFull || e.ID != "full" || !strings.Contains(e.Text, "full") {
		t.Fatalf("send into a full store: %+v, want %s naming the message", e, wire.CodeStoreFull)
	}
	bo.none(wire.TypeMsg, 100*time.Millisecond)
	// Reading still works: a join gets the history, health answers.
	late := dial(t, hs)
	late.joinAfter("lobby", 0)
	if m := late.msgs("lobby", 1); m[0].Seq != before {
		t.Fatalf("history while full: %+v", m)
	}
	if res := get(t, hs.URL+"/healthz"); res.StatusCode != 200 {
		t.Errorf("/healthz while the store is full: %s", res.Status)
	}

	if err := filler.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if seq := ana.say("lobby", "after", "room again"); seq <= before {
		t.Fatalf("after space was freed: seq %d", seq)
	}
	if m := bo.next(wire.TypeMsg); m.ID != "after" {
		t.Fatalf("bo then got %+v, want the message sent once space was freed", m)
	}
}
