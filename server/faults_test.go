package server

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"chat/wire"
)

// A steady chat load over three chat nodes on a three-server NATS cluster,
// through faults: the NATS server that leads the stream killed and
// restarted, a NATS server hung for 10 s, a chat node killed. Writers keep
// an outbox as the UI does (what is not acknowledged is sent again, with
// its id, on the next connection); readers resume after the last seq they
// saw. A checker then proves, against the stream itself, that every
// acknowledged message is stored exactly once, that nothing a writer sent
// was lost, and that every reader saw each room in seq order with no gap
// and no duplicate.

// faultWriter sends a room a message every 50 ms over whichever node
// answers, and keeps what is not acknowledged.
type faultWriter struct {
	name, room, browser string

	mu       sync.Mutex
	acked    map[string]uint64
	pending  []string // ids sent and not yet acknowledged, in order
	texts    map[string]string
	next     int
	refused  int      // error events for a send (unavailable, busy): sent again
	twice    []string // ids acknowledged with two different seqs: stored twice
	connects int
}

// faultReader follows a room over whichever node answers.
type faultReader struct {
	name, room string

	mu       sync.Mutex
	seqs     []uint64
	ids      map[uint64]string
	gaps     [][2]uint64 // (after, first kept) of gap events
	bad      []string    // a seq at or before the last one seen: out of order or twice
	connects int
}

func (w *faultWriter) run(ctx context.Context, nodes []string, stopNew <-chan struct{}, first int) {
	reconnecting(ctx, nodes, first, func(url string) { w.session(ctx, url, stopNew) })
}

// reconnecting runs session on the nodes in turn, from the first, until
// ctx ends: a client that goes to the next node when its connection ends.
func reconnecting(ctx context.Context, nodes []string, first int, session func(url string)) {
	for attempt := first; ctx.Err() == nil; attempt++ {
		session(nodes[attempt%len(nodes)])
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// dialFault connects, or returns nil when the node does not answer.
func dialFault(ctx context.Context, url string) *websocket.Conn {
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		return nil
	}
	c.SetReadLimit(1 << 20)
	return c
}

// session is one connection: hello, join, then every pending message again
// and a new one every 50 ms until the connection ends.
func (w *faultWriter) session(ctx context.Context, url string, stopNew <-chan struct{}) {
	c := dialFault(ctx, url)
	if c == nil {
		return
	}
	defer c.CloseNow()
	w.mu.Lock()
	w.connects++
	w.mu.Unlock()
	send := func(ev wire.Event) error {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return c.Write(wctx, websocket.MessageText, wire.Encode(ev))
	}
	if send(wire.Event{Type: wire.TypeHello, Name: w.name, ID: w.browser}) != nil ||
		send(wire.Event{Type: wire.TypeJoin, Room: w.room}) != nil {
		return
	}
	joined := make(chan struct{})
	retry := make(chan string, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		once := sync.OnceFunc(func() { close(joined) })
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			for line := range wire.Lines(data) {
				ev, err := wire.Decode(line)
				if err != nil {
					continue
				}
				switch {
				case ev.Type == wire.TypeJoined && ev.Room == w.room:
					once()
				case ev.Type == wire.TypeAck:
					w.ack(ev.ID, ev.Seq)
				case ev.Type == wire.TypeError && ev.ID != "":
					w.mu.Lock()
					w.refused++
					w.mu.Unlock()
					select {
					case retry <- ev.ID:
					default:
					}
				}
			}
		}
	}()
	select {
	case <-joined:
	case <-done:
		return
	case <-time.After(5 * time.Second):
		return
	}
	// Everything not acknowledged goes again, as an outbox would.
	w.mu.Lock()
	again := slices.Clone(w.pending)
	w.mu.Unlock()
	for _, id := range again {
		if w.sendOne(send, id) != nil {
			return
		}
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case id := <-retry:
			time.Sleep(200 * time.Millisecond)
			if w.sendOne(send, id) != nil {
				return
			}
		case <-tick.C:
			select {
			case <-stopNew:
				continue
			default:
			}
			w.mu.Lock()
			id := fmt.Sprintf("%s-%d", w.name, w.next)
			w.next++
			w.pending = append(w.pending, id)
			w.texts[id] = fmt.Sprint("message ", id)
			w.mu.Unlock()
			if w.sendOne(send, id) != nil {
				return
			}
		}
	}
}

func (w *faultWriter) sendOne(send func(wire.Event) error, id string) error {
	w.mu.Lock()
	text, still := w.texts[id], slices.Contains(w.pending, id)
	w.mu.Unlock()
	if !still {
		return nil
	}
	return send(wire.Event{Type: wire.TypeSend, Room: w.room, ID: id, Text: text})
}

func (w *faultWriter) ack(id string, seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, ok := w.acked[id]; ok && prev != seq {
		w.twice = append(w.twice, fmt.Sprintf("%s as %d and %d", id, prev, seq))
	}
	w.acked[id] = seq
	if i := slices.Index(w.pending, id); i >= 0 {
		w.pending = slices.Delete(w.pending, i, i+1)
	}
}

func (w *faultWriter) unacked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending)
}

func (r *faultReader) run(ctx context.Context, nodes []string, first int) {
	reconnecting(ctx, nodes, first, func(url string) { r.session(ctx, url) })
}

// session is one connection: join after the last seq seen, then read.
func (r *faultReader) session(ctx context.Context, url string) {
	c := dialFault(ctx, url)
	if c == nil {
		return
	}
	defer c.CloseNow()
	r.mu.Lock()
	r.connects++
	var after uint64
	if len(r.seqs) > 0 {
		after = r.seqs[len(r.seqs)-1]
	}
	r.mu.Unlock()
	wctx, wcancel := context.WithTimeout(ctx, 2*time.Second)
	err := c.Write(wctx, websocket.MessageText, wire.Encode(wire.Event{Type: wire.TypeJoin, Room: r.room, After: after}))
	wcancel()
	if err != nil {
		return
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		for line := range wire.Lines(data) {
			ev, err := wire.Decode(line)
			if err != nil || ev.Room != r.room {
				continue
			}
			r.mu.Lock()
			switch ev.Type {
			case wire.TypeMsg:
				if n := len(r.seqs); n > 0 && ev.Seq <= r.seqs[n-1] {
					r.bad = append(r.bad, fmt.Sprintf("%d after %d", ev.Seq, r.seqs[n-1]))
				} else {
					r.seqs = append(r.seqs, ev.Seq)
					r.ids[ev.Seq] = ev.ID
				}
			case wire.TypeGap:
				r.gaps = append(r.gaps, [2]uint64{ev.After, ev.Seq})
			}
			r.mu.Unlock()
		}
	}
}

func (r *faultReader) last() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seqs) == 0 {
		return 0
	}
	return r.seqs[len(r.seqs)-1]
}

// storedRoom reads a room's messages from the stream itself: seq to id.
// A cluster that just went through faults may take a moment to answer
// every request: each server is tried in turn for up to 30 s.
func storedRoom(t *testing.T, urls []string, room string) (seqs []uint64, ids map[uint64]string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for attempt := 0; ; attempt++ {
		seqs, ids, err := readStoredRoom(urls[attempt%len(urls)], room)
		if err == nil {
			return seqs, ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("reading room %s from the stream: %v", room, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readStoredRoom(url, room string) (seqs []uint64, ids map[uint64]string, err error) {
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second))
	if err != nil {
		return nil, nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "CHAT", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"chat.room." + room}})
	if err != nil {
		return nil, nil, err
	}
	ids = map[uint64]string{}
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return nil, nil, err
		}
		n := 0
		var pending uint64
		for m := range batch.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil {
				return nil, nil, err
			}
			ev, err := wire.Decode(m.Data())
			if err != nil {
				return nil, nil, fmt.Errorf("stored message %d: %w", meta.Sequence.Stream, err)
			}
			seqs = append(seqs, meta.Sequence.Stream)
			ids[meta.Sequence.Stream] = ev.ID
			pending = meta.NumPending
		}
		if err := batch.Error(); err != nil {
			return nil, nil, err
		}
		if n == 0 || pending == 0 {
			return seqs, ids, nil
		}
	}
}

// streamLeader names the NATS server that leads the CHAT stream.
func streamLeader(t *testing.T, urls []string) string {
	t.Helper()
	nc, err := nats.Connect(urls[0], nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "CHAT")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil {
		t.Fatalf("stream info: %v", err)
	}
	if info.Config.Replicas != 3 {
		t.Fatalf("the CHAT stream has %d replicas, want 3", info.Config.Replicas)
	}
	return info.Cluster.Leader
}

func TestClusterFaultsLoseNothing(t *testing.T) {
	t.Parallel()
	procs := startNATSCluster(t, 3)
	urls := natsURLs(procs)
	var nodes []string
	var chatProcs []*faultNode
	for range 3 {
		addr := freeAddr(t)
		nodes = append(nodes, "ws://"+addr+"/ws")
		n := &faultNode{t: t, addr: addr, dir: t.TempDir(), nats: urls}
		n.start()
		chatProcs = append(chatProcs, n)
	}
	leader := streamLeader(t, urls) // also: the stream has 3 replicas

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopNew := make(chan struct{})
	rooms := []string{"f1", "f2", "f3"}
	var writers []*faultWriter
	var readers []*faultReader
	var wg sync.WaitGroup
	for i, room := range rooms {
		for k := range 2 {
			w := &faultWriter{name: fmt.Sprintf("w%d%d", i, k), room: room, browser: fmt.Sprintf("browser-%d-%d", i, k),
				acked: map[string]uint64{}, texts: map[string]string{}}
			r := &faultReader{name: fmt.Sprintf("r%d%d", i, k), room: room, ids: map[uint64]string{}}
			writers, readers = append(writers, w), append(readers, r)
			wg.Go(func() { w.run(ctx, nodes, stopNew, i+k) })
			wg.Go(func() { r.run(ctx, nodes, i+k+1) })
		}
	}
	acked := func() int {
		n := 0
		for _, w := range writers {
			w.mu.Lock()
			n += len(w.acked)
			w.mu.Unlock()
		}
		return n
	}
	waitFor(t, 20*time.Second, "the load starts", func() bool { return acked() > 100 })

	rounds := 1
	if *long {
		rounds = 3 // make soak: the faults again and again
	}
	for round := range rounds {
		leader := leader
		if round > 0 {
			leader = streamLeader(t, urls)
		}
		faultRound(t, procs, chatProcs[round%len(chatProcs)], leader, acked)
	}

	// Quiet down: no new messages, the outboxes drain, the readers catch up.
	close(stopNew)
	waitFor(t, 60*time.Second, "every outbox drained", func() bool {
		for _, w := range writers {
			if w.unacked() > 0 {
				return false
			}
		}
		return true
	})
	stored := map[string][]uint64{}
	storedIDs := map[string]map[uint64]string{}
	for _, room := range rooms {
		stored[room], storedIDs[room] = storedRoom(t, urls, room)
	}
	waitFor(t, 30*time.Second, "every reader caught up", func() bool {
		for _, r := range readers {
			if s := stored[r.room]; len(s) > 0 && r.last() < s[len(s)-1] {
				return false
			}
		}
		return true
	})
	cancel()
	wg.Wait()

	total, refused := 0, 0
	for _, w := range writers {
		total += len(w.acked)
		refused += w.refused
		if len(w.twice) > 0 {
			t.Errorf("writer %s: acknowledged twice with different seqs (stored twice): %v", w.name, w.twice)
		}
		// Every acknowledged message is stored, under its seq, once.
		byID := map[string]int{}
		for _, id := range storedIDs[w.room] {
			byID[id]++
		}
		for id, seq := range w.acked {
			if storedIDs[w.room][seq] != id {
				t.Errorf("writer %s: %s acknowledged as %d, but the stream holds %q there", w.name, id, seq, storedIDs[w.room][seq])
			}
			if byID[id] != 1 {
				t.Errorf("writer %s: %s stored %d times", w.name, id, byID[id])
			}
		}
		// Nothing sent was lost: every message was acknowledged in the end.
		if len(w.acked) != w.next {
			t.Errorf("writer %s sent %d messages and has %d acknowledged", w.name, w.next, len(w.acked))
		}
	}
	for _, r := range readers {
		checkReaderView(t, r, stored[r.room], storedIDs[r.room])
	}
	connects := 0
	for _, r := range readers {
		connects += r.connects
	}
	t.Logf("%d messages acknowledged; %d sends refused during the faults and sent again; readers connected %d times", total, refused, connects)
}

// faultRound puts the cluster through the three faults, each while the
// load goes on: the stream leader's NATS server killed and restarted,
// another NATS server hung for 10 s, a chat node killed.
func faultRound(t *testing.T, procs []*natsProc, node *faultNode, leader string, acked func() int) {
	t.Helper()
	// 1. The NATS server leading the stream dies, and comes back.
	var victim *natsProc
	for _, p := range procs {
		if p.spec.Name == leader {
			victim = p
		}
	}
	before := acked()
	victim.kill9()
	t.Logf("killed %s (the stream's leader) with %d messages acknowledged", leader, before)
	waitFor(t, 30*time.Second, "messages acknowledged again after the leader died", func() bool { return acked() > before+50 })
	victim.start()
	time.Sleep(3 * time.Second)

	// 2. Another NATS server hangs for 10 s.
	hung := procs[0]
	if hung == victim {
		hung = procs[1]
	}
	hung.signal(syscall.SIGSTOP)
	t.Logf("%s stopped (SIGSTOP) for 10 s", hung.spec.Name)
	time.Sleep(10 * time.Second)
	hung.signal(syscall.SIGCONT)
	before = acked()
	waitFor(t, 30*time.Second, "messages acknowledged after the hang", func() bool { return acked() > before+50 })

	// 3. A chat node dies; its clients go on on the others.
	node.kill9()
	t.Logf("chat node %s killed", node.addr)
	before = acked()
	waitFor(t, 30*time.Second, "messages acknowledged after the node died", func() bool { return acked() > before+50 })
	node.start()

}

// checkReaderView proves one reader saw its room's stored messages from its
// first to its last, each once, in order, with no gap but where a gap event
// said so.
func checkReaderView(t *testing.T, r *faultReader, stored []uint64, ids map[uint64]string) {
	t.Helper()
	if len(r.bad) > 0 {
		t.Errorf("reader %s: out of order or twice: %v", r.name, r.bad[:min(5, len(r.bad))])
	}
	if len(r.seqs) == 0 {
		t.Errorf("reader %s saw nothing", r.name)
		return
	}
	i := slices.Index(stored, r.seqs[0])
	if i < 0 {
		t.Errorf("reader %s: first seq %d is not in the stream", r.name, r.seqs[0])
		return
	}
	for _, seq := range r.seqs {
		if r.ids[seq] != ids[seq] {
			t.Errorf("reader %s: seq %d is %q, the stream says %q", r.name, seq, r.ids[seq], ids[seq])
			return
		}
		for i < len(stored) && stored[i] < seq {
			if !explainedGap(r.gaps, stored[i]) {
				t.Errorf("reader %s missed seq %d (no gap event)", r.name, stored[i])
				return
			}
			i++
		}
		i++
	}
}

func explainedGap(gaps [][2]uint64, seq uint64) bool {
	for _, g := range gaps {
		if seq > g[0] && seq < g[1] {
			return true
		}
	}
	return false
}

// faultNode is a chat node process.
type faultNode struct {
	t    *testing.T
	addr string
	dir  string
	nats []string
	cmd  *exec.Cmd
}

func (n *faultNode) start() { n.cmd = serverProcess(n.t, n.addr, n.dir, n.nats...) }

func (n *faultNode) kill9() {
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	_ = n.cmd.Wait()
}
