package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"chat/wire"
)

// Transport is the connection a Client writes frames to; the server adapts a
// coder/websocket connection to it. Frames are complete WebSocket frames
// (see Frame).
type Transport interface {
	// TryWrite writes as much of frame as the socket takes now, without
	// blocking; done reports that all of it went. When it did not (and err
	// is nil) the transport is left mid-frame: FinishWrite must follow, and
	// nothing else may be written before it.
	TryWrite(frame []byte) (done bool, err error)
	// FinishWrite writes the rest of the frame TryWrite began; it blocks.
	FinishWrite() error
	// Write writes a whole frame; it blocks.
	Write(frame []byte) error
	// Close performs the close handshake and may block for seconds;
	// CloseNow closes at once.
	Close(d Disconnect) error
	CloseNow() error
	// Ping sends a ping and waits for the pong or ctx's end.
	Ping(ctx context.Context) error
}

// Client is one connection's seat in the hub: its outgoing queue, its writer
// and its room memberships.
//
// The fan-out writes to an idle client directly, with one non-blocking
// write of the shared frame, as a library-free server would. A client that
// is busy (a write in progress, or a socket that would not take the whole
// frame) gets the frame queued instead; a writer goroutine, started only
// then, drains the queue, joining queued frames into one frame and one
// write. The queue is capped in bytes: a client that falls that far behind
// is disconnected as a slow consumer; it never slows the others.
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
	queued  int        // bytes in queue that count against QueueBytes
	writing bool       // a write is in progress (inline or by the writer goroutine), or the close
	closing *closeRequest
	dead    bool // the transport failed or was closed: drop everything
	// syncing holds, per room being joined, the live messages that arrive
	// while the room's history is read, so that history and live traffic
	// reach the client in order, without gap or duplicate. Nil almost always.
	syncing map[string]*roomSync

	// writeStart is when the blocking write in progress began (unix nanos),
	// 0 when none; the sweeper reads it to find stalled writes without a
	// timer or context per write.
	writeStart atomic.Int64
	nextPing   atomic.Int64 // unix nanos; owned by the sweeper
	pinging    atomic.Bool

	// Owned by the session goroutine (see the type's comment).
	name     string
	identity string // who presence counts: a browser's id, or "" for this connection alone
	rooms    []string

	regShard, regIndex int // position in the hub's client registry, guarded by that shard's lock
}

type roomSync struct {
	held  []*Frame
	bytes int
}

type closeRequest struct {
	d        Disconnect
	farewell *Frame // an error event written before the close frame
	// abrupt, when set, is the farewell and the close frame together, for a
	// client that is not waited for: written only if its socket takes them
	// at once, then the connection is closed, with no handshake.
	abrupt []byte
}

// slowClose is the close of every slow consumer, built once: dropping one
// happens on the fan-out path, under the client's lock.
var slowClose = func() *closeRequest {
	fw := farewell(DisconnectSlow)
	bye := append(append([]byte(nil), fw.b...), closeFrame(uint16(DisconnectSlow.Code), DisconnectSlow.Reason)...)
	return &closeRequest{d: DisconnectSlow, farewell: fw, abrupt: bye}
}()

// Name is the client's current nickname.
func (c *Client) Name() string { return c.name }

// InRoom reports whether the client has joined room.
func (c *Client) InRoom(room string) bool {
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
	if f.seq != 0 && c.syncing != nil {
		if rs := c.syncing[f.room]; rs != nil {
			ok, start := c.holdLocked(rs, f)
			c.mu.Unlock()
			c.startWriter(start)
			return queuedIf(ok)
		}
	}
	if c.writing {
		ok, _ := c.queueLocked(f, true) // the writer running will take it
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

// writeInline writes f on the fan-out's goroutine to a client that was
// idle. Only a socket that would not take the whole frame, or frames queued
// meanwhile, start a writer goroutine.
func (c *Client) writeInline(f *Frame) outcome {
	done, err := c.t.TryWrite(f.b)
	if err != nil {
		c.kill()
		return refused
	}
	if !done {
		// The socket is full: from now on the write is a stalled one, for
		// the watchdog and for the slow-consumer check alike.
		c.writeStart.Store(time.Now().UnixNano())
		go c.finishThenDrain(f)
		return queued
	}
	c.mu.Lock()
	if len(c.queue) == 0 && c.closing == nil {
		c.writing = false
		c.mu.Unlock()
		return written
	}
	c.mu.Unlock()
	go c.writeLoop()
	return written
}

// finishThenDrain completes a frame the socket took only part of, then
// drains whatever was queued meanwhile.
func (c *Client) finishThenDrain(f *Frame) {
	err := c.t.FinishWrite() // writeStart was set when the socket was found full
	c.writeStart.Store(0)
	if err != nil {
		c.kill()
		return
	}
	c.counted(f.b)
	c.wrote(f)
	c.writeLoop()
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
	c.queue, c.queued, c.syncing = nil, 0, nil
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

// EndSync queues the room's history (encoded msg events, in seq order, up to
// head), then the held live messages that came after head, and stops
// holding. History does not count against QueueBytes: it is bounded by the
// room's history cap, and a client catching up should not be taken for a
// slow one. It reports false if the sync was no longer going on (the client
// left the room or was dropped).
func (c *Client) EndSync(room string, history [][]byte, head uint64) bool {
	frames := make([]*Frame, len(history))
	for i, ev := range history {
		frames[i] = NewFrame(ev, 1)
	}
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
		if f.seq > head {
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
// close frame with d's code. It returns at once; the writer does the work.
func (c *Client) Close(d Disconnect) {
	c.mu.Lock()
	if c.dead || c.closing != nil {
		c.mu.Unlock()
		return
	}
	c.closing = &closeRequest{d: d, farewell: farewell(d)}
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	c.startWriter(start)
}

// closeAbruptly writes req's farewell and close frame only if the socket
// takes them now, and closes the connection without waiting on the peer.
func (c *Client) closeAbruptly(req *closeRequest) {
	done, err := c.t.TryWrite(req.abrupt)
	c.kill()
	if err == nil && !done {
		_ = c.t.FinishWrite() // fails at once on the closed connection, ending the partial write
	}
}

// Fail fails the connection at once, for a peer that broke the protocol in
// a way the WebSocket library left unanswered: the error event and the
// close frame are written now (after any frame already under way), then the
// connection is closed without waiting for the peer's answer.
func (c *Client) Fail(d Disconnect) {
	c.mu.Lock()
	if c.dead || c.closing != nil {
		c.mu.Unlock()
		return
	}
	c.closing = &closeRequest{d: d}
	c.queue, c.queued = nil, 0
	c.mu.Unlock()
	if c.t.Write(farewell(d).b) == nil {
		_ = c.t.Write(closeFrame(uint16(d.Code), d.Reason))
	}
	c.kill()
}

// kill closes the transport without a handshake and drops the queue: for a
// connection that is already broken or stalled.
func (c *Client) kill() {
	c.mu.Lock()
	c.dead = true
	c.queue, c.queued, c.syncing = nil, 0, nil
	c.mu.Unlock()
	_ = c.t.CloseNow()
}

func farewell(d Disconnect) *Frame {
	return NewFrame(wire.Encode(wire.Event{Type: wire.TypeError, Code: wire.CodeGoingAway, Text: d.Reason}), 1)
}

// writeLoop drains the queue until it is empty, then exits; at most one
// write (this loop or an inline one) is in progress per client.
func (c *Client) writeLoop() {
	var batch []*Frame
	var buf []byte
	for {
		c.mu.Lock()
		if batch != nil && cap(batch) <= 1024 {
			clear(batch) // the frames belong to everyone; do not keep them alive
			c.spare = batch[:0]
		}
		batch = c.queue
		c.queue, c.spare = c.spare, nil
		c.queued = 0
		if c.dead {
			c.mu.Unlock()
			return
		}
		if len(batch) == 0 {
			req := c.closing
			if req == nil {
				c.writing = false
				c.mu.Unlock()
				return
			}
			// writing stays true: no writer starts after the close.
			c.mu.Unlock()
			if req.abrupt != nil {
				c.closeAbruptly(req)
				return
			}
			if c.write(req.farewell.b) == nil {
				_ = c.t.Close(req.d)
			}
			c.kill()
			return
		}
		c.mu.Unlock()

		if err := c.writeBatch(batch, &buf); err != nil {
			c.kill()
			return
		}
	}
}

// writeBatch writes queued frames: one as it is, several joined into frames
// of up to MaxFrameBytes in buf, one write each.
func (c *Client) writeBatch(batch []*Frame, buf *[]byte) error {
	if len(batch) == 1 {
		if err := c.write(batch[0].b); err != nil {
			return err
		}
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
		for _, f := range batch[:n] {
			c.wrote(f)
		}
		batch = batch[n:]
	}
	return nil
}

// write is a blocking write, watched by the sweeper.
func (c *Client) write(frame []byte) error {
	c.writeStart.Store(time.Now().UnixNano())
	err := c.t.Write(frame)
	c.writeStart.Store(0)
	if err == nil {
		c.counted(frame)
	}
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
// progress; Shutdown waits for it.
func (c *Client) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead || !c.writing
}
