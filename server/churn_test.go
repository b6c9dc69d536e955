package server

import (
	"context"
	"flag"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/wire"
)

// long selects the soak-size versions of the tests that have one (make soak).
var long = flag.Bool("long", false, "run soak-size tests: 5,000 connect/close cycles")

// openFileCount counts this process's file descriptors.
func openFileCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("counting open files needs Linux's /proc: %v", err) // the server's platform
	}
	return len(ents)
}

// settle waits until goroutines and open files are back to at most the
// baseline plus slack, or fails with what is left.
func settle(t *testing.T, goroutines, files int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), openFileCount(t)
		if g <= goroutines+5 && f <= files+5 {
			t.Logf("back to %d goroutines (from %d) and %d open files (from %d)", g, goroutines, f, files)
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("after the churn: %d goroutines (from %d), %d open files (from %d)\n%s", g, goroutines, f, files, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConnectCloseChurnLeaksNothing connects and closes clients over and
// over, in every way a client goes (clean close, abrupt close, after a join
// and a message, a protocol error), and checks that goroutines and open
// files come back to where they started.
func TestConnectCloseChurnLeaksNothing(t *testing.T) {
	s, hs := startServer(t, func(c *Config) { c.EventRate, c.EventBurst = 1e6, 1e6 })
	cycles := 500
	if *long {
		cycles = 5000
	}
	// Warm up: the first connection starts the server's lazy parts.
	warm := dial(t, hs)
	warm.joinAs("warm", "lobby")
	warm.c.Close(websocket.StatusNormalClosure, "")
	waitClients(t, s, 0)
	time.Sleep(200 * time.Millisecond)
	g0, f0 := runtime.NumGoroutine(), openFileCount(t)

	ctx := context.Background()
	for i := range cycles {
		c, _, err := websocket.Dial(ctx, wsURL(hs), nil)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		switch i % 4 {
		case 0: // silent, clean close
			c.Close(websocket.StatusNormalClosure, "")
		case 1: // abrupt
			c.CloseNow()
		case 2: // a real session
			_ = c.Write(ctx, websocket.MessageText, wire.Encode(wire.Event{Type: wire.TypeJoin, Room: "churn"}))
			_ = c.Write(ctx, websocket.MessageText, wire.Encode(wire.Event{Type: wire.TypeSend, Room: "churn", ID: "c" + strconv.Itoa(i), Text: "hi"}))
			_, _, _ = c.Read(ctx)
			c.CloseNow()
		case 3: // closed by the server for a protocol error
			_ = c.Write(ctx, websocket.MessageBinary, []byte{1})
			_, _, _ = c.Read(ctx)
			c.CloseNow()
		}
	}
	waitClients(t, s, 0)
	// The implicit lobby holds and the sweeper's pings end within seconds.
	settle(t, g0, f0)
	if s.Conns() != 0 {
		t.Fatalf("connection count %d after all left", s.Conns())
	}
	if res := get(t, hs.URL+"/healthz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz after the churn: %s", res.Status)
	}
}

func TestShuttingDownRefusesNewConnections(t *testing.T) {
	s, hs := startServer(t, nil)
	s.ws.Refuse() // what Shutdown does first
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, wsURL(hs), nil)
	if err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial while shutting down: %v %v, want 503", err, res)
	}
}
