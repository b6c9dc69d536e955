package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chat/bench"
	"chat/server/hub"
	"chat/wire"
)

// Nothing one connection does may delay another's delivery: these tests
// attack the real transport on real loopback sockets with small buffers.

// pingFlooder is a raw client with a tiny receive buffer that sends pings
// and never reads: the server's pongs fill its socket.
type pingFlooder struct {
	c    net.Conn
	stop chan struct{}
	done chan struct{}
}

// startPingFlooder connects, sends burst pings at once (enough to fill the
// socket, and then some for the queue) and then one every interval until
// stopped. It never reads.
func startPingFlooder(t *testing.T, addr string, burst int, interval time.Duration) *pingFlooder {
	t.Helper()
	c := dialSmall(t, addr, 4096)
	if _, err := io.WriteString(c, upgradeRequest(addr)); err != nil {
		t.Fatal(err)
	}
	p := &pingFlooder{c: c, stop: make(chan struct{}), done: make(chan struct{})}
	t.Cleanup(func() { p.close() })
	ping := frame(true, 0, 0x9, true, []byte(strings.Repeat("p", 125)), -1)
	go func() {
		defer close(p.done)
		var buf []byte
		for range burst {
			buf = append(buf, ping...)
		}
		_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(buf); err != nil {
			return
		}
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				_ = c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write(ping); err != nil {
					return
				}
			}
		}
	}()
	return p
}

func (p *pingFlooder) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.c.Close()
	<-p.done
}

// TestPingFloodersDoNotDelayOthersBroadcasts: clients that send pings and
// never read their pongs fill their sockets; the next broadcasts must reach
// everyone else as fast as before. (The server once wrote pongs under the
// same lock the fan-out took: with 8 such clients a broadcast took 3.5 s.)
// The rate limit is lifted, so that the transport alone must hold.
func TestPingFloodersDoNotDelayOthersBroadcasts(t *testing.T) {
	s, hs := startServer(t, fastSenders)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const healthy, attackers = 200, 8
	fleet, err := bench.Connect(ctx, bench.ConnectOptions{URLs: []string{wsURL(hs)}, Conns: healthy})
	if err != nil || fleet.Connected() != healthy {
		t.Fatalf("connect: %v (%d of %d)", err, fleet.Connected(), healthy)
	}
	defer fleet.Close()
	waitClients(t, s, healthy)
	fanout := func() []time.Duration {
		t.Helper()
		r, err := bench.Fanout(ctx, fleet, bench.FanoutOptions{Trigger: hs.URL + "/benchmark", N: 20, Timeout: 10 * time.Second})
		if err != nil || r.Incomplete > 0 {
			t.Fatalf("fan-out: %v, %d incomplete", err, r.Incomplete)
		}
		return r.Latencies
	}
	first := fanout()
	before, beforeTypical := slices.Max(first), median(first)

	// Each flooder's burst fills its socket (the server's 64 KB send buffer,
	// doubled by the kernel, and 4 KB at the client) and leaves pongs
	// queued; the trickle after keeps it so, well under the queue's cap.
	for range attackers {
		startPingFlooder(t, hs.Listener.Addr().String(), 1500, 20*time.Millisecond)
	}
	// The attack is in its steady state once the server has read every
	// burst (processing 12,000 pings takes CPU, not what is measured here)
	// and every flooder's socket is full.
	deadline := time.Now().Add(10 * time.Second)
	for s.Hub().Stats().Stalled < attackers || s.metrics.ControlIn.Load() < attackers*1500 {
		if time.Now().After(deadline) {
			t.Fatalf("the flooders' sockets never filled (%+v): the attack did not happen", s.Hub().Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	during := fanout()
	if st := s.Hub().Stats(); st.Stalled < attackers {
		t.Fatalf("a flooder's socket drained during the measurement (%+v): the attack did not last", st)
	}
	// The typical broadcast is compared, and the worst bounded: the lock
	// this guards against held every broadcast for seconds, while on a
	// busy machine any one broadcast may meet a scheduler's hiccup.
	worst, typical := slices.Max(during), median(during)
	t.Logf("%d healthy clients, broadcasts before the attack: median %v, worst %v; during it: median %v, worst %v (%d flooders with full sockets)",
		healthy, beforeTypical.Round(time.Microsecond), before.Round(time.Microsecond), typical.Round(time.Microsecond), worst.Round(time.Microsecond), attackers)
	if limit := beforeTypical + 50*time.Millisecond; typical > limit {
		t.Errorf("with %d ping flooders a broadcast took %v to reach everyone (median), against %v before: want at most %v", attackers, typical, beforeTypical, limit)
	}
	if limit := before + time.Second; worst > limit {
		t.Errorf("with %d ping flooders the slowest broadcast took %v, against %v before: want at most %v", attackers, worst, before, limit)
	}
	if fleet.Live() != healthy {
		t.Errorf("%d healthy clients dropped", healthy-fleet.Live())
	}
}

// TestPingFloodIsRateLimitedAndClosed: pings cost a token like any event; a
// client that floods them gets no pong beyond its burst and is closed with
// 1008, while a bystander is served.
func TestPingFloodIsRateLimitedAndClosed(t *testing.T) {
	s, hs := startServer(t, func(c *Config) { c.EventRate, c.EventBurst = 5, 10 })
	bystander := dial(t, hs)
	bystander.joinAs("bystander", "lobby")
	flood := dialRaw(t, hs)
	var pings []byte
	for i := range 200 {
		pings = append(pings, frame(true, 0, 0x9, true, fmt.Appendf(nil, "p%d", i), -1)...)
	}
	flood.send(pings)
	pongs := 0
	code := uint16(0)
	for code == 0 {
		op, p, err := flood.readFrame()
		if err != nil {
			t.Fatalf("connection ended without a close frame after %d pongs: %v", pongs, err)
		}
		switch op {
		case 0xA:
			pongs++
		case 0x8:
			code = binary.BigEndian.Uint16(p)
		}
	}
	if code != 1008 {
		t.Errorf("ping flood closed with %d, want 1008", code)
	}
	if pongs > 10+5 {
		t.Errorf("%d pongs for 200 pings at 5 a second, burst 10", pongs)
	}
	waitClients(t, s, 1)
	bystander.stillServed("lobby")
}

// TestFramesStayWholeWithPartialWritesAndPings: a client with a small
// receive buffer reads slowly while large messages fan out to it and it
// sends pings the whole time. Its socket keeps filling, so frames go out in
// pieces; every frame it reads must be whole (no pong inside a data frame),
// every message must arrive in order, and every ping must get its pong.
func TestFramesStayWholeWithPartialWritesAndPings(t *testing.T) {
	t.Parallel()
	s, hs := startServer(t, func(c *Config) {
		slowReaderTolerated(c)
		// The server's own pings go out between the pieces too (and a
		// long run on a busy machine met them anyway).
		c.Hub.PingInterval = 100 * time.Millisecond
	})
	sender := dial(t, hs)
	sender.joinAs("sender", "big")

	c := dialSmall(t, hs.Listener.Addr().String(), 2048)
	slow := handshakeRaw(t, c, hs.Listener.Addr().String())
	slow.send(frame(true, 0, 0x1, true, wire.Encode(wire.Event{Type: wire.TypeJoin, Room: "big"}), -1))

	loadSlowReader(t, s, sender, slow, c, 400, time.Millisecond)
}

// loadSlowReader is the partial-write load on slow, a client over conn
// that reads 1 KB every 200 µs at most: pings every pingEvery from one
// goroutine (the server answers them while its data frames to this client
// are half written), and from sender, bursts of 200 KB of messages, more
// than the server's socket holds (its 64 KB send buffer, doubled by the
// kernel) and under the client's queue cap beside it, the next burst once
// the reader has nearly caught up. Then readWholeFrames checks what came.
func loadSlowReader(t *testing.T, s *Server, sender *client, slow *rawClient, conn net.Conn, pings int, pingEvery time.Duration) {
	t.Helper()
	const messages = 300
	text := strings.Repeat("m", 3900)
	var received atomic.Int64
	var wg sync.WaitGroup
	// The goroutines end with the test, whichever way it ends: one still
	// sending after a failure would fail a test that is over.
	stop := make(chan struct{})
	defer func() { close(stop); wg.Wait() }()
	wg.Go(func() {
		for i := range pings {
			select {
			case <-stop:
				return
			default:
			}
			slow.send(frame(true, 0, 0x9, true, fmt.Appendf(nil, "ping-%d", i), -1))
			time.Sleep(pingEvery)
		}
	})
	slow.br = bufio.NewReaderSize(&throttled{r: conn, chunk: 1024, pause: 200 * time.Microsecond}, 1024)
	wg.Go(func() {
		for i := range messages {
			select {
			case <-stop:
				return
			default:
			}
			sender.send(wire.Event{Type: wire.TypeSend, Room: "big", ID: fmt.Sprint("m", i), Text: fmt.Sprint(i, " ", text)})
			if i%50 == 49 {
				// The next burst once the reader has nearly caught up,
				// however long that takes on a busy machine: a deadline
				// here sent bursts into a queue that could not hold them,
				// and the reader was dropped as slow for the machine's
				// load, not the server's doing.
				for received.Load() < int64(i-5) {
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
					}
				}
			}
		}
	})
	readWholeFrames(t, s, slow, messages, pings, &received, &wg)
}

// handshakeRaw completes a WebSocket handshake on c by hand.
func handshakeRaw(t *testing.T, c net.Conn, host string) *rawClient {
	t.Helper()
	if _, err := io.WriteString(c, upgradeRequest(host)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, "101") {
		t.Fatalf("handshake: %q %v", line, err)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "\r\n" {
			break
		}
	}
	if br.Buffered() > 0 {
		t.Fatal("frames behind the handshake: this test reads them through its throttle")
	}
	return &rawClient{t: t, c: c, br: br}
}

// throttled reads at most chunk bytes per read, pausing before each.
type throttled struct {
	r     io.Reader
	chunk int
	pause time.Duration
}

func (t *throttled) Read(p []byte) (int, error) {
	time.Sleep(t.pause)
	return t.r.Read(p[:min(len(p), t.chunk)])
}

// slowReaderTolerated is fastSenders with a write timeout long enough that
// a slow reader starved of CPU on a loaded machine (the race detector,
// other tests) is not dropped: these tests look at what reaches it, not
// at how fast.
func slowReaderTolerated(c *Config) {
	fastSenders(c)
	c.Hub = &hub.Options{WriteTimeout: 30 * time.Second}
}

// readWholeFrames reads what the slow reader gets, until every message and
// every pong has come, and checks it: each data frame whole events, the
// messages of room "big" once each and in order, each pong for its ping;
// nobody dropped, and some write found the socket full (the frames did go
// in pieces). The senders are in wg.
func readWholeFrames(t *testing.T, s *Server, slow *rawClient, messages, pings int, received *atomic.Int64, wg *sync.WaitGroup) {
	t.Helper()
	var got []int
	nextPong := 0
	for len(got) < messages || nextPong < pings {
		op, p, err := slow.readFrame()
		if err != nil {
			t.Fatalf("after %d messages and %d pongs: %v (%+v)", len(got), nextPong, err, s.Hub().Stats())
		}
		switch op {
		case 0x1:
			for line := range wire.Lines(p) {
				ev, err := wire.Decode(line)
				if err != nil {
					t.Fatalf("a data frame is not whole events: %v in %.80q", err, line)
				}
				if ev.Type == wire.TypeMsg && ev.Room == "big" {
					var n int
					fmt.Sscan(ev.Text, &n)
					got = append(got, n)
					received.Add(1)
				}
			}
		case 0xA:
			if want := fmt.Sprint("ping-", nextPong); string(p) != want {
				t.Fatalf("pong %q, want %q: a control frame was lost or cut", p, want)
			}
			nextPong++
		case 0x9:
			// The server's own keepalive, when the run has been long
			// enough (a busy machine): answered as any client does.
			slow.send(frame(true, 0, 0xA, true, p, -1))
		default:
			t.Fatalf("unexpected frame opcode %#x (%d bytes): the stream is corrupt", op, len(p))
		}
	}
	wg.Wait()
	for i, n := range got {
		if n != i {
			t.Fatalf("message %d is %d: out of order or lost", i, n)
		}
	}
	st := s.Hub().Stats()
	if st.SlowConsumers != 0 || st.WriteTimeouts != 0 {
		t.Errorf("the slow reader was dropped: %+v", st)
	}
	if st.SocketFull == 0 {
		t.Errorf("no write found the socket full: the test did not write frames in pieces (%+v)", st)
	}
	t.Logf("%d messages and %d pongs whole and in order; %d writes found the socket full", len(got), nextPong, st.SocketFull)
}

// median is the middle of ds.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
