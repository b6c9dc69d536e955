//go:build unix

package server

import "syscall"

// writeNow writes as much of p as the socket's send buffer takes without
// waiting, and returns how much that was: the raw connection's callback
// writes directly and reports done even when the socket would block, so the
// runtime never parks the fan-out's goroutine. Called by the holder of the
// client's write turn only.
func (t *transport) writeNow(p []byte) (int, error) {
	if t.raw == nil {
		return 0, nil
	}
	if t.writeFn == nil {
		t.writeFn = t.rawWrite // one method value per connection, not a closure per write
	}
	t.wbuf, t.wn, t.werr = p, 0, nil
	if err := t.raw.Write(t.writeFn); err != nil && t.werr == nil {
		t.werr = err
	}
	n, err := t.wn, t.werr
	t.wbuf, t.werr = nil, nil
	return n, err
}

// rawWrite is the raw connection's write callback for writeNow.
func (t *transport) rawWrite(fd uintptr) bool {
	for t.wn < len(t.wbuf) {
		m, e := syscall.Write(int(fd), t.wbuf[t.wn:])
		if m > 0 {
			t.wn += m
		}
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return true // full: the writer goroutine waits for room instead
		case e != nil:
			t.werr = e
			return true
		case m <= 0:
			return true
		}
	}
	return true
}
