package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"chat/wire"
)

// startServer runs a real server (embedded NATS with JetStream in a temporary
// directory) behind a loopback HTTP listener.
func startServer(t testing.TB, mutate func(*Config)) (*Server, *httptest.Server) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.PresenceEvery = 100 * time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	if mutate != nil {
		mutate(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.Config = s.HTTPServer() // the timeouts of the real thing
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, hs
}

func wsURL(hs *httptest.Server) string { return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws" }

// client is a real WebSocket client over loopback that splits the frames it
// receives into events.
type client struct {
	t      *testing.T
	c      *websocket.Conn
	events chan wire.Event
	done   chan struct{}
	err    error // why reading stopped; read after done is closed
	// stash keeps, in order, events a next call passed over while looking
	// for another type, for the next calls that want them.
	stash []wire.Event
}

func dial(t *testing.T, hs *httptest.Server) *client {
	t.Helper()
	return dialURL(t, wsURL(hs), nil)
}

func dialURL(t *testing.T, url string, opts *websocket.DialOptions) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(1 << 20)
	cl := &client{t: t, c: c, events: make(chan wire.Event, 4096), done: make(chan struct{})}
	go cl.read()
	t.Cleanup(func() { c.CloseNow() })
	return cl
}

func (cl *client) read() {
	defer close(cl.done)
	for {
		_, data, err := cl.c.Read(context.Background())
		if err != nil {
			cl.err = err
			return
		}
		for line := range wire.Lines(data) {
			ev, err := wire.Decode(line)
			if err != nil {
				cl.err = err
				return
			}
			cl.events <- ev
		}
	}
}

func (cl *client) send(ev wire.Event) {
	cl.t.Helper()
	cl.sendRaw(websocket.MessageText, wire.Encode(ev))
}

func (cl *client) sendRaw(typ websocket.MessageType, data []byte) {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cl.c.Write(ctx, typ, data); err != nil {
		cl.t.Fatalf("write: %v", err)
	}
}

// next returns the next event of type typ; events of other types are kept
// for later calls. It fails the test after 5 s.
func (cl *client) next(typ string) wire.Event {
	cl.t.Helper()
	return cl.nextOf(typ)
}

// next2 returns the next event of either type.
func (cl *client) next2(a, b string) wire.Event {
	cl.t.Helper()
	return cl.nextOf(a, b)
}

func (cl *client) nextOf(types ...string) wire.Event {
	cl.t.Helper()
	want := func(ev wire.Event) bool { return slices.Contains(types, ev.Type) }
	for i, ev := range cl.stash {
		if want(ev) {
			cl.stash = slices.Delete(cl.stash, i, i+1)
			return ev
		}
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-cl.events:
			if want(ev) {
				return ev
			}
			cl.stash = append(cl.stash, ev)
		case <-cl.done:
			// Events read before the end are still to be looked at.
			for len(cl.events) > 0 {
				if ev := <-cl.events; want(ev) {
					return ev
				} else {
					cl.stash = append(cl.stash, ev)
				}
			}
			cl.t.Fatalf("connection ended (%v) while waiting for a %v event", cl.err, types)
		case <-timeout:
			cl.t.Fatalf("no %v event within 5s", types)
		}
	}
}

// none checks that no event of type typ is waiting or arrives within d.
func (cl *client) none(typ string, d time.Duration) {
	cl.t.Helper()
	for _, ev := range cl.stash {
		if ev.Type == typ {
			cl.t.Fatalf("unexpected %s event: %+v", typ, ev)
		}
	}
	timeout := time.After(d)
	for {
		select {
		case ev := <-cl.events:
			if ev.Type == typ {
				cl.t.Fatalf("unexpected %s event: %+v", typ, ev)
			}
			cl.stash = append(cl.stash, ev)
		case <-timeout:
			return
		}
	}
}

// closed waits for the server to close the connection and returns the close
// status it sent.
func (cl *client) closed() websocket.StatusCode {
	cl.t.Helper()
	select {
	case <-cl.done:
	case <-time.After(10 * time.Second):
		cl.t.Fatal("server did not close the connection within 10s")
	}
	return websocket.CloseStatus(cl.err)
}

// joinAs says hello and joins room, waiting for both answers.
func (cl *client) joinAs(name, room string) {
	cl.t.Helper()
	cl.send(wire.Event{Type: wire.TypeHello, Name: name})
	if ev := cl.next(wire.TypeWelcome); ev.Name != name {
		cl.t.Fatalf("welcome for %q, want %q", ev.Name, name)
	}
	cl.send(wire.Event{Type: wire.TypeJoin, Room: room})
	if ev := cl.next(wire.TypeJoined); ev.Room != room {
		cl.t.Fatalf("joined %q, want %q", ev.Room, room)
	}
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// dialSmall opens a TCP connection to addr whose receive buffer is rcvbuf
// bytes, the way a phone on a bad link or a peer that stopped reading looks
// to the server once its buffer fills.
func dialSmall(t *testing.T, addr string, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// upgradeRequest is the handshake of a WebSocket client to /ws.
func upgradeRequest(host string) string {
	return "GET /ws HTTP/1.1\r\nHost: " + host + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
}

// dialStalled opens a WebSocket by hand over a TCP socket with a small
// receive buffer, and never reads from it: a peer that stopped reading.
func dialStalled(t *testing.T, hs *httptest.Server) net.Conn {
	t.Helper()
	c := dialSmall(t, hs.Listener.Addr().String(), 4096)
	if _, err := io.WriteString(c, upgradeRequest(hs.Listener.Addr().String())); err != nil {
		t.Fatal(err)
	}
	return c
}

// startNATS runs a standalone NATS server with JetStream on a free loopback
// port, as a cluster's NATS would be, and returns its client URL.
func startNATS(t *testing.T, storeDir string, port int) (*natsserver.Server, string) {
	t.Helper()
	if port == 0 {
		port = -1
	}
	ns, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: storeDir, NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns, ns.ClientURL()
}

// startNodes runs n chat servers on one external NATS.
func startNodes(t *testing.T, natsURL string, n int, mutate func(*Config)) ([]*Server, []*httptest.Server) {
	t.Helper()
	var ss []*Server
	var hs []*httptest.Server
	for range n {
		s, h := startServer(t, func(c *Config) {
			c.NATSURL = natsURL
			if mutate != nil {
				mutate(c)
			}
		})
		ss, hs = append(ss, s), append(hs, h)
	}
	return ss, hs
}

// say sends a message and waits for its ack, returning the seq.
func (cl *client) say(room, id, text string) uint64 {
	cl.t.Helper()
	cl.send(wire.Event{Type: wire.TypeSend, Room: room, ID: id, Text: text})
	for {
		ev := cl.next(wire.TypeAck)
		if ev.ID == id {
			return ev.Seq
		}
	}
}

// stillServed checks that cl, a bystander of something that went wrong for
// another client, still gets its own message back from room.
func (cl *client) stillServed(room string) {
	cl.t.Helper()
	id := fmt.Sprint("served-", time.Now().UnixNano())
	cl.send(wire.Event{Type: wire.TypeSend, Room: room, ID: id, Text: "unaffected"})
	for {
		if m := cl.next(wire.TypeMsg); m.ID == id {
			return
		}
	}
}

// sayN sends n messages to room, ids prefix0, prefix1, ..., texts "0", "1",
// ..., and returns their seqs as acknowledged.
func (cl *client) sayN(room, prefix string, n int) []uint64 {
	cl.t.Helper()
	seqs := make([]uint64, n)
	for i := range seqs {
		seqs[i] = cl.say(room, fmt.Sprint(prefix, i), fmt.Sprint(i))
	}
	return seqs
}

// joinAfter joins room resuming after seq and returns the joined event.
func (cl *client) joinAfter(room string, after uint64) wire.Event {
	cl.t.Helper()
	cl.send(wire.Event{Type: wire.TypeJoin, Room: room, After: after})
	for {
		if ev := cl.next(wire.TypeJoined); ev.Room == room {
			return ev
		}
	}
}

// msgs collects n msg events of room.
func (cl *client) msgs(room string, n int) []wire.Event {
	cl.t.Helper()
	var out []wire.Event
	for len(out) < n {
		if ev := cl.next(wire.TypeMsg); ev.Room == room {
			out = append(out, ev)
		}
	}
	return out
}
