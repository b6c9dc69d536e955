package hub

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"chat/wire"
)

// Transport is the connection a Client writes to; the server adapts a
// coder/websocket connection to it. What is written is whole WebSocket
// frames (see Frame), or the rest of one.
//
// The Client calls TryWrite and Write from one goroutine at a time (whoever
// holds its write turn, see Client), so a Transport needs no lock of its own
// for them: none that the fan-out could wait on.
type Transport interface {
	// TryWrite writes as much of p as the socket takes now, without
	// waiting, and returns how much that was. A transport that takes all
	// of p but could not send all it made of it (TLS: the ciphertext the
	// socket did not take) returns len(p) and ErrPending; the hub then
	// calls Write with nothing new, from its writer, to send the rest.
	TryWrite(p []byte) (int, error)
	// Write writes all of p, and whatever an earlier TryWrite left
	// pending first; it blocks (the hub's watchdog closes a connection
	// whose write stalls).
	Write(p []byte) error
	// CloseNow closes at once.
	CloseNow() error
}

// ErrPending is what TryWrite returns, with all of p taken, when some of
// what it made of p is still to be sent (see Transport).
var ErrPending = errors.New("hub: written in part, the rest pending")

// tryWrite is TryWrite, with ErrPending seen as a socket that took all
// but the end: the rest (nothing more of p) is the writer's to send.
func tryWrite(t Transport, p []byte) (n int, pending bool, err error) {
	n, err = t.TryWrite(p)
	if err == ErrPending {
		return n, true, nil
	}
	return n, false, err
}

// ErrClosed is what WriteControl returns once the connection is closed.
var ErrClosed = errors.New("hub: connection closed")

// Client is one connection's seat in the hub: its outgoing queue, its writer
// and its room memberships.
//
// Every byte bound for the socket goes through the Client, data frames and
// the WebSocket library's control frames (pongs, pings, close) alike, and
// only the holder of the client's write turn (writing, taken under mu)
// touches the socket. So nothing ever waits for a lock held across I/O: the
// fan-out takes the turn of an idle client and writes the shared frame with
// one non-blocking write, as a library-free server would, and a client that
// is busy gets the frame queued instead. A writer goroutine, started only
// then, drains the queue: the rest of a frame the socket took only part of,
// then control frames, then the queued frames joined into one frame and one
// write. The queue, control frames included, is capped in bytes: a client
// that falls that far behind (or floods pings and never reads the pongs) is
// disconnected as a slow consumer; it never slows the others.
//
// Join, Leave, Identify and Unregister for one client must be called from
// one goroutine (its session's read loop); everything else may be called
// concurrently.
type Client struct {
	hub *Hub
	t   Transport

	mu      sync.Mutex // guards the fields below; never held across I/O
	queue   []*Frame   // frames waiting for the writer
	spare   []*Frame   // the writer's previous batch, reused as the next queue
	ctrl    []byte     // control frames waiting for the writer, whole, in order
	rest    []byte     // the unwritten end of a frame the socket took part of
	restOf  *Frame     // the frame rest belongs to (nil for a control frame)
	queued  int        // bytes of queue and ctrl that count against QueueBytes
	writing bool       // the write turn is taken: a write in progress, the writer goroutine, or the close
	// closeSent is set once the close frame is on the socket: nothing is
	// written after it (the library's echo of the peer's close included),
	// and the peer's answer, or the sweeper after CloseTimeout, ends the
	// connection.
	closeSent bool
	closing   *closeRequest
	dead      bool // the transport failed or was closed: drop everything
	// syncing holds, per room being joined, the live messages that arrive
	// while the room's history is read, so that history and live traffic
	// reach the client in order, without gap or duplicate. Nil almost always.
	syncing map[string]*roomSync

	// writeStart is when the blocking write in progress began (unix nanos),
	// 0 when none; the sweeper reads it to find stalled writes without a
	// timer or context per write.
	writeStart atomic.Int64
	closedAt   atomic.Int64 // when the close frame went (unix nanos), 0 before
	nextPing   atomic.Int64 // unix nanos; owned by the sweeper
	pingSent   atomic.Int64 // when the ping awaiting its pong went (unix nanos), 0 when none

	// Owned by the session goroutine (see the type's comment); rooms also
	// by Leave from anywhere, under roomsMu.
	name     string
	identity string // who presence counts: a browser's id, or "" for this connection alone
	roomsMu  sync.Mutex
	rooms    []string

	regShard, regIndex int // position in the hub's client registry, guarded by that shard's lock
}

type roomSync struct {
	held  []*Frame
	bytes int
}

type closeRequest struct {
	d Disconnect
	// abrupt, when set, is the farewell and the close frame together, for a
	// client that is not waited for: written only if its socket takes them
	// at once, then the connection is closed, with no handshake. Without
	// it, the farewell is queued behind what was queued before, then the
	// close frame goes, and the peer's answer ends the connection.
	abrupt []byte
	// done, when not nil, is closed once the connection is closed, for a
	// caller that waits (Abort).
	done chan struct{}
}

// abruptClose is the close of d for a client that is not waited for.
func abruptClose(d Disconnect) *closeRequest {
	fw := farewell(d)
	bye := append(append([]byte(nil), fw.b...), closeFrame(uint16(d.Code), d.Reason)...)
	return &closeRequest{d: d, abrupt: bye}
}

// slowClose is the close of every slow consumer, built once: dropping one
// happens on the fan-out path, under the client's lock.
var slowClose = abruptClose(DisconnectSlow)

// Name is the client's current nickname.
func (c *Client) Name() string { return c.name }

// Identity is who presence counts the client as (a browser's id), "" for
// a connection that did not say.
func (c *Client) Identity() string { return c.identity }

// Pong records a pong from the peer; it reports whether it answered the
// hub's ping (a pong nobody asked for is the peer's own doing).
func (c *Client) Pong() bool { return c.pingSent.Swap(0) != 0 }

// InRoom reports whether the client has joined room.
func (c *Client) InRoom(room string) bool {
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	return c.inRoomLocked(room)
}

func (c *Client) inRoomLocked(room string) bool {
	for _, r := range c.rooms {
		if r == room {
			return true
		}
	}
	return false
}

// Send frames one encoded event and sends it to this client alone (replies,
// errors). It reports false when the client is closing or was dropped.
func (c *Client) Send(event []byte) bool {
	f := NewFrame(event, 1)
	switch c.deliver(f) {
	case written:
		c.counted(f.b)
		c.wrote(f)
		return true
	case queued:
		return true
	}
	return false
}

// outcome is what deliver did with a frame.
type outcome uint8

const (
	refused outcome = iota // closing, dropped, or the write failed
	written                // on the socket already; the caller does the counting
	queued                 // queued or held: a writer reports it when written
)

// deliver is the fan-out path's per-recipient step. A frame it writes
// itself is counted by the caller, once per fan-out worker rather than once
// per client on shared counters.
func (c *Client) deliver(f *Frame) outcome {
	c.mu.Lock()
	if c.dead || c.closing != nil {
		c.mu.Unlock()
		return refused
	}
	if f.msgs != nil && c.syncing != nil {
		if rs := c.syncing[f.room]; rs != nil {
			ok, start := c.holdLocked(rs, f)
			c.mu.Unlock()
			c.startWriter(start)
			return queuedIf(ok)
		}
	}
	if c.writing {
		ok, _ := c.queueLocked(f, true) // the turn's holder will take it
		c.mu.Unlock()
		return queuedIf(ok)
	}
	c.writing = true
	c.mu.Unlock()
	return c.writeInline(f)
}

func queuedIf(ok bool) outcome {
	if ok {
		return queued
	}
	return refused
}

// writeInline writes f on the fan-out's goroutine, with the write turn just
// taken from an idle client. Only a socket that would not take the whole
// frame, or frames queued meanwhile, start a writer goroutine.
func (c *Client) writeInline(f *Frame) outcome {
	n, pending, err := tryWrite(c.t, f.b)
	if err != nil {
		c.killSoon()
		return refused
	}
	if n < len(f.b) || pending {
		c.handOver(f.b[n:], f) // non-nil, empty when all of it is pending
		return queued
	}
	c.releaseTurn()
	return written
}

// handOver gives the writer goroutine the rest of a frame the socket took
// only part of (of, nil for a control frame): the socket is full, so from
// now on the write is a stalled one, for the watchdog and for the
// slow-consumer check alike.
func (c *Client) handOver(rest []byte, of *Frame) {
	c.writeStart.Store(time.Now().UnixNano())
	c.hub.stats.socketFull.Add(1)
	c.mu.Lock()
	c.rest, c.restOf = rest, of
	c.mu.Unlock()
	go c.writeLoop()
}

// releaseTurn ends an inline write: the turn is given back, unless
// something was queued meanwhile, which a writer goroutine then takes.
func (c *Client) releaseTurn() {
	c.mu.Lock()
	if len(c.queue) == 0 && len(c.ctrl) == 0 && c.closing == nil {
		c.writing = false
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	go c.writeLoop()
}

// WriteControl takes a control frame from the WebSocket library (a pong, a
// ping, the echo of the peer's close, or the close of a protocol error),
// whole, and writes it in its turn, between data frames: at once if the
// client is idle and its socket has room, else after the frame under way.
// It never blocks. Queued control frames count against QueueBytes like
// data: a peer that sends pings and never reads the pongs is a slow
// consumer. Once the server's close frame has gone, nothing more is written.
func (c *Client) WriteControl(p []byte) (int, error) {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return 0, ErrClosed
	}
	if c.closeSent {
		c.mu.Unlock()
		return len(p), nil // the close frame went: the peer's answer ends it
	}
	if c.writing {
		var start bool
		switch {
		case c.closing != nil && c.closing.abrupt != nil:
			// Closing without a handshake: nothing more goes out.
		case c.queued+len(p) > c.hub.opts.QueueBytes:
			if c.closing == nil {
				start = c.dropSlowLocked()
			}
		default:
			c.ctrl = append(c.ctrl, p...)
			c.queued += len(p)
		}
		c.mu.Unlock()
		c.startWriter(start)
		return len(p), nil
	}
	c.writing = true
	c.mu.Unlock()
	n, pending, err := tryWrite(c.t, p)
	if err != nil {
		// Not kill: the library may be calling from its read path, where
		// closing the connection would wait for the read to end. The error
		// fails that read, and the session then closes the connection.
		c.drop()
		return 0, err
	}
	if n < len(p) || pending {
		c.handOver(append([]byte{}, p[n:]...), nil) // p is the library's buffer; non-nil even when empty
		return len(p), nil
	}
	c.releaseTurn()
	return len(p), nil
}

// queueLocked appends f to the queue; counted frames count against
// QueueBytes. It reports whether f was queued and whether the caller must
// start the writer.
func (c *Client) queueLocked(f *Frame, counted bool) (ok, startWriter bool) {
	if c.dead || c.closing != nil {
		return false, false
	}
	if counted && c.queued+len(f.b) > c.hub.opts.QueueBytes {
		return false, c.dropSlowLocked()
	}
	c.queue = append(c.queue, f)
	if counted {
		c.queued += len(f.b)
	}
	startWriter = !c.writing
	c.writing = true
	return true, startWriter
}

// holdLocked keeps a room's message for after its history; the hold is
// capped like the queue.
func (c *Client) holdLocked(rs *roomSync, f *Frame) (ok, startWriter bool) {
	rs.held = append(rs.held, f)
	rs.bytes += len(f.b)
	if rs.bytes > c.hub.opts.QueueBytes {
		return false, c.dropSlowLocked()
	}
	return true, false
}

func (c *Client) startWriter(start bool) {
	if start {
		go c.writeLoop()
	}
}

// dropSlowLocked turns the client away as a slow consumer. Whatever was
// queued is stale for a client this far behind; it resumes from its last
// seq when it reconnects. It reports whether the caller must start the
// writer, which sends the farewell and the close.
func (c *Client) dropSlowLocked() bool {
	c.queue, c.ctrl, c.queued, c.syncing = nil, nil, 0, nil
	c.closing = slowClose
	start := !c.writing
	c.writing = true
	c.hub.stats.slowConsumers.Add(1)
	if c.writeStart.Load() != 0 {
		// The writer is blocked on a full socket: that is why the queue
		// overflowed. Waiting for the watchdog would keep the client for
		// seconds; closing now ends the blocked write.
		go c.kill()
	}
	return start
}

// BeginSync starts holding room's live messages for this client, before it
// joins the room and reads the history; EndSync releases them. Calling it
// for a room already held keeps what is held.
func (c *Client) BeginSync(room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.syncing == nil {
		c.syncing = make(map[string]*roomSync)
	}
	if c.syncing[room] == nil {
		c.syncing[room] = &roomSync{}
	}
}

// EndSync queues the room's history (message frames, NewMsgFrame, in seq
// order, up to head; they may be shared with other joins), then the held
// live messages that came after head, and stops holding. History does not
// count against QueueBytes: it is bounded by the room's history cap, and a
// client catching up should not be taken for a slow one. It reports false
// if the sync was no longer going on (the client left the room or was
// dropped).
// SendHistory queues the room's history (as EndSync does) while the
// room's live messages go on being held: for a join whose node has not yet
// fanned out everything up to the history's end, which then ends the hold
// with EndSync(room, nil, head) once it has. It reports false if the sync
// was no longer going on.
func (c *Client) SendHistory(room string, frames []*Frame) bool {
	c.mu.Lock()
	if c.syncing[room] == nil {
		c.mu.Unlock()
		return false
	}
	start := false
	for _, f := range frames {
		_, s := c.queueLocked(f, false)
		start = start || s
	}
	c.mu.Unlock()
	c.startWriter(start)
	return true
}

func (c *Client) EndSync(room string, frames []*Frame, head uint64) bool {
	c.mu.Lock()
	rs := c.syncing[room]
	if rs == nil {
		c.mu.Unlock()
		return false
	}
	delete(c.syncing, room)
	if len(c.syncing) == 0 {
		c.syncing = nil
	}
	start := false
	for _, f := range frames {
		_, s := c.queueLocked(f, false)
		start = start || s
	}
	for _, f := range rs.held {
		if f = f.after(head); f != nil {
			_, s := c.queueLocked(f, true)
			start = start || s
		}
	}
	c.mu.Unlock()
	c.startWriter(start)
	return true
}

// stopSync forgets a room's sync, dropping what it held: the client left.
func (c *Client) stopSync(room string) {
	c.mu.Lock()
	delete(c.syncing, room)
	c.mu.Unlock()
}

// Close sends what is queued, then an error event with d's reason, then the
// close frame with d's code; the peer's close in answer (read by the
// session, which then ends), or CloseTimeout, ends the connection. It
// returns at once; the writer does the work.
func (c *Client) Close(d Disconnect) {
	c.mu.Lock()
	if c.dead || c.closing != nil {
		c.mu.Unlock()
		return
	}
	c.closing = &closeRequest{d: d}
	c.queue = append(c.queue, farewell(d)) // not counted: it goes whatever the queue holds
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	c.startWriter(start)
}

// Abort closes the connection of a client that broke the rules (a flood, a
// broken protocol): what is queued is dropped, the error event with d's
// reason and the close frame are written only if the socket takes them at
// once (after the rest of a frame under way), and the connection is closed
// without waiting for the peer. It returns once the connection is closed,
// so that the caller's next step (ending the session) cannot cut the
// farewell short. Abort must not be called from a write path, nor from
// inside the WebSocket library's read (its callbacks): closing waits for
// that read to end.
func (c *Client) Abort(d Disconnect) {
	c.mu.Lock()
	if c.dead || c.closing != nil {
		c.mu.Unlock()
		return
	}
	req := abruptClose(d)
	req.done = make(chan struct{})
	c.closing = req
	c.queue, c.ctrl, c.queued, c.syncing = nil, nil, 0, nil
	own := !c.writing
	c.writing = true
	c.mu.Unlock()
	if own {
		c.closeAbruptly(req, nil) // nothing under way: no rest
		return
	}
	<-req.done // the holder of the turn sees the request next; the watchdog bounds its write
}

// closeAbruptly writes the rest of the frame under way and then req's
// farewell and close frame, each only if the socket takes it now, and
// closes the connection without waiting on the peer.
func (c *Client) closeAbruptly(req *closeRequest, rest []byte) {
	if c.tryWriteAll(rest) {
		c.tryWriteAll(req.abrupt)
	}
	c.kill()
}

func (c *Client) tryWriteAll(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	n, pending, err := tryWrite(c.t, p)
	return err == nil && n == len(p) && !pending
}

// kill closes the transport without a handshake and drops the queue: for a
// connection that is already broken, stalled, or done with.
func (c *Client) kill() {
	done := c.drop()
	_ = c.t.CloseNow()
	if done != nil {
		close(done)
	}
}

// killSoon is kill for the fan-out: the client takes nothing more from now
// on, and the connection is closed on another goroutine, since closing it
// waits for the library's reader to let go.
func (c *Client) killSoon() {
	done := c.drop()
	go func() {
		_ = c.t.CloseNow()
		if done != nil {
			close(done)
		}
	}()
}

// drop marks the client dead and lets go of what it holds; it returns the
// channel of an Abort waiting for the close, for kill to close.
func (c *Client) drop() (done chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dead = true
	c.queue, c.ctrl, c.rest, c.restOf, c.queued, c.syncing = nil, nil, nil, nil, 0, nil
	if c.closing != nil && c.closing.done != nil {
		done, c.closing.done = c.closing.done, nil // only Abort's own requests have one
	}
	return done
}

func farewell(d Disconnect) *Frame {
	return NewFrame(wire.Encode(wire.Event{Type: wire.TypeError, Code: wire.CodeGoingAway, Text: d.Reason}), 1)
}

// writeLoop holds the write turn until there is nothing left to write, then
// gives it back and exits. Each round it takes everything waiting: the rest
// of a frame under way, then control frames, then the queue (joined into
// frames), so a control frame never lands inside a data frame.
func (c *Client) writeLoop() {
	var batch []*Frame
	var buf []byte
	for {
		c.mu.Lock()
		if batch != nil && cap(batch) <= 1024 {
			clear(batch) // the frames belong to everyone; do not keep them alive
			c.spare = batch[:0]
		}
		if c.dead {
			c.mu.Unlock()
			return
		}
		rest, restOf, ctrl, req := c.rest, c.restOf, c.ctrl, c.closing
		batch = c.queue
		c.rest, c.restOf, c.ctrl = nil, nil, nil
		c.queue, c.spare = c.spare, nil
		c.queued = 0
		if req != nil && req.abrupt != nil {
			c.mu.Unlock()
			c.closeAbruptly(req, rest)
			return
		}
		if rest == nil && len(ctrl) == 0 && len(batch) == 0 {
			if req == nil {
				c.writing = false
				c.mu.Unlock()
				return
			}
			// The farewell went out with the queue: the close frame is
			// last (writing stays true: no writer starts after it).
			c.closeSent = true
			c.mu.Unlock()
			if c.write(closeFrame(uint16(req.d.Code), req.d.Reason)) != nil {
				c.kill()
				return
			}
			c.closedAt.Store(time.Now().UnixNano())
			return
		}
		c.mu.Unlock()

		if err := c.writeWaiting(rest, restOf, ctrl, batch, &buf); err != nil {
			c.kill()
			return
		}
	}
}

// writeWaiting is one round of writeLoop.
func (c *Client) writeWaiting(rest []byte, restOf *Frame, ctrl []byte, batch []*Frame, buf *[]byte) error {
	if rest != nil {
		// writeStart was set when the socket was found full.
		err := c.t.Write(rest)
		c.writeStart.Store(0)
		if err != nil {
			return err
		}
		if restOf != nil {
			c.counted(restOf.b)
			c.wrote(restOf)
		}
	}
	if len(ctrl) > 0 {
		if err := c.write(ctrl); err != nil {
			return err
		}
	}
	return c.writeBatch(batch, buf)
}

// writeBatch writes queued frames: one as it is, several joined into frames
// of up to MaxFrameBytes in buf, one write each.
func (c *Client) writeBatch(batch []*Frame, buf *[]byte) error {
	if len(batch) == 1 {
		if err := c.write(batch[0].b); err != nil {
			return err
		}
		c.counted(batch[0].b)
		c.wrote(batch[0])
		return nil
	}
	max := c.hub.opts.MaxFrameBytes
	for len(batch) > 0 {
		n, size := 1, len(batch[0].b)-batch[0].hdr
		for n < len(batch) && size+1+len(batch[n].b)-batch[n].hdr <= max {
			size += 1 + len(batch[n].b) - batch[n].hdr
			n++
		}
		*buf = appendFrame((*buf)[:0], batch[:n])
		if err := c.write(*buf); err != nil {
			return err
		}
		c.counted(*buf)
		for _, f := range batch[:n] {
			c.wrote(f)
		}
		batch = batch[n:]
	}
	return nil
}

// write is a blocking write by the holder of the write turn, watched by
// the sweeper.
func (c *Client) write(p []byte) error {
	c.writeStart.Store(time.Now().UnixNano())
	err := c.t.Write(p)
	c.writeStart.Store(0)
	return err
}

func (c *Client) counted(frame []byte) {
	c.hub.stats.framesOut.Add(1)
	c.hub.stats.bytesOut.Add(uint64(len(frame)))
}

// wrote records that f has reached this client's socket.
func (c *Client) wrote(f *Frame) {
	c.hub.wrote(f)
}

// idle reports whether the client has nothing queued and no write in
// progress, or has been sent its close frame; Shutdown waits for it.
func (c *Client) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead || !c.writing || c.closeSent && c.closedAt.Load() != 0
}
