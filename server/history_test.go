package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"chat/wire"
)

func fastSenders(c *Config) { c.EventRate, c.EventBurst = 100000, 100000 }

func TestJoinGetsTheLastMessagesThenResumesAfterASeq(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, fastSenders)
	w := dial(t, hs)
	w.joinAs("writer", "tea")
	seqs := w.sayN("tea", "m", 150)
	// An ack says stored; the writer's own copies coming back say this
	// node's live feed has them too (a join in between is told the room
	// ends one before, and gets the last one live).
	w.msgs("tea", 150)

	// A fresh join gets the last 100, in order, after joined.
	r := dial(t, hs)
	r.send(wire.Event{Type: wire.TypeJoin, Room: "tea"})
	joined := r.next(wire.TypeJoined)
	if joined.Seq != seqs[149] {
		t.Fatalf("joined.seq = %d, want the room's last %d", joined.Seq, seqs[149])
	}
	got := r.msgs("tea", 100)
	for i, m := range got {
		if m.Seq != seqs[50+i] || m.Text != fmt.Sprint(50+i) || m.From != "writer" {
			t.Fatalf("history[%d] = %+v, want seq %d", i, m, seqs[50+i])
		}
	}
	r.none(wire.TypeMsg, 100*time.Millisecond)

	// A resume gets every message after its seq, even beyond 100.
	r2 := dial(t, hs)
	r2.joinAfter("tea", seqs[9])
	for i, m := range r2.msgs("tea", 140) {
		if m.Seq != seqs[10+i] {
			t.Fatalf("resumed[%d] seq %d, want %d", i, m.Seq, seqs[10+i])
		}
	}
	r2.none(wire.TypeMsg, 100*time.Millisecond)
	// Nothing missed: nothing sent, no gap.
	r3 := dial(t, hs)
	if j := r3.joinAfter("tea", seqs[149]); j.Seq != seqs[149] {
		t.Fatalf("joined.seq %d", j.Seq)
	}
	r3.none(wire.TypeMsg, 100*time.Millisecond)
	r3.none(wire.TypeGap, 10*time.Millisecond)
}

func TestOlderHistoryOnRequest(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, fastSenders)
	w := dial(t, hs)
	w.joinAs("w", "lobby")
	seqs := w.sayN("lobby", "h", 120)
	// Take in every echo of the sends first, so that what follows is the
	// history answer alone.
	for echoed := 0; echoed < len(seqs); {
		if m := w.next(wire.TypeMsg); m.Room == "lobby" {
			echoed++
		}
	}
	w.stash = nil
	w.send(wire.Event{Type: wire.TypeHistory, Room: "lobby", Before: seqs[100]})
	var page []wire.Event
	for {
		ev := w.next2(wire.TypeMsg, wire.TypeHistory)
		if ev.Type == wire.TypeMsg {
			page = append(page, ev)
		}
		if ev.Type == wire.TypeHistory {
			if ev.Count != 50 || ev.Seq != seqs[50] || ev.Before != seqs[100] {
				t.Fatalf("history end = %+v, want count 50 from seq %d", ev, seqs[50])
			}
			break
		}
	}
	if len(page) != 50 || page[0].Seq != seqs[50] || page[49].Seq != seqs[99] {
		t.Fatalf("page of %d from %d to %d, want seqs %d..%d", len(page), page[0].Seq, page[len(page)-1].Seq, seqs[50], seqs[99])
	}
	w.send(wire.Event{Type: wire.TypeHistory, Room: "lobby", Before: seqs[0]})
	if end := w.next(wire.TypeHistory); end.Count != 0 {
		t.Fatalf("before the first message: %+v, want count 0", end)
	}
	w.send(wire.Event{Type: wire.TypeHistory, Room: "elsewhere", Before: 10})
	if e := w.next(wire.TypeError); e.Code != wire.CodeNotJoined {
		t.Fatalf("history of a room not joined: %+v", e)
	}
}

func TestGapWhenHistoryCapDroppedWhatWasMissed(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { fastSenders(c); c.HistoryPerRoom = 10 })
	w := dial(t, hs)
	w.joinAs("w", "lobby")
	seqs := w.sayN("lobby", "g", 30)
	r := dial(t, hs)
	r.joinAfter("lobby", seqs[5])
	gap := r.next(wire.TypeGap)
	if gap.After != seqs[5] || gap.Seq != seqs[20] {
		t.Fatalf("gap = %+v, want after %d, first kept %d", gap, seqs[5], seqs[20])
	}
	if got := r.msgs("lobby", 10); got[0].Seq != seqs[20] || got[9].Seq != seqs[29] {
		t.Fatalf("after the gap: %d..%d", got[0].Seq, got[9].Seq)
	}
	// Within what is kept, no gap.
	r2 := dial(t, hs)
	r2.joinAfter("lobby", seqs[25])
	r2.msgs("lobby", 4)
	r2.none(wire.TypeGap, 100*time.Millisecond)
}

// TestResumeFarBackIsBounded: a join resuming further back than
// MaxResume (after:1 in a big room read it whole) gets the room's last
// MaxResume messages after a gap that says the earlier ones are kept,
// and gets them on asking.
func TestResumeFarBackIsBounded(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { fastSenders(c); c.HistoryOnJoin = 5; c.MaxResume = 20 })
	w := dial(t, hs)
	w.joinAs("w", "lobby")
	seqs := w.sayN("lobby", "b", 60)
	w.msgs("lobby", 60)
	r := dial(t, hs)
	r.joinAfter("lobby", 1)
	gap := r.next(wire.TypeGap)
	if gap.After != 1 || gap.Seq != seqs[40] || gap.Code != wire.GapNotSent {
		t.Fatalf("gap = %+v, want after 1, seq %d, code %s", gap, seqs[40], wire.GapNotSent)
	}
	if got := r.msgs("lobby", 20); got[0].Seq != seqs[40] || got[19].Seq != seqs[59] {
		t.Fatalf("after the gap: %d..%d, want %d..%d", got[0].Seq, got[19].Seq, seqs[40], seqs[59])
	}
	r.none(wire.TypeMsg, 100*time.Millisecond)
	r.send(wire.Event{Type: wire.TypeHistory, Room: "lobby", Before: gap.Seq})
	if end := r.next(wire.TypeHistory); end.Count != 40 || end.Seq != seqs[0] {
		t.Fatalf("the messages not sent, asked for: %+v", end)
	}
	// Within the bound, every message after the seq, and no gap.
	r2 := dial(t, hs)
	r2.joinAfter("lobby", seqs[44])
	r2.msgs("lobby", 15)
	r2.none(wire.TypeGap, 100*time.Millisecond)
}

func TestSameClientIDIsStoredOnce(t *testing.T) {
	_, hs := startServer(t, nil)
	a, b := dial(t, hs), dial(t, hs)
	a.joinAs("a", "lobby")
	b.joinAs("b", "lobby")
	first := a.say("lobby", "only-once", "hello")
	second := a.say("lobby", "only-once", "hello") // a resend after a lost ack
	if first != second {
		t.Fatalf("resend acked as seq %d, first was %d: stored twice", second, first)
	}
	b.msgs("lobby", 1)
	b.none(wire.TypeMsg, 200*time.Millisecond)
	r := dial(t, hs)
	r.joinAfter("lobby", 0)
	if got := r.msgs("lobby", 1); got[0].ID != "only-once" {
		t.Fatalf("history %+v", got)
	}
	r.none(wire.TypeMsg, 200*time.Millisecond)
}

// TestSameIDFromSomeoneElseIsAnotherMessage: the dedupe key is the
// sender's, per room. (It was the client's id alone: bo's "X1" in beta was
// acked with ana's seq in alpha and never stored.)
func TestSameIDFromSomeoneElseIsAnotherMessage(t *testing.T) {
	_, hs := startServer(t, nil)
	ana, bo, cy := dial(t, hs), dial(t, hs), dial(t, hs)
	ana.joinAs("ana", "alpha")
	bo.joinAs("bo", "beta")
	cy.joinAs("cy", "alpha")
	sAna := ana.say("alpha", "X1", "ana's")
	sBo := bo.say("beta", "X1", "bo's")
	sCy := cy.say("alpha", "X1", "cy's")
	if sBo == sAna || sCy == sAna || sCy == sBo {
		t.Fatalf("acks: ana %d, bo %d, cy %d: someone was acked with another's message", sAna, sBo, sCy)
	}
	for room, want := range map[string][]string{"alpha": {"ana's", "cy's"}, "beta": {"bo's"}} {
		r := dial(t, hs)
		r.joinAfter(room, 0)
		var got []string
		for _, m := range r.msgs(room, len(want)) {
			got = append(got, m.Text)
		}
		if !slices.Equal(got, want) {
			t.Errorf("history of %s: %q, want %q", room, got, want)
		}
		r.none(wire.TypeMsg, 100*time.Millisecond)
	}
}

// TestResendFromAnotherConnectionOfTheBrowserIsStoredOnce: a browser that
// reconnects resends its outbox; its id (hello) scopes the dedupe.
func TestResendFromAnotherConnectionOfTheBrowserIsStoredOnce(t *testing.T) {
	_, hs := startServer(t, nil)
	first := dial(t, hs)
	first.send(wire.Event{Type: wire.TypeHello, Name: "ana", ID: "browser-1"})
	first.next(wire.TypeWelcome)
	first.joinAfter("lobby", 0)
	seq := first.say("lobby", "m-1", "once")
	first.c.CloseNow()
	again := dial(t, hs)
	again.send(wire.Event{Type: wire.TypeHello, Name: "ana", ID: "browser-1"})
	again.next(wire.TypeWelcome)
	again.joinAfter("lobby", seq)
	if resent := again.say("lobby", "m-1", "once"); resent != seq {
		t.Fatalf("resend acked as %d, the first copy is %d", resent, seq)
	}
	again.none(wire.TypeMsg, 200*time.Millisecond)
}

func TestHistorySurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := func(c *Config) { c.DataDir = dir }
	s1, hs1 := startServer(t, cfg)
	w := dial(t, hs1)
	w.joinAs("w", "lobby")
	seqs := w.sayN("lobby", "r", 20)
	hs1.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	s1.Shutdown(ctx)
	cancel()

	_, hs2 := startServer(t, cfg)
	r := dial(t, hs2)
	if j := r.joinAfter("lobby", 0); j.Seq != seqs[19] {
		t.Fatalf("after restart joined.seq = %d, want %d", j.Seq, seqs[19])
	}
	for i, m := range r.msgs("lobby", 20) {
		if m.Seq != seqs[i] || m.ID != fmt.Sprint("r", i) {
			t.Fatalf("after restart history[%d] = %+v", i, m)
		}
	}
	// New messages continue the sequence.
	if next := r.say("lobby", "after-restart", "still here"); next <= seqs[19] {
		t.Fatalf("seq after restart %d, want > %d", next, seqs[19])
	}
}

// TestResumeWithTrafficIsGaplessAndDuplicateFree reconnects a reader again
// and again while a writer keeps sending, and checks that the reader saw
// every message exactly once, in order.
func TestResumeWithTrafficIsGaplessAndDuplicateFree(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, fastSenders)
	resumeUnderTraffic(t, []string{wsURL(hs)}, wsURL(hs))
}

func resumeUnderTraffic(t *testing.T, readerURLs []string, writerURL string) {
	t.Helper()
	w := dialURL(t, writerURL, nil)
	w.joinAs("writer", "stream")
	const total = 600
	var wg sync.WaitGroup
	sent := make([]uint64, 0, total)
	wg.Go(func() {
		for i := range total {
			w.send(wire.Event{Type: wire.TypeSend, Room: "stream", ID: fmt.Sprint("s", i), Text: fmt.Sprint(i)})
			if i%50 == 0 {
				time.Sleep(5 * time.Millisecond) // let the reader move in between
			}
		}
	})
	// The writer's acks, collected on the test goroutine after the send loop.
	var seen []uint64
	var last uint64
	for hop := 0; len(seen) < total; hop++ {
		r := dialURL(t, readerURLs[hop%len(readerURLs)], nil)
		r.joinAfter("stream", last)
		// Read a while, then drop the connection mid-stream.
		take := 97
		for len(seen) < total && take > 0 {
			ev := r.next(wire.TypeMsg)
			if ev.Room != "stream" {
				continue
			}
			seen = append(seen, ev.Seq)
			last = ev.Seq
			take--
		}
		r.c.CloseNow()
	}
	wg.Wait()
	for len(sent) < total {
		if ev := w.next(wire.TypeAck); ev.Room == "stream" {
			sent = append(sent, ev.Seq)
		}
	}
	slices.Sort(sent)
	if !slices.IsSorted(seen) || !slices.Equal(seen, sent) {
		t.Fatalf("reader saw %d messages (sorted %v), writer stored %d: gaps or duplicates\nfirst difference near %v",
			len(seen), slices.IsSorted(seen), len(sent), firstDiff(seen, sent))
	}
}

func firstDiff(a, b []uint64) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("index %d: %d vs %d", i, a[i], b[i])
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(a), len(b))
}
