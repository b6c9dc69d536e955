package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"chat/wire"
)

func openEmbedded(t testing.TB, historyPerRoom int64) *NATS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := Open(ctx, &Options{DataDir: t.TempDir(), HistoryPerRoom: historyPerRoom, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func store(t testing.TB, b *NATS, room string, n int, prefix string) []uint64 {
	t.Helper()
	ctx := context.Background()
	var seqs []uint64
	for i := range n {
		seq, dup, err := b.Store(ctx, room, "t", wire.Event{ID: fmt.Sprint(prefix, i), From: "t", Text: fmt.Sprint("text ", i), TS: time.Now()})
		if err != nil || dup {
			t.Fatalf("store %d: seq %d dup %v err %v", i, seq, dup, err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

func TestHistoryReadsOneRoomInOrder(t *testing.T) {
	b := openEmbedded(t, 1000)
	// Interleave two rooms so that seqs of one room are not contiguous.
	var red []uint64
	for i := range 60 {
		red = append(red, store(t, b, "red", 1, fmt.Sprint("r", i, "-"))...)
		store(t, b, "blue", 2, fmt.Sprint("b", i, "-"))
	}
	ctx := context.Background()
	msgs, head, err := b.History(ctx, "red", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 60 || head != red[59] {
		t.Fatalf("History(red) = %d msgs, head %d; want 60, head %d", len(msgs), head, red[59])
	}
	for i, m := range msgs {
		if m.Seq != red[i] || m.Room != "red" || m.Type != wire.TypeMsg || m.From != "t" || m.TS.IsZero() {
			t.Fatalf("msgs[%d] = %+v, want seq %d", i, m, red[i])
		}
	}
	after, head2, _ := b.History(ctx, "red", red[49], 0)
	if len(after) != 10 || after[0].Seq != red[50] || head2 != red[59] {
		t.Fatalf("after seq %d: %d msgs from %d", red[49], len(after), after[0].Seq)
	}
	upTo, head3, _ := b.History(ctx, "red", 0, red[9])
	if len(upTo) != 10 || head3 != red[9] {
		t.Fatalf("up to seq %d: %d msgs, head %d", red[9], len(upTo), head3)
	}
	none, head4, _ := b.History(ctx, "red", red[59], 0)
	if len(none) != 0 || head4 != red[59] {
		t.Fatalf("nothing after the end: %d msgs, head %d", len(none), head4)
	}
	empty, head5, _ := b.History(ctx, "green", 0, 0)
	if len(empty) != 0 || head5 != 0 {
		t.Fatalf("empty room: %d msgs, head %d", len(empty), head5)
	}
	if last, _ := b.Last(ctx, "red"); last != red[59] {
		t.Fatalf("Last(red) = %d", last)
	}
	if last, _ := b.Last(ctx, "green"); last != 0 {
		t.Fatalf("Last(green) = %d", last)
	}
}

func TestHistoryCapAndHas(t *testing.T) {
	b := openEmbedded(t, 5)
	seqs := store(t, b, "r", 12, "m")
	ctx := context.Background()
	msgs, _, _ := b.History(ctx, "r", 0, 0)
	if len(msgs) != 5 || msgs[0].Seq != seqs[7] {
		t.Fatalf("capped room keeps %d from %d, want 5 from %d", len(msgs), msgs[0].Seq, seqs[7])
	}
	for i, want := range map[int]bool{0: false, 6: false, 7: true, 11: true} {
		if has, err := b.Has(ctx, "r", seqs[i]); has != want || err != nil {
			t.Errorf("Has(seq of message %d) = %v, %v; want %v", i, has, err, want)
		}
	}
	if has, _ := b.Has(ctx, "other", seqs[11]); has {
		t.Error("Has reports another room's message")
	}
}

func TestStoreDedupesBySenderRoomAndID(t *testing.T) {
	b := openEmbedded(t, 100)
	ctx := context.Background()
	m := wire.Event{ID: "same", From: "a", Text: "x", TS: time.Now()}
	s1, dup1, err1 := b.Store(ctx, "r", "ana", m)
	s2, dup2, err2 := b.Store(ctx, "r", "ana", m)
	if err1 != nil || err2 != nil || dup1 || !dup2 || s1 != s2 {
		t.Fatalf("first (%d, dup %v, %v), second (%d, dup %v, %v): want the second a duplicate of the first", s1, dup1, err1, s2, dup2, err2)
	}
	// The same id from someone else, or in another room, is another message.
	for _, c := range []struct{ room, sender string }{{"r", "bo"}, {"other", "ana"}} {
		seq, dup, err := b.Store(ctx, c.room, c.sender, m)
		if err != nil || dup || seq == s1 {
			t.Errorf("%s in %s with ana's id: seq %d (ana's %d), dup %v, %v; want a message of its own", c.sender, c.room, seq, s1, dup, err)
		}
	}
	if msgs, _, _ := b.History(ctx, "r", 0, 0); len(msgs) != 2 {
		t.Fatalf("%d stored in r, want ana's once and bo's", len(msgs))
	}
}

// BenchmarkHistory1000 reads a full room (1,000 messages of about 100 bytes)
// through the embedded NATS, as a join with an old last seq does.
func BenchmarkHistory1000(b *testing.B) {
	br := openEmbedded(b, 1000)
	store(b, br, "full", 1000, "h")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		msgs, _, err := br.History(ctx, "full", 0, 0)
		if err != nil || len(msgs) != 1000 {
			b.Fatalf("%d msgs, %v", len(msgs), err)
		}
	}
}

// TestBroadcastQueueIsBounded: broadcasts that arrive faster than a node
// fans them out wait in a bounded queue; past it they are dropped and
// counted, and the node goes on.
func TestBroadcastQueueIsBounded(t *testing.T) {
	b := openEmbedded(t, 10)
	release := make(chan struct{})
	var got atomic.Int64
	_, err := b.Subscribe(context.Background(), Handlers{Broadcast: func(texts []string) {
		<-release // the fan-out is busy
		got.Add(int64(len(texts)))
	}})
	if err != nil {
		t.Fatal(err)
	}
	const sent = 3 * maxBroadcastsPending
	for range sent {
		if err := b.Broadcast(context.Background(), "test message"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Conn().Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.BroadcastsDropped() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	dropped := int64(b.BroadcastsDropped())
	for got.Load()+dropped < sent && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		dropped = int64(b.BroadcastsDropped())
	}
	if dropped == 0 || got.Load() > maxBroadcastsPending+maxBroadcastBatch || got.Load()+dropped != sent {
		t.Fatalf("%d sent, %d delivered, %d dropped: want at most %d held and the rest counted as dropped", sent, got.Load(), dropped, maxBroadcastsPending)
	}
}

// TestHistoryIsBoundedInBytesAndAge: the history of all rooms together
// keeps to its byte bound, the oldest messages going first whatever their
// room, and messages older than the age bound go.
func TestHistoryIsBoundedInBytesAndAge(t *testing.T) {
	ctx := context.Background()
	open := func(o Options) *NATS {
		o.DataDir, o.Logger = t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))
		b, err := Open(ctx, &o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	b := open(Options{HistoryMaxBytes: 64 << 10})
	text := strings.Repeat("x", 900)
	for i := range 200 {
		room := []string{"a", "b"}[i%2]
		if _, _, err := b.Store(ctx, room, "t", wire.Event{ID: fmt.Sprint("m", i), From: "t", Text: text, TS: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	info, err := b.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Bytes > 64<<10 || info.State.Msgs >= 200 {
		t.Fatalf("stream holds %d messages, %d bytes: want under 64 KiB, the oldest dropped", info.State.Msgs, info.State.Bytes)
	}
	for _, room := range []string{"a", "b"} {
		msgs, _, err := b.History(ctx, room, 0, 0)
		if err != nil || len(msgs) == 0 || msgs[len(msgs)-1].ID != fmt.Sprint("m", 198+map[string]int{"a": 0, "b": 1}[room]) {
			t.Fatalf("room %s kept %d messages (%v): want its newest ones", room, len(msgs), err)
		}
	}

	aged := open(Options{HistoryMaxAge: time.Second})
	if _, _, err := aged.Store(ctx, "a", "t", wire.Event{ID: "old", From: "t", Text: "soon gone", TS: time.Now()}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, _, err := aged.History(ctx, "a", 0, 0)
		if err == nil && len(msgs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a message older than the 1 s age bound is still kept: %d, %v", len(msgs), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStoreBoundMustHoldTheHistory(t *testing.T) {
	_, err := Open(context.Background(), &Options{DataDir: t.TempDir(), HistoryMaxBytes: 2 << 20, StoreMax: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "smaller than the history") {
		t.Fatalf("store bound below the history's: %v", err)
	}
}

// TestWarnsWhenTheDiskCannotHoldTheStore: a bound past the disk's free
// space is said at start.
func TestWarnsWhenTheDiskCannotHoldTheStore(t *testing.T) {
	dir := t.TempDir()
	free, ok := diskFree(dir)
	if !ok {
		t.Fatal("statfs failed on a temporary directory")
	}
	var log strings.Builder
	b, err := Open(context.Background(), &Options{DataDir: dir, StoreMax: free + 1<<40, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if !strings.Contains(log.String(), "lower -store-max") {
		t.Fatalf("no warning for a store bound past the free space; log:\n%s", log.String())
	}
	log.Reset()
	b, err = Open(context.Background(), &Options{DataDir: t.TempDir(), StoreMax: 8 << 20, HistoryMaxBytes: 4 << 20, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if strings.Contains(log.String(), "store-max") {
		t.Fatalf("warned for an 8 MB store: %s", log.String())
	}
}

func TestPresenceIsSplitUnderThePayloadLimit(t *testing.T) {
	var rooms []wire.Event
	for i := range 20000 {
		rooms = append(rooms, wire.Event{Type: wire.TypePresence, Room: fmt.Sprint("room-", i), Count: 3, Names: []string{"ana", "bo \"the\" builder", "cy\u2028"}})
	}
	limit := presencePartBytes(1 << 20)
	parts := splitPresence(PresenceUpdate{Node: "n", Full: true, Refresh: 7, Rooms: rooms}, limit)
	if len(parts) < 2 {
		t.Fatalf("%d parts for 20,000 rooms", len(parts))
	}
	n := 0
	for i, p := range parts {
		data, _ := json.Marshal(p)
		if len(data) > limit {
			t.Errorf("part %d is %d bytes, over %d", i, len(data), limit)
		}
		if p.Part != i || p.Parts != len(parts) || p.Refresh != 7 || !p.Full || p.Node != "n" {
			t.Errorf("part %d: %+v", i, PresenceUpdate{Node: p.Node, Full: p.Full, Refresh: p.Refresh, Part: p.Part, Parts: p.Parts})
		}
		n += len(p.Rooms)
	}
	if n != len(rooms) {
		t.Errorf("%d rooms in the parts, want %d", n, len(rooms))
	}
	if empty := splitPresence(PresenceUpdate{Node: "n", Full: true, Refresh: 8}, limit); len(empty) != 1 || empty[0].Parts != 1 {
		t.Errorf("an empty refresh: %+v", empty)
	}
}

// TestSyncAlwaysReachesNATS: -sync-always makes the embedded server flush
// each message before it acknowledges it.
func TestSyncAlwaysReachesNATS(t *testing.T) {
	for _, always := range []bool{false, true} {
		b, err := Open(context.Background(), &Options{DataDir: t.TempDir(), SyncAlways: always, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		cfg := b.embedded.JetStreamConfig()
		b.Close()
		if cfg == nil || cfg.SyncAlways != always {
			t.Errorf("SyncAlways %v: the server's JetStream config says %+v", always, cfg)
		}
	}
}

// TestBeforeReadsOnePageBack: a page before a seq is the room's events
// just before it, whatever other rooms wrote between them, and the first
// page of a room is what is left.
func TestBeforeReadsOnePageBack(t *testing.T) {
	b := openEmbedded(t, 10000)
	ctx := context.Background()
	var mine []uint64
	for i := range 300 {
		mine = append(mine, store(t, b, "r", 1, fmt.Sprint("r", i, "-"))...)
		store(t, b, "noise", i%7, fmt.Sprint("n", i, "-")) // uneven gaps
	}
	for _, c := range []struct {
		before uint64
		want   []uint64
	}{
		{mine[299] + 1, mine[250:]},
		{mine[120], mine[70:120]},
		{mine[30], mine[:30]},
		{mine[0], nil},
	} {
		got, err := b.Before(ctx, "r", c.before, 50)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []uint64
		for _, m := range got {
			seqs = append(seqs, m.Seq)
		}
		if !slices.Equal(seqs, c.want) {
			t.Errorf("before %d: %v, want %v", c.before, seqs, c.want)
		}
	}
}

// TestBeforeNearTheTopOfSeqs: a "before" a client made up, near 2^64,
// reads the room's last page at once: the window is counted from the
// stream's end, and cannot overflow into a loop of reads (it did, until
// its 10 s timeout). A cancelled context stops it.
func TestBeforeNearTheTopOfSeqs(t *testing.T) {
	b := openEmbedded(t, 10000)
	mine := store(t, b, "r", 60, "m")
	store(t, b, "noise", 30, "n")
	for _, before := range []uint64{math.MaxUint64, math.MaxUint64 - 1, 1 << 63, mine[59] + 1000} {
		start := time.Now()
		got, err := b.Before(context.Background(), "r", before, 50)
		if err != nil || len(got) != 50 || got[49].Seq != mine[59] || got[0].Seq != mine[10] {
			t.Errorf("before %d: %d messages, %v", before, len(got), err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("before %d took %v", before, d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Before(ctx, "r", math.MaxUint64, 50); err == nil {
		t.Error("a cancelled read went on")
	}
}

// storeFast publishes n messages to room without waiting for each ack, for
// a benchmark's setup.
func storeFast(b *testing.B, br *NATS, room string, n int, text func(int) string) {
	b.Helper()
	js := br.JetStream()
	for i := range n {
		data := wire.Encode(wire.Event{Type: wire.TypeMsg, ID: fmt.Sprint("f", i), From: "t", Text: text(i), TS: time.Now()})
		if _, err := js.PublishAsync(roomSubject+room, data); err != nil {
			b.Fatal(err)
		}
		if i%10000 == 9999 {
			<-js.PublishAsyncComplete()
		}
	}
	<-js.PublishAsyncComplete()
}

// BenchmarkHistoryPage100k is one page of older history (50 messages) in
// a room that keeps 100,000: what scrolling back costs.
func BenchmarkHistoryPage100k(b *testing.B) {
	br := openEmbedded(b, 100000)
	storeFast(b, br, "big", 100000, func(i int) string { return fmt.Sprint("message number ", i, " with some words in it") })
	ctx := context.Background()
	last, _ := br.Last(ctx, "big")
	b.ResetTimer()
	var before uint64 = last + 1
	for b.Loop() {
		msgs, err := br.Before(ctx, "big", before, 50)
		if err != nil || len(msgs) != 50 {
			b.Fatalf("%d msgs, %v", len(msgs), err)
		}
		before = msgs[0].Seq // scroll on, wrap at the start
		if before < last-90000 {
			before = last + 1
		}
	}
}
