package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/wire"
)

// TestMain lets the test binary double as a chat server process, so that a
// test can kill one with SIGKILL.
func TestMain(m *testing.M) {
	if spec := os.Getenv("CHAT_TEST_NATS"); spec != "" {
		os.Exit(natsProcessMain(spec))
	}
	if addr := os.Getenv("CHAT_TEST_SERVE_ADDR"); addr != "" {
		cfg := DefaultConfig()
		cfg.Addr = addr
		cfg.DataDir = os.Getenv("CHAT_TEST_SERVE_DATA")
		cfg.NATSURL = os.Getenv("CHAT_TEST_SERVE_NATS")
		cfg.EventRate, cfg.EventBurst = 100000, 100000
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		if err := Run(ctx, cfg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serverProcess starts this test binary as a chat server on addr, with an
// embedded NATS, or on the NATS of natsURL when given.
func serverProcess(t *testing.T, addr, dataDir string, natsURL ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CHAT_TEST_SERVE_ADDR="+addr, "CHAT_TEST_SERVE_DATA="+dataDir)
	if len(natsURL) > 0 {
		cmd.Env = append(cmd.Env, "CHAT_TEST_SERVE_NATS="+strings.Join(natsURL, ","))
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server process on %s not healthy after 30s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestKill9LosesNoAcknowledgedMessage(t *testing.T) {
	t.Parallel()
	addr, dir := freeAddr(t), t.TempDir()
	url := "ws://" + addr + "/ws"
	proc := serverProcess(t, addr, dir)

	w := dialURL(t, url, nil)
	w.joinAs("w", "lobby")
	// Send without waiting, and kill the server while acks are coming in.
	const total = 900 // under the room cap (1000), so that nothing is dropped by it
	go func() {
		for i := range total {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := w.c.Write(ctx, websocket.MessageText, wire.Encode(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "k" + strconv.Itoa(i), Text: strconv.Itoa(i)}))
			cancel()
			if err != nil {
				return
			}
		}
	}()
	acked := map[string]uint64{}
	for len(acked) < 300 {
		if ev := w.next(wire.TypeAck); ev.Room == "lobby" {
			acked[ev.ID] = ev.Seq
		}
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = proc.Wait()
	// Acks that were already on the wire count as acknowledged too.
	<-w.done
	for len(w.events) > 0 {
		w.stash = append(w.stash, <-w.events)
	}
	for _, ev := range w.stash {
		if ev.Type == wire.TypeAck {
			acked[ev.ID] = ev.Seq
		}
	}
	t.Logf("%d messages acknowledged before SIGKILL", len(acked))

	serverProcess(t, addr, dir)
	r := dialURL(t, url, nil)
	head := r.joinAfter("lobby", 0).Seq
	// Page through the whole room with history requests.
	stored := map[string]uint64{}
	for _, m := range r.msgs("lobby", min(int(head), 100)) {
		stored[m.ID] = m.Seq
	}
	for before := head - uint64(len(stored)) + 1; before > 1; {
		r.send(wire.Event{Type: wire.TypeHistory, Room: "lobby", Before: before})
		for {
			ev := r.next2(wire.TypeMsg, wire.TypeHistory)
			if ev.Type == wire.TypeHistory {
				if ev.Count == 0 {
					before = 1
				} else {
					before = ev.Seq
				}
				break
			}
			stored[ev.ID] = ev.Seq
		}
	}
	t.Logf("after restart: head %d, %d messages read", head, len(stored))
	for id, seq := range acked {
		if got, ok := stored[id]; !ok || got != seq {
			t.Fatalf("acknowledged message %s (seq %d) after restart: stored as %d, present %v", id, seq, got, ok)
		}
	}
}

func TestSIGTERMClosesEveryoneWith1001AndKeepsWhatWasAcknowledged(t *testing.T) {
	addr, dir := freeAddr(t), t.TempDir()
	url := "ws://" + addr + "/ws"
	proc := serverProcess(t, addr, dir)
	var cls []*client
	for i := range 3 {
		cl := dialURL(t, url, nil)
		cl.joinAs(fmt.Sprint("u", i), "lobby")
		cls = append(cls, cl)
	}
	acked := map[string]uint64{}
	for i := range 20 {
		id := fmt.Sprint("t", i)
		acked[id] = cls[0].say("lobby", id, "before the signal")
	}
	exited := make(chan error, 1)
	start := time.Now()
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- proc.Wait() }()
	for i, cl := range cls {
		if e := cl.next(wire.TypeError); e.Code != wire.CodeGoingAway || e.Text != "server shutting down" {
			t.Errorf("client %d: farewell %+v", i, e)
		}
		if code := cl.closed(); code != websocket.StatusGoingAway {
			t.Errorf("client %d closed with %v, want 1001", i, code)
		}
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want status 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit within 15 s of SIGTERM")
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	// Nothing listens any more.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("still accepting connections after exit")
	}
	// Every acknowledged message is in the history after a restart.
	serverProcess(t, addr, dir)
	r := dialURL(t, url, nil)
	r.joinAfter("lobby", 0)
	got := map[string]uint64{}
	for _, m := range r.msgs("lobby", len(acked)) {
		got[m.ID] = m.Seq
	}
	for id, seq := range acked {
		if got[id] != seq {
			t.Errorf("acknowledged %s (seq %d) after the restart: %d", id, seq, got[id])
		}
	}
}
