package hub

import "sync/atomic"

type counters struct {
	clients       atomic.Int64
	rooms         atomic.Int64
	connects      atomic.Uint64
	published     atomic.Uint64
	delivered     atomic.Uint64
	framesOut     atomic.Uint64
	bytesOut      atomic.Uint64
	slowConsumers atomic.Uint64
	writeTimeouts atomic.Uint64
	pingTimeouts  atomic.Uint64
	socketFull    atomic.Uint64
}

// Stats is a snapshot of the hub's counters; the totals only grow.
type Stats struct {
	Clients       int64  // connected now
	Rooms         int64  // rooms with at least one local member
	Connects      uint64 // clients registered since start
	Published     uint64 // events fanned out (one per Publish or Broadcast)
	Delivered     uint64 // events queued to a client (a fan-out to N counts N)
	FramesOut     uint64 // WebSocket frames written; one frame may carry several events
	BytesOut      uint64 // payload bytes written
	SlowConsumers uint64 // clients dropped because their queue overflowed
	WriteTimeouts uint64 // clients dropped because a write stalled
	PingTimeouts  uint64 // clients dropped because they did not answer a ping
	Stalled       int64  // clients whose socket is full now, with a write waiting for room
	SocketFull    uint64 // non-blocking writes that found the socket full and left the rest to a writer goroutine
}

// Stats returns the current counters.
func (h *Hub) Stats() Stats {
	s := &h.stats
	return Stats{
		Clients:       s.clients.Load(),
		Rooms:         s.rooms.Load(),
		Connects:      s.connects.Load(),
		Published:     s.published.Load(),
		Delivered:     s.delivered.Load(),
		FramesOut:     s.framesOut.Load(),
		BytesOut:      s.bytesOut.Load(),
		SlowConsumers: s.slowConsumers.Load(),
		WriteTimeouts: s.writeTimeouts.Load(),
		PingTimeouts:  s.pingTimeouts.Load(),
		Stalled:       h.stalled(),
		SocketFull:    s.socketFull.Load(),
	}
}

// stalled counts the clients with a write waiting for room in their socket.
func (h *Hub) stalled() int64 {
	var n int64
	h.Each(func(c *Client) {
		if c.writeStart.Load() != 0 {
			n++
		}
	})
	return n
}
