package bench

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/server"
	"chat/wire"
)

// startChat runs the real chat server in this process.
func startChat(t *testing.T) (*server.Server, string) {
	t.Helper()
	s, hs := startChatOn(t, httptest.NewServer)
	return s, hs.URL
}

// startChatOn runs the real chat server behind the test server start
// makes (httptest.NewServer, or NewTLSServer).
func startChatOn(t *testing.T, start func(http.Handler) *httptest.Server) (*server.Server, *httptest.Server) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := start(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, hs
}

func wsOf(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") + "/ws" }

func TestBenchAgainstTheChatServer(t *testing.T) {
	_, url := startChat(t)
	rep, err := Run(context.Background(), Options{
		URLs: []string{wsOf(url)}, Conns: 300, Trigger: url + "/benchmark", Timeout: 10 * time.Second,
		N: 20, Burst: 50, Concurrency: 5, Senders: 5, Rate: 10, Duration: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Clients != 300 || rep.ConnectFailed != 0 || rep.Failed() {
		t.Fatalf("report %+v: want 300 clients, nothing failed", rep)
	}
	f := rep.Fanout.Latency
	if f.N != 20 || f.P50 <= 0 || f.P50 > f.P90 || f.P90 > f.P99 || f.P99 > f.Max || f.Max > 10*time.Second {
		t.Errorf("fan-out percentiles not sane: %+v", f)
	}
	if b := rep.Burst; b.Delivered != 50*300 || b.Expected != b.Delivered || b.DeliveriesPerS <= 0 {
		t.Errorf("burst %+v: want 15000 deliveries", b)
	}
	if c := rep.Chat; c.Sent != 50 || c.Latency.N != 50 || c.Latency.P50 <= 0 || c.Delivered != 50*299 {
		t.Errorf("chat %+v: want 50 messages timed, each counted by the 299 others", c)
	}
	if rep.Fanout.Delivered != 20*300 {
		t.Errorf("fan-out counted %d deliveries, want %d", rep.Fanout.Delivered, 20*300)
	}
}

// TestSecondChatLoadOnOneServerDeliversEverything: message ids are unique to
// a run. (They were L0, L1, ... every time, so a second load within the
// server's dedupe window was taken for resends: 30 of 30 incomplete.)
func TestSecondChatLoadOnOneServerDeliversEverything(t *testing.T) {
	_, url := startChat(t)
	for run := range 2 {
		rep, err := Run(context.Background(), Options{
			URLs: []string{wsOf(url)}, Conns: 20, Timeout: 5 * time.Second,
			Senders: 3, Rate: 10, Duration: time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		if c := rep.Chat; c.Incomplete != 0 || c.Delivered != int64(c.Sent*19) {
			t.Fatalf("run %d: %+v, want every message counted by the 19 other clients", run+1, c)
		}
	}
}

// echoServer answers the chat load the way a chat server would, with a
// flaw: it acks each message to its sender (the ack names the id) and sends
// the msg event to every other client but one.
type echoServer struct {
	mu    sync.Mutex
	conns []*websocket.Conn
}

func (s *echoServer) connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	for {
		_, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		ev, err := wire.Decode(data)
		if err != nil || ev.Type != wire.TypeSend {
			continue
		}
		ack := wire.Encode(wire.Event{Type: wire.TypeAck, Room: ev.Room, ID: ev.ID, Seq: 1})
		msg := wire.Encode(wire.Event{Type: wire.TypeMsg, Room: ev.Room, ID: ev.ID, Seq: 1, From: "x", Text: ev.Text})
		s.mu.Lock()
		left := s.conns[len(s.conns)-1] // the one left out: the last other client
		if left == c {
			left = s.conns[len(s.conns)-2]
		}
		for _, o := range s.conns {
			switch o {
			case c:
				_ = o.Write(context.Background(), websocket.MessageText, ack)
				_ = o.Write(context.Background(), websocket.MessageText, msg)
			case left:
			default:
				_ = o.Write(context.Background(), websocket.MessageText, msg)
			}
		}
		s.mu.Unlock()
	}
}

// TestChatLoadCountsOnlyMsgEventsOfOthers: the sender's ack and its own
// message coming back are not deliveries, so a client that never gets the
// message leaves it incomplete.
func TestChatLoadCountsOnlyMsgEventsOfOthers(t *testing.T) {
	res := chatAgainst(t, &echoServer{}, 5, 300*time.Millisecond)
	if res.Incomplete != res.Sent || len(res.Latencies) != 0 {
		t.Errorf("%d of %d incomplete: the last client never got a message, so none reached everyone", res.Incomplete, res.Sent)
	}
	if want := int64(res.Sent * 3); res.Delivered != want {
		t.Errorf("%d deliveries counted, want %d: 3 other clients got each message", res.Delivered, want)
	}
}

// lossyServer speaks the seed's protocol (raw "test message" frames) but
// leaves one client out of one broadcast.
type lossyServer struct {
	mu       sync.Mutex
	conns    []*websocket.Conn
	triggers int
	skipAt   int // the broadcast (1-based) that the first client misses
}

func (s *lossyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/benchmark" {
		s.mu.Lock()
		s.triggers++
		for i, c := range s.conns {
			if i == 0 && s.triggers == s.skipAt {
				continue
			}
			_ = c.Write(r.Context(), websocket.MessageText, []byte("test message"))
		}
		s.mu.Unlock()
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	_, _, _ = c.Read(context.Background()) // hold until the client goes
}

func TestMissedBroadcastIsReportedIncomplete(t *testing.T) {
	lossy := &lossyServer{skipAt: 3}
	hs := httptest.NewServer(lossy)
	defer hs.Close()
	f, err := Connect(context.Background(), ConnectOptions{URLs: []string{wsOf(hs.URL)}, Conns: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	time.Sleep(100 * time.Millisecond)
	res, err := Fanout(context.Background(), f, FanoutOptions{Trigger: hs.URL + "/benchmark", N: 5, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Incomplete == 0 {
		t.Fatalf("a client missed broadcast 3, yet %d of 5 complete and 0 incomplete", len(res.Latencies))
	}
	if len(res.Latencies) != 2 {
		t.Errorf("broadcasts 1 and 2 reached everyone: %d complete, want 2", len(res.Latencies))
	}
}

// TestMain lets the test binary double as a bench worker process.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == WorkerCommand {
		os.Exit(WorkerMain(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestWorkerProcessesHoldWhatOneProcessMayNot(t *testing.T) {
	_, url := startChat(t)
	rep, err := Run(context.Background(), Options{
		URLs: []string{wsOf(url)}, Conns: 250, PerProcess: 100, Trigger: url + "/benchmark", Timeout: 10 * time.Second,
		N: 10, Burst: 20, Concurrency: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Workers != 3 || rep.Clients != 250 || rep.Failed() {
		t.Fatalf("report %+v: want 250 clients in 3 workers, nothing failed", rep)
	}
	if f := rep.Fanout.Latency; f.N != 10 || f.P50 <= 0 || f.Max > 10*time.Second {
		t.Errorf("fan-out over workers: %+v", f)
	}
	if b := rep.Burst; b.Delivered != 20*250 {
		t.Errorf("burst over workers delivered %d, want %d", b.Delivered, 20*250)
	}
	if _, err := Run(context.Background(), Options{URLs: []string{wsOf(url)}, Conns: 250, PerProcess: 100, Senders: 2, Rate: 1, Duration: time.Second}); err == nil {
		t.Error("a chat load over worker processes should be refused")
	}
}

// TestChatLoadOverRooms: with -rooms the clients are spread over rooms and
// each room's senders reach that room's other members only.
func TestChatLoadOverRooms(t *testing.T) {
	_, url := startChat(t)
	rep, err := Run(context.Background(), Options{
		URLs: []string{wsOf(url)}, Conns: 60, Rooms: 6, Timeout: 5 * time.Second,
		Senders: 2, Rate: 5, Duration: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Chat
	if c.Rooms != 6 || c.Sent != 6*2*5 || c.Incomplete != 0 || c.Refused != 0 || c.Delivered != int64(c.Sent*9) {
		t.Fatalf("chat over rooms: %+v; want 60 messages, each counted by the 9 others of its room", c)
	}
}

// refusingServer answers every send with a busy error.
type refusingServer struct{}

func (refusingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	for {
		_, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		if ev, err := wire.Decode(data); err == nil && ev.Type == wire.TypeSend {
			_ = c.Write(context.Background(), websocket.MessageText,
				wire.Encode(wire.Event{Type: wire.TypeError, Code: wire.CodeBusy, Text: "busy", Room: ev.Room, ID: ev.ID}))
		}
	}
}

// TestRefusedMessagesAreNotIncomplete: a message the server refused (and so
// did not store) is counted as refused; nobody was owed it.
func TestRefusedMessagesAreNotIncomplete(t *testing.T) {
	res := chatAgainst(t, refusingServer{}, 3, 2*time.Second)
	if res.Refused != res.Sent || res.Incomplete != 0 || res.Delivered != 0 {
		t.Errorf("%+v: want every message refused, none incomplete", res)
	}
}

// chatAgainst runs a quarter second of chat load, one sender at 20 msg/s,
// against a test server with conns clients.
func chatAgainst(t *testing.T, h http.Handler, conns int, timeout time.Duration) ChatResult {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	f, err := Connect(context.Background(), ConnectOptions{URLs: []string{wsOf(hs.URL)}, Conns: conns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	// A client's handshake is done before a fake server's handler has
	// registered its connection: a message sent meanwhile would miss it.
	if c, ok := h.(interface{ connected() int }); ok {
		for deadline := time.Now().Add(5 * time.Second); c.connected() < conns && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	res, err := Chat(context.Background(), f, ChatOptions{Senders: 1, Rate: 20, Duration: 250 * time.Millisecond, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestBenchOverTLS: the same loads over wss:// and https://, trusting the
// server's certificate from a PEM file as `chat bench -ca` does.
func TestBenchOverTLS(t *testing.T) {
	_, hs := startChatOn(t, httptest.NewTLSServer)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := TrustCA(ca); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { caFile, clientTLS = "", &tls.Config{} })
	rep, err := Run(context.Background(), Options{
		URLs: []string{"wss" + strings.TrimPrefix(hs.URL, "https") + "/ws"}, Conns: 100, Trigger: hs.URL + "/benchmark",
		Timeout: 10 * time.Second, N: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Clients != 100 || rep.ConnectFailed != 0 || rep.Failed() || rep.Fanout.Delivered != 10*100 {
		t.Fatalf("report %+v: want 100 clients over TLS, 1000 deliveries", rep)
	}
}

// TestChatLoadWithTypers: typers beside the senders, against the real
// server: every message still reaches everyone.
func TestChatLoadWithTypers(t *testing.T) {
	_, url := startChat(t)
	rep, err := Run(context.Background(), Options{
		URLs: []string{wsOf(url)}, Conns: 60, Timeout: 10 * time.Second,
		Senders: 2, Rate: 5, Duration: 4 * time.Second, Typers: 40,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Chat; c == nil || c.Sent != 40 || c.Incomplete != 0 || c.Delivered != 40*59 {
		t.Fatalf("chat with typers: %+v", rep.Chat)
	}
}
