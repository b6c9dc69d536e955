package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/coder/websocket"

	"chat/server/hub"
)

// readBufferSize is each connection's read buffer. Clients send little (a
// chat message is a few hundred bytes), and a larger message is read past
// the buffer, so net/http's 4 KB would mostly sit empty.
const readBufferSize = 256

// sendBufferSize is each connection's socket send buffer (the kernel
// doubles it). Without it Linux grows a stalled client's buffer to megabytes.
const sendBufferSize = 64 << 10

// controlBufferSize is the buffer coder/websocket frames its own writes in:
// only control frames (pong, ping, close) go that way, at most 139 bytes.
const controlBufferSize = 256

// transport joins a hub.Client to a coder/websocket connection.
// coder/websocket performs the handshake, reads and checks the client's
// frames, answers pings and does the close handshake. Data frames, which
// the hub frames once for all their recipients, are written here straight
// to the socket, from the fan-out with a non-blocking write.
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
	raw    syscall.RawConn // for non-blocking writes; nil if conn has none
	client *hub.Client     // where control frames go

	// writeNow's state, owned by the holder of the write turn (see
	// transport_unix.go).
	writeFn func(fd uintptr) bool
	wbuf    []byte
	wn      int
	werr    error
}

var _ hub.Transport = (*transport)(nil)

// TryWrite implements hub.Transport.
func (t *transport) TryWrite(p []byte) (int, error) { return t.writeNow(p) }

// Write implements hub.Transport.
func (t *transport) Write(p []byte) error {
	_, err := t.conn.Write(p)
	return err
}

// Close implements hub.Transport.
func (t *transport) Close(d hub.Disconnect) error { return t.ws.Close(d.Code, d.Reason) }

// CloseNow implements hub.Transport.
func (t *transport) CloseNow() error { return t.ws.CloseNow() }

// Ping implements hub.Transport.
func (t *transport) Ping(ctx context.Context) error { return t.ws.Ping(ctx) }

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
	h.t.conn = conn
	if tc, ok := conn.(*net.TCPConn); ok {
		// A fixed send buffer bounds the kernel memory a client that stops
		// reading can hold, and lets the hub find such a client in seconds;
		// chat traffic never needs more in flight.
		_ = tc.SetWriteBuffer(sendBufferSize)
	}
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			h.t.raw = raw
		}
	}
	// Bytes the client sent right behind its handshake are in net/http's
	// reader: move them into ours, inside its buffer, where Accept looks
	// for them (it wraps whatever is buffered, then the connection).
	n := brw.Reader.Buffered()
	early, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(readBufferSize, n))
	if n > 0 {
		_, _ = br.Peek(n)
	}
	bw := bufio.NewWriterSize(controlWriter{h.t}, controlBufferSize)
	return conn, bufio.NewReadWriter(br, bw), nil
}

// Unwrap lets http.ResponseController see the original ResponseWriter.
func (h *hijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }
