//go:build unix

package server

import "syscall"

// writeNow writes as much of p as the socket's send buffer takes without
// waiting, and returns how much that was: the raw connection's callback
// writes directly and reports done even when the socket would block, so the
// runtime never parks the fan-out's goroutine.
func (t *transport) writeNow(p []byte) (n int, err error) {
	if t.raw == nil {
		return 0, nil
	}
	werr := t.raw.Write(func(fd uintptr) bool {
		for n < len(p) {
			m, e := syscall.Write(int(fd), p[n:])
			if m > 0 {
				n += m
			}
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				return true // full: the writer goroutine waits for room instead
			case e != nil:
				err = e
				return true
			case m <= 0:
				return true
			}
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return n, err
}
