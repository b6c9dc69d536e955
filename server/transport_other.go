//go:build !unix

package server

// writeNow writes nothing where there is no non-blocking write: every frame
// then goes through the client's writer goroutine, which blocks.
func (t *transport) writeNow(p []byte) (int, error) { return 0, nil }
