//go:build unix

package socket

import "syscall"

// Writer writes to a socket without waiting: the raw connection's
// callback writes directly and reports done even when the socket would
// block, so the runtime never parks the writer's goroutine. Called by one
// goroutine at a time.
type Writer struct {
	Raw syscall.RawConn // nil if the connection has none: nothing is written
	fn  func(fd uintptr) bool
	buf []byte
	n   int
	err error
}

// Write writes as much of p as the socket's send buffer takes now, and
// returns how much that was.
func (w *Writer) Write(p []byte) (int, error) {
	if w.Raw == nil {
		return 0, nil
	}
	if w.fn == nil {
		w.fn = w.rawWrite // one method value per connection, not a closure per write
	}
	w.buf, w.n, w.err = p, 0, nil
	if err := w.Raw.Write(w.fn); err != nil && w.err == nil {
		w.err = err
	}
	n, err := w.n, w.err
	w.buf, w.err = nil, nil
	return n, err
}

// rawWrite is the raw connection's write callback for Write.
func (w *Writer) rawWrite(fd uintptr) bool {
	for w.n < len(w.buf) {
		m, e := syscall.Write(int(fd), w.buf[w.n:])
		if m > 0 {
			w.n += m
		}
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return true // full: the caller keeps the rest
		case e != nil:
			w.err = e
			return true
		case m <= 0:
			return true
		}
	}
	return true
}
