package ws

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"chat/server/actions"
	"chat/server/hub"
	"chat/wire"
)

// maxRateStrikes is how many events in a row a client may send while rate
// limited (each answered with an error) before it is disconnected.
const maxRateStrikes = 20

// session is one WebSocket connection's protocol: it reads client events,
// checks their form and rate, and hands each to its action (events.go).
// Its read loop, and the worker it hands each message to and waits for,
// are the only goroutines that touch its fields, one at a time; they are
// the client's membership goroutine (see hub.Client).
type session struct {
	h    *Handler
	conn *websocket.Conn
	// who is the actor behind the connection, as the actions decided at
	// the upgrade (a hello may name an anonymous one).
	who actions.Actor
	// c is the connection as the actions see it: c.Client is &seat.
	c       actions.Conn
	client  *hub.Client // &seat
	seat    hub.Client
	t       transport
	limiter *rate.Limiter // made at the first event: silent clients cost none
	strikes int           // events refused in a row by the rate limit
	// aborting is set once a flood of pings has been answered with Abort.
	aborting bool
	buf      []byte // the last message read, reused
	ipKey    string // for -max-conns-per-ip; empty without it
	// expiry closes the connection when its connection token expires.
	expiry *time.Timer

	work sync.WaitGroup // the worker reading a message (see run)
	done bool           // the worker found the connection done
}

// run is the session's read loop, started once the connection is
// accepted. Between frames the session either parks its connection (see
// parker: no goroutine at all while idle) or, where it cannot, waits in
// nextFrame, a few small frames deep, handing each message to a
// worker goroutine that reads it through coder/websocket and acts on it.
// Either way no deep stack is kept while idle: a parked connection has
// none, a waiting one keeps the runtime's smallest (2 KB; the runtime does
// not shrink a stack below 4 KB once it has grown).
func (ss *session) run() {
	if ss.t.parker != nil {
		ss.work.Add(1)
		ss.start() // this goroutine ends when the connection parks
	} else {
		ss.work.Add(1)
		go ss.start() // on a worker: joining the lobby takes more stack than waiting
		ss.work.Wait()
	}
	ss.loop(false)
}

// resume is the parker's way back: the socket has something to read.
func (ss *session) resume() { ss.loop(true) }

// loop reads frames until the connection is done, and then ends the
// session, or until it parks the connection: then it returns, and the
// parker starts it again in a new goroutine (resume) when there is
// something to read. ready says there is: read before parking again.
func (ss *session) loop(ready bool) {
	for !ss.done {
		if !ready && ss.t.br.Buffered() == 0 && ss.t.parker.park(&ss.t) {
			return // ss belongs to the next goroutine from here on
		}
		ready = false
		switch ss.nextFrame() {
		case frameDone:
			ss.done = true
			continue
		case frameNone:
			continue // park, or wait again
		}
		ss.work.Add(1)
		if ss.t.parker != nil {
			ss.handleNext() // this goroutine's stack goes when it parks
		} else {
			go ss.handleNext()
			ss.work.Wait()
		}
	}
	ss.end()
}

// handleNext reads the next message, and those that have already arrived
// behind it, and acts on them; ss.work.Done says it has.
func (ss *session) handleNext() {
	defer ss.work.Done()
	for {
		if !ss.readAndHandle() {
			ss.done = true
			return
		}
		if ss.t.br.Buffered() == 0 {
			return
		}
		switch ss.nextFrame() {
		case frameDone:
			ss.done = true
			return
		case frameNone:
			return
		}
	}
}

// start is the first worker: the lobby, and the store's state if it is down.
func (ss *session) start() {
	defer ss.work.Done()
	ss.h.actions.JoinLobby(ss.who, &ss.c)
	if ss.h.opts.Status != nil {
		if ev, down := ss.h.opts.Status(); down {
			ss.reply(ev)
		}
	}
}

// readAndHandle reads one message and acts on its events; it reports false
// when the connection is done.
func (ss *session) readAndHandle() bool {
	typ, r, err := ss.conn.Reader(context.Background())
	if err != nil {
		if v, ok := unansweredViolation(err); ok {
			ss.client.Abort(hub.Disconnect{Code: hub.DisconnectProtocol.Code, Reason: hub.DisconnectProtocol.Reason + ": " + v})
		}
		return false
	}
	data, err := ss.readMessage(r)
	switch {
	case errors.Is(err, errTooBig):
		ss.closeAndDrain(hub.DisconnectTooBig)
		return false
	case err != nil:
		return false
	case typ != websocket.MessageText:
		ss.closeAndDrain(hub.DisconnectBinary)
		return false
	case !utf8.Valid(data):
		ss.closeAndDrain(hub.DisconnectBadUTF8)
		return false
	}
	for line := range wire.Lines(data) {
		if d, ok := ss.handle(line); !ok {
			ss.closeAndDrain(d)
			return false
		}
	}
	return true
}

var errTooBig = errors.New("message over wire.MaxFrame")

// unansweredViolation recognises the protocol violations coder/websocket
// (v1.8.15) reports without sending a close frame: RFC 6455 wants the
// connection failed with 1002, and the peer told why. By their text, because
// the library makes them with errors.New and fmt.Errorf and exports nothing
// to match; TestProtocolViolationsAreClosedAndOthersGoOn fails if a new
// version words them otherwise.
func unansweredViolation(err error) (string, bool) {
	msg := err.Error()
	for _, v := range []string{"unmasked frame", "negative payload length"} {
		if strings.Contains(msg, v) {
			return v, true
		}
	}
	return "", false
}

// readMessage reads one message into the session's buffer. A message over
// wire.MaxFrame is read to its end (coder/websocket caps that at ReadLimit)
// and refused.
func (ss *session) readMessage(r io.Reader) ([]byte, error) {
	if cap(ss.buf) > 4096 {
		ss.buf = nil // one long message should not pin its buffer for the connection's life
	}
	buf := ss.buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > wire.MaxFrame {
			_, _ = io.Copy(io.Discard, r)
			return nil, errTooBig
		}
		if err == io.EOF {
			ss.buf = buf
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// closeAndDrain has the writer send an error event and the close frame, and
// keeps reading so that the peer's close reply is seen; the hub's close
// timeout bounds how long that takes.
func (ss *session) closeAndDrain(d hub.Disconnect) {
	ss.client.Close(d)
	for {
		_, r, err := ss.conn.Reader(context.Background())
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return
		}
	}
}

func (ss *session) end() {
	ss.c.Lobby.Take()
	if ss.expiry != nil {
		ss.expiry.Stop()
	}
	if ss.who.User != "" {
		ss.h.registry.remove(ss)
	}
	ss.h.hub.Unregister(ss.client)
	_ = ss.t.CloseNow()
	ss.h.conns.Add(-1)
	ss.h.perIP.release(ss.ipKey)
}

// handle acts on one event. It returns false with the reason when the
// connection must be closed.
func (ss *session) handle(line []byte) (hub.Disconnect, bool) {
	ss.h.metrics.EventsIn.Add(1)
	ev, err := wire.Decode(line)
	if !ss.allow() {
		if ss.strikes > maxRateStrikes {
			return hub.DisconnectRateLimited, false
		}
		ss.replyError(ss.rateError(), ev)
		return hub.Disconnect{}, true
	}
	if err != nil {
		ss.replyError(err, wire.Event{})
		return hub.Disconnect{}, true
	}
	if e, ok := events[ev.Type]; ok {
		err = e.do(ss, ev)
	} else {
		err = wire.Errorf(wire.CodeUnknownType, "unknown event type %q: a client sends %s", ev.Type, eventList)
	}
	if err != nil {
		ss.replyError(err, ev)
	}
	return hub.Disconnect{}, true
}

// allow spends one token of the connection's event rate; a refusal counts
// as a strike, an event allowed clears them. The limiter is made at the
// first event: silent clients cost none.
func (ss *session) allow() bool {
	if ss.limiter == nil {
		ss.limiter = rate.NewLimiter(rate.Limit(ss.h.opts.EventRate), ss.h.opts.EventBurst)
	}
	if !ss.limiter.Allow() {
		ss.strikes++
		return false
	}
	ss.strikes = 0
	return true
}

func (ss *session) rateError() *wire.ProtocolError {
	return wire.Errorf(wire.CodeRateLimited, "too many events: at most %g a second (burst %d); this one was dropped", ss.h.opts.EventRate, ss.h.opts.EventBurst)
}

// pingAllowed charges a ping (or a pong nobody asked for) against the
// event rate, like any event: over the rate it is refused (no pong), and
// abort says the strikes ran out: the connection is to be closed at once,
// since a peer that floods pings is usually not reading its pongs either.
// Without this a client could make the server write as fast as it sends.
func (ss *session) pingAllowed() (ok, abort bool) {
	ss.h.metrics.ControlIn.Add(1)
	if ss.allow() {
		return true, false
	}
	if ss.strikes > maxRateStrikes && !ss.aborting {
		ss.aborting = true
		return false, true
	}
	return false, false
}

// onPing is coder/websocket's callback for a ping it reads (most are read
// ahead of it, see nextFrame), called from the read loop inside the
// library's read, where closing the connection would wait for that read:
// an abort goes on another goroutine.
func (ss *session) onPing(context.Context, []byte) bool {
	ok, abort := ss.pingAllowed()
	if abort {
		go ss.client.Abort(hub.DisconnectRateLimited)
	}
	return ok
}

// onPong tells the hub a pong came; one that answers no ping of the hub's
// counts against the rate like a ping.
func (ss *session) onPong(ctx context.Context, p []byte) {
	if !ss.client.Pong() {
		ss.onPing(ctx, p)
	}
}

func (ss *session) reply(ev wire.Event) { ss.client.Send(wire.Encode(ev)) }

// replyError answers the event about with an error event that names the
// send (its id) or the room it was about, so that a client with several
// requests in flight knows which one failed.
func (ss *session) replyError(err error, about wire.Event) {
	code, text := wire.CodeUnavailable, err.Error()
	var ae *actions.Error
	var pe *wire.ProtocolError
	switch {
	case errors.As(err, &ae):
		code, text = ae.Code, ae.Text
	case errors.As(err, &pe):
		code, text = pe.Code, pe.Text
	}
	room := about.Room
	if len(room) > 4*wire.MaxRoomLen {
		room = "" // a refused name is echoed for matching, a huge one is not
	}
	ss.reply(wire.Event{Type: wire.TypeError, Code: code, Text: text, ID: about.ID, Room: room})
}
