// Package socket writes to client sockets without blocking the writer:
// Writer for a plain TCP socket (a raw write that returns on EAGAIN), and
// TLSWire under crypto/tls, whose own Write would block until the socket
// took every byte. The hub's fan-out writes through them from its own
// goroutines; a socket that is full hands the rest to the client's writer.
package socket

import (
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
)

// The fan-out over TLS. A plain connection's frame goes to the socket with
// one non-blocking write (Writer); crypto/tls has no such
// write, and its Write blocks until the socket has taken every byte of
// ciphertext. So each TLS connection is served over a TLSWire: the TCP
// connection under crypto/tls, which, once the connection is a WebSocket,
// never blocks either. What the socket takes now goes at once; the rest
// of the ciphertext waits in the wire, in order, and the transport tells
// the hub so (hub.ErrPending), and the hub's writer goroutine (started
// only then, as for a plain socket that is full) sends it with a blocking
// write. A frame is still encoded once for every recipient; what is per
// recipient is only what TLS must do: seal it with the connection's keys.
//
// Before the WebSocket upgrade (the handshake, plain HTTP answers) the
// wire writes as any connection does: blocking.
type TLSWire struct {
	net.Conn // the TCP connection
	nb       Writer
	async    atomic.Bool // the connection is a WebSocket now: never block

	mu       sync.Mutex
	pending  []byte // ciphertext the socket has not taken yet, in order
	spare    []byte // the other buffer, reused by flush
	flushing bool   // flush has taken pending out and is writing it
}

func newTLSWire(c net.Conn) *TLSWire {
	w := &TLSWire{Conn: c}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.nb.Raw = raw
		}
	}
	return w
}

// NeverBlock makes every write from now on a non-blocking one: the
// connection has become a WebSocket, written by the hub.
func (w *TLSWire) NeverBlock() { w.async.Store(true) }

// Write is where crypto/tls writes its records, under its own lock.
// Before the upgrade it blocks; after, it sends what the socket takes
// now and keeps the rest, behind whatever is already waiting.
func (w *TLSWire) Write(p []byte) (int, error) {
	if !w.async.Load() || w.nb.Raw == nil {
		return w.Conn.Write(p)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	q := p
	if len(w.pending) == 0 && !w.flushing {
		n, err := w.nb.Write(p)
		if err != nil {
			return n, err
		}
		q = p[n:]
	}
	w.pending = append(w.pending, q...)
	return len(p), nil
}

// HasPending reports whether ciphertext waits for the socket.
func (w *TLSWire) HasPending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) > 0 || w.flushing
}

// Flush sends what waits, blocking, until nothing does. Only the holder
// of the hub client's write turn calls it; crypto/tls may add to pending
// meanwhile (an alert, a key update), which this loop sends too, after.
// The lock is never held across the write: a close (which writes its
// alert through Write) cannot be kept waiting by a stalled socket.
func (w *TLSWire) Flush() error {
	for {
		w.mu.Lock()
		if len(w.pending) == 0 {
			w.flushing = false
			w.mu.Unlock()
			return nil
		}
		buf := w.pending
		w.pending, w.spare = w.spare[:0], nil
		w.flushing = true
		w.mu.Unlock()
		_, err := w.Conn.Write(buf)
		w.mu.Lock()
		if cap(buf) <= 64<<10 {
			w.spare = buf[:0] // keep one buffer, not a stalled client's megabytes
		}
		if err != nil {
			w.flushing = false
			w.mu.Unlock()
			return err
		}
		w.mu.Unlock()
	}
}

// NewTLSListener serves TLS over a TLSWire on every connection ln
// accepts; net/http sees *tls.Conn as from tls.NewListener (r.TLS, ALPN).
func NewTLSListener(ln net.Listener, config *tls.Config) net.Listener {
	return &tlsListener{Listener: ln, config: config}
}

type tlsListener struct {
	net.Listener
	config *tls.Config
}

func (l *tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return tls.Server(newTLSWire(c), l.config), nil
}
