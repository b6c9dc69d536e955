//go:build !unix

package socket

import "syscall"

// Writer writes nothing where there is no non-blocking write: every
// frame then goes through the client's writer goroutine, which blocks.
type Writer struct{ Raw syscall.RawConn }

// Write writes nothing: see Writer.
func (w *Writer) Write(p []byte) (int, error) { return 0, nil }
