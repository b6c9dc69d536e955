package server

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"chat/server/broker"
	"chat/server/delivery"
	"chat/server/files"
	"chat/server/hub"
	"chat/wire"
)

// maxRateStrikes is how many events in a row a client may send while rate
// limited (each answered with an error) before it is disconnected.
const maxRateStrikes = 20

// storeTimeout bounds the wait for JetStream to acknowledge a message.
const storeTimeout = 5 * time.Second

// session is one WebSocket connection's protocol: it reads client events,
// checks them and acts on them. Its read loop, and the worker it hands each
// message to and waits for, are the only goroutines that touch its fields,
// one at a time; they are the client's membership goroutine (see
// hub.Client).
type session struct {
	srv     *Server
	conn    *websocket.Conn
	client  *hub.Client // &seat
	seat    hub.Client
	t       transport
	limiter *rate.Limiter // made at the first event: silent clients cost none
	strikes int           // events refused in a row by the rate limit
	// aborting is set once a flood of pings has been answered with Abort.
	aborting bool
	buf      []byte // the last message read, reused
	ipKey    string // for -max-conns-per-ip; empty without it
	// user and sessKey are the sign-in session the connection came with
	// (an account's or a guest's); empty for a client without one.
	user, sessKey string
	account       bool // the session is an account's
	admin         bool // and the account an admin's
	// tokenRooms are the only rooms a connection token lets it join (nil:
	// no such bound); expiry closes it when its token expires.
	tokenRooms []string
	expiry     *time.Timer
	// typed is when the connection last said it was typing, per room.
	typed map[string]time.Time

	// lobby is the implicit lobby membership while it holds the lobby's
	// messages (see delivery.JoinLobby).
	lobby delivery.LobbyHold

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
	if ss.tokenRooms == nil || slices.Contains(ss.tokenRooms, wire.DefaultRoom) {
		ss.srv.delivery.JoinLobby(&ss.lobby, ss.client)
	}
	if ss.srv.degraded.Load() {
		ss.reply(ss.srv.storeStatus())
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
// wire.MaxFrame is read to its end (coder/websocket caps that at readLimit)
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
	ss.lobby.Take()
	if ss.expiry != nil {
		ss.expiry.Stop()
	}
	if ss.user != "" {
		ss.srv.signedIn.remove(ss)
	}
	ss.srv.hub.Unregister(ss.client)
	_ = ss.t.CloseNow()
	ss.srv.conns.Add(-1)
	ss.srv.perIP.release(ss.ipKey)
}

// handle acts on one event. It returns false with the reason when the
// connection must be closed.
func (ss *session) handle(line []byte) (hub.Disconnect, bool) {
	ss.srv.metrics.EventsIn.Add(1)
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
	switch ev.Type {
	case wire.TypeHello:
		err = ss.hello(ev)
	case wire.TypeJoin:
		err = ss.join(ev)
	case wire.TypeLeave:
		err = ss.leave(ev)
	case wire.TypeSend:
		err = ss.send(ev)
	case wire.TypeHistory:
		err = ss.history(ev)
	case wire.TypeDelete:
		err = ss.deleteMessage(ev)
	case wire.TypeEdit:
		err = ss.edit(ev)
	case wire.TypeReact:
		err = ss.react(ev)
	case wire.TypeFetch:
		err = ss.fetch(ev)
	case wire.TypeTyping:
		err = ss.typing(ev)
	case wire.TypeRead:
		err = ss.read(ev)
	default:
		err = wire.Errorf(wire.CodeUnknownType, "unknown event type %q: a client sends hello, join, send, leave, history, delete, edit, react, fetch, typing or read", ev.Type)
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
		ss.limiter = rate.NewLimiter(rate.Limit(ss.srv.cfg.EventRate), ss.srv.cfg.EventBurst)
	}
	if !ss.limiter.Allow() {
		ss.strikes++
		return false
	}
	ss.strikes = 0
	return true
}

func (ss *session) rateError() *wire.ProtocolError {
	return wire.Errorf(wire.CodeRateLimited, "too many events: at most %g a second (burst %d); this one was dropped", ss.srv.cfg.EventRate, ss.srv.cfg.EventBurst)
}

// pingAllowed charges a ping (or a pong nobody asked for) against the
// event rate, like any event: over the rate it is refused (no pong), and
// abort says the strikes ran out: the connection is to be closed at once,
// since a peer that floods pings is usually not reading its pongs either.
// Without this a client could make the server write as fast as it sends.
func (ss *session) pingAllowed() (ok, abort bool) {
	ss.srv.metrics.ControlIn.Add(1)
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

// hello names the connection. A signed-in connection's name is its
// session's, whatever it asks (welcome says which); any other may choose
// one, but not one an account holds.
func (ss *session) hello(ev wire.Event) error {
	name := ss.client.Name()
	if ss.user == "" {
		if err := wire.ValidName(ev.Name); err != nil {
			return err
		}
		if ev.ID != "" {
			if err := wire.ValidID(ev.ID); err != nil {
				return err
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		taken, err := ss.srv.auth.NameTaken(ctx, ev.Name)
		cancel()
		if err != nil {
			return wire.Errorf(wire.CodeUnavailable, "the name could not be checked (%v); say hello again", err)
		}
		if taken {
			return wire.Errorf(wire.CodeBadName, "%q belongs to an account: sign in to use it, or choose another", ev.Name)
		}
		name = ev.Name
		ss.srv.hub.Identify(ss.client, name, ev.ID)
	}
	ss.reply(wire.Event{Type: wire.TypeWelcome, Name: name, User: ss.user, Guest: !ss.account, Version: ss.srv.cfg.Version,
		Rate: ss.srv.cfg.EventRate, Burst: ss.srv.cfg.EventBurst})
	return nil
}

func (ss *session) leave(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.srv.hub.Leave(ss.client, ev.Room) {
		return ss.notJoined(ev.Room, "leaving it")
	}
	return nil
}

func (ss *session) send(ev wire.Event) error {
	if err := wire.ValidRoom(ev.Room); err != nil {
		return err
	}
	if !ss.client.InRoom(ev.Room) {
		return ss.notJoined(ev.Room, "sending to it")
	}
	if err := wire.ValidID(ev.ID); err != nil {
		return err
	}
	if len(ev.Files) == 0 || ev.Text != "" { // files may go without words
		if err := wire.ValidText(ev.Text); err != nil {
			return err
		}
	}
	if lag := ss.srv.delivery.Lag(); lag > ss.srv.cfg.MaxDeliveryLag {
		ss.srv.metrics.Busy.Add(1)
		return wire.Errorf(wire.CodeBusy, "not stored: the server is %v behind delivering messages; send it again in a moment", lag.Round(10*time.Millisecond))
	}
	m := wire.Event{
		ID:    ev.ID,
		From:  ss.client.Name(),
		User:  ss.user,
		Guest: !ss.account,
		Text:  ev.Text,
		TS:    time.Now().UTC().Truncate(time.Millisecond),
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	if ev.Reply != 0 {
		q, err := ss.quote(ctx, ev.Room, ev.Reply)
		if err != nil {
			return err
		}
		m.Reply, m.Quote = ev.Reply, q
	}
	var attached []files.Info
	if len(ev.Files) > 0 {
		var err error
		if attached, err = ss.attach(ctx, ev.Room, ev.ID, ev.Files); err != nil {
			return err
		}
		for _, in := range attached {
			m.Files = append(m.Files, in.File)
		}
	}
	seq, dup, err := ss.srv.broker.Store(ctx, ev.Room, ss.sender(), m)
	if errors.Is(err, broker.ErrStoreFull) {
		ss.srv.log.Warn("store full: message refused", "room", ev.Room, "err", err)
		return wire.Errorf(wire.CodeStoreFull, "message not stored: the server's message store is full; it cannot take messages until its operator frees space or raises -store-max")
	}
	if err != nil {
		ss.srv.log.Warn("store failed", "room", ev.Room, "err", err)
		return wire.Errorf(wire.CodeUnavailable, "message not stored (%v); send it again", err)
	}
	if !dup {
		ss.srv.metrics.MessagesIn.Add(1)
	}
	for _, in := range attached {
		if in.Seq == 0 {
			if err := ss.srv.files.Attach(ctx, in.ID, seq); err != nil {
				ss.srv.log.Warn("file not marked as sent", "file", in.ID, "seq", seq, "err", err)
			}
		}
	}
	// The stored message also comes back to the sender through the same
	// fan-out as everyone's copy; the ack says "stored" even when this send
	// was a resend that the store recognised and dropped.
	ss.reply(wire.Event{Type: wire.TypeAck, Room: ev.Room, ID: ev.ID, Seq: seq})
	return nil
}

// sender is who the dedupe of this connection's messages is scoped to: the
// signed-in user; else the browser's id when hello gave one (a resend from
// another connection of that browser is recognised); else the name.
func (ss *session) sender() string {
	if ss.user != "" {
		return "user:" + ss.user
	}
	if id := ss.client.Identity(); id != "" {
		return "browser:" + id
	}
	return "name:" + ss.client.Name()
}

func (ss *session) reply(ev wire.Event) { ss.client.Send(wire.Encode(ev)) }

// replyError answers the event about with an error event that names the
// send (its id) or the room it was about, so that a client with several
// requests in flight knows which one failed.
func (ss *session) replyError(err error, about wire.Event) {
	var pe *wire.ProtocolError
	if !errors.As(err, &pe) {
		pe = wire.Errorf(wire.CodeUnavailable, "%v", err)
	}
	room := about.Room
	if len(room) > 4*wire.MaxRoomLen {
		room = "" // a refused name is echoed for matching, a huge one is not
	}
	ss.reply(wire.Event{Type: wire.TypeError, Code: pe.Code, Text: pe.Text, ID: about.ID, Room: room})
}
