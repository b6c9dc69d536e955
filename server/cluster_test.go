package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"chat/wire"
)

func TestClusterMessageReachesEveryNode(t *testing.T) {
	t.Parallel()
	_, url := startNATS(t, t.TempDir(), 0)
	_, hs := startNodes(t, url, 3, nil)
	var cls []*client
	for i, h := range hs {
		cl := dial(t, h)
		cl.joinAs(fmt.Sprint("user", i), "lobby")
		cls = append(cls, cl)
	}
	seq := cls[0].say("lobby", "c1", "hello cluster")
	for i, cl := range cls {
		m := cl.next(wire.TypeMsg)
		if m.Seq != seq || m.Text != "hello cluster" || m.From != "user0" {
			t.Fatalf("node %d: %+v, want seq %d", i, m, seq)
		}
	}
	// The benchmark broadcast from one node reaches raw clients on all.
	var raw []*client
	for _, h := range hs {
		raw = append(raw, dial(t, h))
	}
	time.Sleep(50 * time.Millisecond) // the hubs register the raw clients
	if res := get(t, hs[1].URL+"/benchmark"); res.StatusCode != http.StatusOK {
		t.Fatal(res.Status)
	}
	for i, cl := range append(raw, cls...) {
		if ev := cl.next(wire.TypeBroadcast); ev.Text != wire.BenchmarkText {
			t.Fatalf("client %d: %+v", i, ev)
		}
	}
}

func TestClusterPresenceAgreesAndDropsADeadNode(t *testing.T) {
	_, url := startNATS(t, t.TempDir(), 0)
	ss, hs := startNodes(t, url, 3, func(c *Config) { c.PresenceExpiry = 1500 * time.Millisecond })
	var cls []*client
	for i, h := range hs {
		cl := dial(t, h)
		cl.joinAs(fmt.Sprint("p", i), "room")
		cls = append(cls, cl)
	}
	for i, cl := range cls {
		if p := waitPresence(t, cl, "room", 3); fmt.Sprint(p.Names) != "[p0 p1 p2]" {
			t.Fatalf("node %d sees %v", i, p.Names)
		}
	}
	// Node 2 dies without a word: it stops publishing, its clients stay
	// connected to nothing. The others must drop its member on expiry.
	ss[2].stop()
	<-ss[2].presenceDone
	start := time.Now()
	for i, cl := range cls[:2] {
		if p := waitPresence(t, cl, "room", 2); fmt.Sprint(p.Names) != "[p0 p1]" {
			t.Fatalf("node %d after the death sees %v", i, p.Names)
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("dead node's members dropped after %v, want about the 1.5 s expiry", took)
	}
	// A clean leave is seen at once, not at expiry.
	cls[1].c.CloseNow()
	waitPresence(t, cls[0], "room", 1)
}

func TestClusterResumeOnAnotherNodeMissesNothing(t *testing.T) {
	t.Parallel()
	_, url := startNATS(t, t.TempDir(), 0)
	_, hs := startNodes(t, url, 3, fastSenders)
	// The reader hops between nodes 0 and 1 while node 2's writer sends.
	resumeUnderTraffic(t, []string{wsURL(hs[0]), wsURL(hs[1])}, wsURL(hs[2]))
}

func TestNodeRidesOutANATSRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns, url := startNATS(t, dir, 0)
	port := ns.Addr().(*net.TCPAddr).Port
	s, hs := startServer(t, func(c *Config) { c.NATSURL = url })
	a, b := dial(t, hs), dial(t, hs)
	a.joinAs("a", "lobby")
	b.joinAs("b", "lobby")
	before := a.say("lobby", "before", "before the restart")
	b.msgs("lobby", 1)

	ns.Shutdown()
	ns.WaitForShutdown()
	for _, cl := range []*client{a, b} {
		if st := cl.next(wire.TypeStatus); st.Code != wire.StatusStoreUnreachable {
			t.Fatalf("with NATS down: status %+v, want %s", st, wire.StatusStoreUnreachable)
		}
	}
	if late := dial(t, hs); late.next(wire.TypeStatus).Code != wire.StatusStoreUnreachable {
		t.Fatal("a client that connects while NATS is down is not told")
	}
	if res := get(t, hs.URL+"/healthz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/healthz with NATS down: %s", res.Status)
	}
	a.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "during", Text: "while NATS is down"})
	if e := a.next(wire.TypeError); e.Code != wire.CodeUnavailable || e.ID != "during" {
		t.Fatalf("send with NATS down: %+v, want %s for the id", e, wire.CodeUnavailable)
	}

	startNATS(t, dir, port) // same port, same store
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.broker.Healthy(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy 15s after NATS came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, cl := range []*client{a, b} {
		if st := cl.next(wire.TypeStatus); st.Code != wire.StatusOK {
			t.Fatalf("NATS back: status %+v, want %s", st, wire.StatusOK)
		}
	}
	// The live consumer was recreated: a new message reaches the others.
	after := a.say("lobby", "during", "while NATS is down") // the resend
	if after <= before {
		t.Fatalf("seq after the restart %d, want > %d", after, before)
	}
	if m := b.msgs("lobby", 1)[0]; m.Seq != after || m.ID != "during" {
		t.Fatalf("after the restart b got %+v", m)
	}
}
