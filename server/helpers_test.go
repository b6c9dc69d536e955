package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/wire"
)

// startServer runs a real server (embedded NATS with JetStream in a temporary
// directory) behind a loopback HTTP listener.
func startServer(t *testing.T, mutate func(*Config)) (*Server, *httptest.Server) {
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
	hs := httptest.NewServer(s.Handler())
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

// next returns the next event of type typ, skipping others (presence comes
// and goes on its own schedule); it fails the test after 5 s.
func (cl *client) next(typ string) wire.Event {
	cl.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-cl.events:
			if ev.Type == typ {
				return ev
			}
		case <-cl.done:
			// Events read before the end are still to be looked at.
			for {
				select {
				case ev := <-cl.events:
					if ev.Type == typ {
						return ev
					}
					continue
				default:
				}
				break
			}
			cl.t.Fatalf("connection ended (%v) while waiting for a %q event", cl.err, typ)
		case <-timeout:
			cl.t.Fatalf("no %q event within 5s", typ)
		}
	}
}

// none checks that no event of type typ arrives within d.
func (cl *client) none(typ string, d time.Duration) {
	cl.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-cl.events:
			if ev.Type == typ {
				cl.t.Fatalf("unexpected %s event: %+v", typ, ev)
			}
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

// errorCode returns e's protocol error code, or "" if it is not one.
func errorCode(err error) string {
	var pe *wire.ProtocolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// dialStalled opens a WebSocket by hand over a TCP socket with a small
// receive buffer, and never reads from it: a peer that stopped reading.
func dialStalled(t *testing.T, hs *httptest.Server) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	c, err := d.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	req := "GET /ws HTTP/1.1\r\nHost: " + hs.Listener.Addr().String() + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	return c
}
