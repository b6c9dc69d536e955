package server

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
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
// to the socket: one write per frame, and from the fan-out a non-blocking
// one. Both kinds of write take mu, a whole frame at a time, so frames never
// interleave. All methods may be called concurrently.
type transport struct {
	ws   *websocket.Conn
	conn net.Conn
	raw  syscall.RawConn // for non-blocking writes; nil if conn has none

	mu   sync.Mutex // held for one whole frame
	rest []byte     // what TryWrite could not write; mu stays held until FinishWrite

	// writeNow's state, under mu (see transport_unix.go).
	writeFn func(fd uintptr) bool
	wbuf    []byte
	wn      int
	werr    error
}

var _ hub.Transport = (*transport)(nil)

// TryWrite implements hub.Transport.
func (t *transport) TryWrite(frame []byte) (bool, error) {
	t.mu.Lock()
	n, err := t.writeNow(frame)
	if err != nil {
		t.mu.Unlock()
		return false, err
	}
	if n == len(frame) {
		t.mu.Unlock()
		return true, nil
	}
	t.rest = frame[n:] // mu stays held: the rest must go before any other frame
	return false, nil
}

// FinishWrite implements hub.Transport.
func (t *transport) FinishWrite() error {
	defer t.mu.Unlock()
	_, err := t.conn.Write(t.rest)
	t.rest = nil
	return err
}

// Write implements hub.Transport.
func (t *transport) Write(frame []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.conn.Write(frame)
	return err
}

// Close implements hub.Transport.
func (t *transport) Close(d hub.Disconnect) error { return t.ws.Close(d.Code, d.Reason) }

// CloseNow implements hub.Transport.
func (t *transport) CloseNow() error { return t.ws.CloseNow() }

// Ping implements hub.Transport.
func (t *transport) Ping(ctx context.Context) error { return t.ws.Ping(ctx) }

// controlWriter is where coder/websocket's buffered writer flushes: its
// frames (all control frames, flushed whole) take the same lock as ours.
type controlWriter struct{ t *transport }

func (w controlWriter) Write(p []byte) (int, error) {
	w.t.mu.Lock()
	defer w.t.mu.Unlock()
	return w.t.conn.Write(p)
}

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
