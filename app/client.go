package app

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// sendQueue bounds the frames waiting for the writer. In the browser a write
// only hands the frame to the WebSocket object, so the queue fills only when
// something is badly wrong, and then the connection is dropped and the outbox
// resent on the next one.
const sendQueue = 64

// socketURL derives the WebSocket address from the page's: same host,
// ws:// for http and wss:// for https, path /ws.
func socketURL(page string) (string, error) {
	u, err := url.Parse(page)
	if err != nil {
		return "", err
	}
	scheme := "ws"
	if u.Scheme == "https" {
		scheme = "wss"
	}
	return (&url.URL{Scheme: scheme, Host: u.Host, Path: "/ws"}).String(), nil
}

// socket keeps one WebSocket to url open at a time and dials again, after a
// backoff, whenever it drops. It reports through three callbacks, which run
// on run's goroutine, one at a time and in order: for each connection opened,
// then received once per frame, then closed; closed alone for a failed dial.
// The page turns each into a ctx.Dispatch, so the callbacks must not touch UI
// state themselves.
//
// run is called once; retry may be called from any goroutine.
type socket struct {
	url      string
	backoff  *backoff
	opened   func(*session)
	received func([]wire.Event)
	closed   func(err error, retryIn time.Duration)

	retryNow chan struct{} // cut the current wait short
}

func newSocket(url string) *socket {
	return &socket{url: url, backoff: newBackoff(), retryNow: make(chan struct{}, 1)}
}

// run connects until ctx ends.
func (s *socket) run(ctx context.Context) {
	for ctx.Err() == nil {
		// No dial timeout: in the browser, giving up on a dial asks the
		// WebSocket to close with 1008, which the page may not use, so the
		// socket would linger and might still join the room later. The
		// browser gives up on a dead address by itself.
		conn, _, err := websocket.Dial(ctx, s.url, nil)
		if err == nil {
			started := time.Now()
			err = s.serve(ctx, conn)
			if time.Since(started) >= stableAfter {
				s.backoff.reset()
			}
		}
		if ctx.Err() != nil {
			return
		}
		wait := s.backoff.next()
		s.closed(err, wait)
		if !s.sleep(ctx, wait) {
			return
		}
	}
}

// serve reads one connection until it ends.
func (s *socket) serve(ctx context.Context, conn *websocket.Conn) error {
	// The browser has buffered a whole frame before Go sees it, so a read
	// limit saves nothing there; it would only turn a large history replay
	// into a reconnect loop.
	conn.SetReadLimit(-1)
	sess := &session{conn: conn, out: make(chan []byte, sendQueue), done: make(chan struct{})}
	defer sess.stop()
	go sess.write()
	// Reads take no ctx: in the browser a cancelled read also closes with
	// 1008, which throws. The page's end closes the connection instead.
	defer context.AfterFunc(ctx, func() { sess.close("page closed") })()
	select {
	case <-s.retryNow: // a click from before this connection
	default:
	}
	s.opened(sess)
	for {
		_, frame, err := conn.Read(context.Background())
		if err != nil {
			return err
		}
		s.received(decodeFrame(frame))
	}
}

// decodeFrame splits a frame into its events. A line that does not decode
// is logged and skipped: one bad event should not cost the others.
func decodeFrame(frame []byte) []wire.Event {
	var events []wire.Event
	for line := range wire.Lines(frame) {
		ev, err := wire.Decode(line)
		if err != nil {
			app.Log("chat: skipping an event from the server:", err)
			continue
		}
		events = append(events, ev)
	}
	return events
}

// sleep waits d, or less if retry is called; it reports false when ctx ended.
func (s *socket) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.retryNow:
	case <-ctx.Done():
		return false
	}
	return true
}

// retry ends the wait before the next attempt.
func (s *socket) retry() {
	select {
	case s.retryNow <- struct{}{}:
	default:
	}
}

// session is one open connection as the page sees it: a place to send
// frames. All its methods may be called from any goroutine.
type session struct {
	conn      *websocket.Conn
	out       chan []byte
	done      chan struct{}
	stopOnce  sync.Once
	closeOnce sync.Once
}

// send queues a frame without waiting and reports whether it was queued.
// When the queue is full the connection is dropped: the messages are still
// in the outbox and go out again on the next connection.
func (s *session) send(frame []byte) bool {
	select {
	case <-s.done:
		return false
	default:
	}
	select {
	case s.out <- frame:
		return true
	default:
		s.close("send queue full")
		return false
	}
}

// write is the connection's only writer.
func (s *session) write() {
	for {
		select {
		case frame := <-s.out:
			if err := s.conn.Write(context.Background(), websocket.MessageText, frame); err != nil {
				s.close("write failed")
				return
			}
		case <-s.done:
			return
		}
	}
}

// close starts the closing handshake without waiting for it. The code is
// 1000: a page may close only with 1000 or 3000-4999, and CloseNow uses 1001.
func (s *session) close(reason string) {
	s.closeOnce.Do(func() {
		go s.conn.Close(websocket.StatusNormalClosure, reason)
	})
}

// stop ends the writer once the reader has returned.
func (s *session) stop() {
	s.stopOnce.Do(func() {
		close(s.done)
		s.close("")
	})
}
