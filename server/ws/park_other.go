//go:build !linux

package ws

// parker is not there where epoll is not: every session waits for its next
// frame in its own goroutine.
type parker struct{}

func newParker() (*parker, error)    { return nil, nil }
func (*parker) park(*transport) bool { return false }
func (*parker) forget(*transport)    {}
func (*parker) close()               {}

type parkFields struct{ resume func() }

func (t *transport) wake() {}
