//go:build !unix

package server

import "syscall"

// nbWriter writes nothing where there is no non-blocking write: every
// frame then goes through the client's writer goroutine, which blocks.
type nbWriter struct{ raw syscall.RawConn }

func (w *nbWriter) write(p []byte) (int, error) { return 0, nil }
