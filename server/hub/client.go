package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"chat/wire"
)

// Transport is the connection a Client writes to; the server adapts a
// *websocket.Conn to it. Write may block (the hub's watchdog bounds it);
// Close performs the close handshake and may block for seconds, CloseNow
// does not block.
type Transport interface {
	Write(frame []byte) error
	Close(d Disconnect) error
	CloseNow() error
	Ping(ctx context.Context) error
}

// Client is one connection's seat in the hub: its outgoing queue, its writer
// and its room memberships.
//
// Enqueueing (from fan-out, on any goroutine) never blocks: events are
// appended to a queue capped in bytes, and a writer goroutine, started only
// while there is something to write, drains the whole queue into as few
// frames as it can. A client whose queue overflows is disconnected as a slow
// consumer; it never slows the others.
//
// Join, Leave, Identify and Unregister for one client must be called from one
// goroutine (its session's read loop); everything else may be called
// concurrently.
type Client struct {
	hub *Hub
	t   Transport

	mu      sync.Mutex // guards the fields below; never held across I/O
	queue   [][]byte   // events waiting for the writer, shared with other clients: never modified
	spare   [][]byte   // the writer's previous batch, reused as the next queue
	queued  int        // bytes in queue
	writing bool       // a writer goroutine is running (or the close is under way)
	closing *closeRequest
	dead    bool // the transport failed or was closed: drop everything
	// syncing holds, per room being joined, the live messages that arrive
	// while the room's history is read, so that history and live traffic
	// reach the client in order, without gap or duplicate. Nil almost always.
	syncing map[string]*roomSync

	// writeStart is when the write in progress began (unix nanos), 0 when
	// the writer is not inside Transport.Write; the sweeper reads it to find
	// stalled writes without a timer or context per write.
	writeStart atomic.Int64
	nextPing   atomic.Int64 // unix nanos; owned by the sweeper
	pinging    atomic.Bool

	// Owned by the session goroutine (see the type's comment).
	name     string
	identity string // who presence counts: one per browser, or per connection
	rooms    []string

	regShard, regIndex int // position in the hub's client registry, guarded by that shard's lock
}

type roomSync struct {
	held  []heldEvent
	bytes int
}

type heldEvent struct {
	seq   uint64
	event []byte
}

type closeRequest struct {
	d        Disconnect
	farewell []byte // an error event written before the close frame, if any
}

// Name is the client's current nickname.
func (c *Client) Name() string { return c.name }

// Rooms lists the rooms the client is in. The slice is the client's own:
// read it on the session goroutine only.
func (c *Client) Rooms() []string { return c.rooms }

// InRoom reports whether the client has joined room.
func (c *Client) InRoom(room string) bool {
	for _, r := range c.rooms {
		if r == room {
			return true
		}
	}
	return false
}

// Send queues one encoded event for this client alone (replies, errors). It
// reports false when the client is closing or was dropped as too slow.
func (c *Client) Send(event []byte) bool { return c.enqueue(event) }

// enqueue is the fan-out path's per-recipient step: an append under the
// client's lock, and a goroutine started when no writer is running.
func (c *Client) enqueue(event []byte) bool {
	c.mu.Lock()
	ok, start := c.queueLocked(event, true)
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
	return ok
}

// enqueueMsg is enqueue for a room's stored message: while the room is being
// synced for this client, the message waits in the sync's hold.
func (c *Client) enqueueMsg(room string, seq uint64, event []byte) bool {
	c.mu.Lock()
	if rs := c.syncing[room]; rs != nil && !c.dead && c.closing == nil {
		rs.held = append(rs.held, heldEvent{seq, event})
		rs.bytes += len(event)
		if rs.bytes > c.hub.opts.QueueBytes {
			start := c.dropSlowLocked()
			c.mu.Unlock()
			if start {
				go c.writeLoop()
			}
			return false
		}
		c.mu.Unlock()
		return true
	}
	ok, start := c.queueLocked(event, true)
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
	return ok
}

// queueLocked appends event to the queue; counted events count against
// QueueBytes. It reports whether the event was queued and whether the caller
// must start the writer.
func (c *Client) queueLocked(event []byte, counted bool) (ok, startWriter bool) {
	if c.dead || c.closing != nil {
		return false, false
	}
	if counted && c.queued+len(event) > c.hub.opts.QueueBytes {
		return false, c.dropSlowLocked()
	}
	c.queue = append(c.queue, event)
	if counted {
		c.queued += len(event)
	}
	startWriter = !c.writing
	c.writing = true
	return true, startWriter
}

// dropSlowLocked turns the client away as a slow consumer. Whatever was
// queued is stale for a client this far behind; it resumes from its last
// seq when it reconnects. It reports whether the caller must start the
// writer, which sends the farewell and the close.
func (c *Client) dropSlowLocked() bool {
	c.queue, c.queued, c.syncing = nil, 0, nil
	c.closing = &closeRequest{d: DisconnectSlow, farewell: farewell(DisconnectSlow)}
	start := !c.writing
	c.writing = true
	c.hub.stats.slowConsumers.Add(1)
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
	for _, ev := range history {
		_, s := c.queueLocked(ev, false)
		start = start || s
	}
	for _, h := range rs.held {
		if h.seq > head {
			_, s := c.queueLocked(h.event, true)
			start = start || s
		}
	}
	c.mu.Unlock()
	if start {
		go c.writeLoop()
	}
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
	if start {
		go c.writeLoop()
	}
}

// kill closes the transport without a handshake and drops the queue: for a
// connection that is already broken or stalled.
func (c *Client) kill() {
	c.mu.Lock()
	c.dead = true
	c.queue, c.queued = nil, 0
	c.mu.Unlock()
	_ = c.t.CloseNow()
}

func farewell(d Disconnect) []byte {
	return wire.Encode(wire.Event{Type: wire.TypeError, Code: wire.CodeGoingAway, Text: d.Reason})
}

// writeLoop drains the queue until it is empty, coalescing each batch into
// frames of up to MaxFrameBytes, then exits. At most one runs per client.
func (c *Client) writeLoop() {
	var batch [][]byte
	var buf []byte
	for {
		c.mu.Lock()
		if batch != nil && cap(batch) <= 1024 {
			clear(batch) // the events belong to everyone; do not keep them alive
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
			if c.write(req.farewell) == nil {
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

// writeBatch writes events as NDJSON frames. A single event goes out as is,
// without a copy; several are joined in buf.
func (c *Client) writeBatch(batch [][]byte, buf *[]byte) error {
	if len(batch) == 1 {
		if err := c.write(batch[0]); err != nil {
			return err
		}
		c.hub.wrote(batch[0])
		return nil
	}
	max := c.hub.opts.MaxFrameBytes
	frame := (*buf)[:0]
	from := 0 // the first event in frame
	for i, ev := range batch {
		if len(frame) > 0 && len(frame)+1+len(ev) > max {
			if err := c.write(frame); err != nil {
				return err
			}
			c.hub.wroteAll(batch[from:i])
			frame, from = frame[:0], i
		}
		frame = wire.AppendFrame(frame, ev)
	}
	*buf = frame
	if err := c.write(frame); err != nil {
		return err
	}
	c.hub.wroteAll(batch[from:])
	return nil
}

func (c *Client) write(frame []byte) error {
	c.writeStart.Store(time.Now().UnixNano())
	err := c.t.Write(frame)
	c.writeStart.Store(0)
	if err == nil {
		c.hub.stats.framesOut.Add(1)
		c.hub.stats.bytesOut.Add(uint64(len(frame)))
	}
	return err
}

// idle reports whether the writer has nothing queued and is not running;
// Shutdown waits for it.
func (c *Client) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead || !c.writing
}
