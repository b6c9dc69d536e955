package ws

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
)

// parker holds idle connections without a goroutine each. A session whose
// read buffer is empty parks its connection here and its goroutine ends;
// one epoll instance watches every parked socket (one-shot, level
// triggered), and when one has something to read (a message, a pong, the
// peer's close or FIN) the session goes on in a new goroutine. An idle
// connection then costs its heap and no stack: at 10,000 connections, 20
// MB less. The runtime's own poller keeps the socket too; the read that
// follows goes through it as any read does.
//
// Every epoll_ctl call on a socket happens inside its RawConn's Control, so
// that the descriptor cannot be closed and reused meanwhile; a closed
// socket leaves the epoll set by itself.
type parker struct {
	epfd int
	stop [2]int // a pipe whose read end is in the set: close wakes run with it

	mu    sync.Mutex
	conns map[int32]*transport // by descriptor, while registered
	gen   uint32               // tells a registration from an earlier one of the same descriptor

	done chan struct{}
}

// park states of a transport.
const (
	running int32 = iota // a goroutine reads it
	parked               // no goroutine: the parker wakes it
)

func newParker() (*parker, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &parker{epfd: epfd, conns: make(map[int32]*transport), done: make(chan struct{})}
	if err := syscall.Pipe2(p.stop[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	// Closing an epoll descriptor does not wake a wait on it: a byte in
	// this pipe does. Its descriptor is -1 in the event, which no socket's is.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: -1}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.stop[0], &ev); err != nil {
		p.closeFDs()
		return nil, err
	}
	go p.run()
	return p, nil
}

func (p *parker) closeFDs() {
	syscall.Close(p.stop[0])
	syscall.Close(p.stop[1])
	syscall.Close(p.epfd)
}

// park hands t's socket to the parker: it reports false if it cannot (the
// socket is closed, or has no descriptor), and the caller goes on waiting
// in its goroutine. After true, the caller must return at once: t.resume
// may already be running in another goroutine.
func (p *parker) park(t *transport) bool {
	if p == nil || t.raw == nil || t.readable() {
		return false // a busy connection reads on: parking costs a wake-up
	}
	t.parkState.Store(parked)
	var ctlErr error
	err := t.raw.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(fd)}
		p.mu.Lock()
		if t.parkClosing {
			p.mu.Unlock()
			ctlErr = net.ErrClosed
			return
		}
		op := syscall.EPOLL_CTL_MOD
		if !t.parkRegistered {
			p.gen++
			t.parkGen, t.parkFD, t.parkRegistered = p.gen, int32(fd), true
			p.conns[int32(fd)] = t
			op = syscall.EPOLL_CTL_ADD
		}
		ev.Pad = int32(t.parkGen)
		p.mu.Unlock()
		ctlErr = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if err == nil && ctlErr == nil {
		return true
	}
	// Not parked: take the state back, unless a wake-up already did (it
	// cannot have: the socket was not armed), and wait in the goroutine.
	t.parkState.Store(running)
	return false
}

// forget takes t out of the epoll set before its socket is closed, for
// good: it will not be parked again.
func (p *parker) forget(t *transport) {
	if p == nil || t.raw == nil {
		return
	}
	p.mu.Lock()
	t.parkClosing = true
	p.mu.Unlock()
	_ = t.raw.Control(func(fd uintptr) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if t.parkRegistered && p.conns[int32(fd)] == t {
			delete(p.conns, int32(fd))
			t.parkRegistered = false
			_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
		}
	})
	// A socket already closed by the library left the set by itself: only
	// the map entry, if it is still this transport's, goes.
	p.mu.Lock()
	if t.parkRegistered && p.conns[t.parkFD] == t {
		delete(p.conns, t.parkFD)
	}
	t.parkRegistered = false
	p.mu.Unlock()
}

func (p *parker) run() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			if ev.Fd == -1 {
				return // close
			}
			p.mu.Lock()
			t := p.conns[ev.Fd]
			if t != nil && t.parkGen != uint32(ev.Pad) {
				t = nil // an event of an earlier socket with this descriptor
			}
			p.mu.Unlock()
			if t != nil {
				t.wake()
			}
		}
	}
}

func (p *parker) close() {
	if p == nil {
		return
	}
	_, _ = syscall.Write(p.stop[1], []byte{0})
	<-p.done
	p.closeFDs()
}

// parkFields are a transport's parking state.
type parkFields struct {
	parkState      atomic.Int32
	parkFD         int32 // guarded by the parker's mu, with the rest
	parkGen        uint32
	parkRegistered bool
	parkClosing    bool // the socket is being closed: not to be parked
	peek           [1]byte
	resume         func() // the session's loop, started in a new goroutine when woken
}

// readable reports whether the socket has something to read now (or an
// end or error for the read to find), looking without taking (MSG_PEEK).
func (t *transport) readable() bool {
	var ready bool
	_ = t.raw.Control(func(fd uintptr) {
		for {
			_, _, err := syscall.Recvfrom(int(fd), t.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			ready = err != syscall.EAGAIN
			return
		}
	})
	return ready
}

// wake starts the session's loop again if it was parked; of a wake-up and
// a close, only one does.
func (t *transport) wake() {
	if t.parkState.CompareAndSwap(parked, running) {
		go t.resume()
	}
}
