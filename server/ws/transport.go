package ws

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"chat/server/hub"
	"chat/server/socket"
)

// readBufferSize is each connection's read buffer. Clients send little (a
// chat message is a few hundred bytes), and a larger message is read past
// the buffer, so net/http's 4 KB would mostly sit empty.
const readBufferSize = 256

// sendBufferSize is each connection's socket send buffer (the kernel
// doubles it). Without it Linux grows a stalled client's buffer to megabytes.
const sendBufferSize = 64 << 10

// controlBufferSize is the buffer coder/websocket frames its own writes in:
// only control frames go that way (a pong, the echo of a close), at most
// 127 bytes from a server.
const controlBufferSize = 128

// transport joins a hub.Client to a coder/websocket connection.
// coder/websocket performs the handshake, reads and checks the client's
// frames and answers pings and closes. Data frames, which the hub frames
// once for all their recipients, and the server's close frames are written
// here straight to the socket, from the fan-out with a non-blocking write.
//
// The library's own writes (pongs, pings, close) do not go to the socket
// directly: its buffered writer flushes into controlWriter, which hands
// each control frame to the hub client, to be written in its turn between
// data frames. So one writer at a time owns the socket (the holder of the
// client's write turn, see hub.Client), and the transport needs no lock: a
// peer that never reads can stall its own writes, never the fan-out.
type transport struct {
	ws     *websocket.Conn
	conn   net.Conn
	raw    syscall.RawConn // a plain socket's, for parking; nil under TLS or without one
	nb     socket.Writer   // a plain socket's non-blocking writes
	tls    *tls.Conn       // under TLS: conn, served over wire
	wire   *socket.TLSWire
	client *hub.Client   // where control frames go
	br     *bufio.Reader // what coder/websocket reads from, read by the read loop only
	direct bool          // nothing came behind the handshake: br may read conn directly

	parker *parker // nil where connections are not parked (see park_linux.go)
	parkFields
}

var _ hub.Transport = (*transport)(nil)

// TryWrite implements hub.Transport. Under TLS all of p is sealed at once
// and what the socket did not take waits in the wire: hub.ErrPending
// says so, and the hub's writer sends it (Write with nothing new).
func (t *transport) TryWrite(p []byte) (int, error) {
	if t.wire == nil {
		return t.nb.Write(p)
	}
	if _, err := t.tls.Write(p); err != nil {
		return 0, err
	}
	if t.wire.HasPending() {
		return len(p), hub.ErrPending
	}
	return len(p), nil
}

// Write implements hub.Transport.
func (t *transport) Write(p []byte) error {
	if t.wire == nil {
		_, err := t.conn.Write(p)
		return err
	}
	if len(p) > 0 {
		if _, err := t.tls.Write(p); err != nil {
			return err
		}
	}
	return t.wire.Flush()
}

// CloseNow implements hub.Transport. A parked connection is taken from the
// parker first, and its session's loop started to see the close and end.
func (t *transport) CloseNow() error {
	t.parker.forget(t)
	err := t.ws.CloseNow()
	// After forget, the connection cannot be parked again: if it is
	// parked now, nothing else will wake it.
	t.wake()
	return err
}

// controlWriter is where coder/websocket's buffered writer flushes. Only
// control frames go that way, each flushed whole (at most 127 bytes, under
// controlBufferSize), and each goes to the hub client's queue of control
// frames, or straight out if the client is idle.
type controlWriter struct{ t *transport }

func (w controlWriter) Write(p []byte) (int, error) { return w.t.client.WriteControl(p) }

// hijacker hands coder/websocket's Accept the connection with buffers of our
// choosing, and fills in the transport. Accept finds it as the
// ResponseWriter's http.Hijacker.
type hijacker struct {
	http.ResponseWriter
	t *transport
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// The HTTP server's read deadline (ReadTimeout) is on the connection
	// still: a WebSocket lives as long as its pings are answered.
	_ = conn.SetDeadline(time.Time{})
	h.t.conn = conn
	sock := conn
	if tc, ok := conn.(*tls.Conn); ok {
		if w, ok := tc.NetConn().(*socket.TLSWire); ok {
			// From now on the wire never blocks (see TLSWire).
			h.t.tls, h.t.wire, sock = tc, w, w.Conn
			w.NeverBlock()
		}
	}
	if tc, ok := sock.(*net.TCPConn); ok {
		// A fixed send buffer bounds the kernel memory a client that stops
		// reading can hold, and lets the hub find such a client in seconds;
		// chat traffic never needs more in flight.
		_ = tc.SetWriteBuffer(sendBufferSize)
	}
	if sc, ok := conn.(syscall.Conn); ok && h.t.wire == nil {
		if raw, err := sc.SyscallConn(); err == nil {
			h.t.raw, h.t.nb.Raw = raw, raw
		}
	}
	// Bytes the client sent right behind its handshake are in net/http's
	// reader: move them into ours, inside its buffer, where Accept looks
	// for them (it wraps whatever is buffered, then the connection).
	var br *bufio.Reader
	if n := brw.Reader.Buffered(); n == 0 {
		br = bufio.NewReaderSize(conn, readBufferSize)
		h.t.direct = true
	} else {
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(readBufferSize, n))
		_, _ = br.Peek(n)
	}
	h.t.br = br
	bw := bufio.NewWriterSize(controlWriter{h.t}, controlBufferSize)
	return conn, bufio.NewReadWriter(br, bw), nil
}

// readDirect undoes, right after the handshake, coder/websocket's wrapping
// of its reader around what was buffered and the connection
// (io.MultiReader), when nothing was: the read loop then waits one call
// less deep, which is what lets the garbage collector shrink an idle
// connection's stack to the smallest size (see session.run).
func (t *transport) readDirect() {
	if t.direct && t.br.Buffered() == 0 {
		t.br.Reset(t.conn)
	}
}

// Unwrap lets http.ResponseController see the original ResponseWriter.
func (h *hijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }
