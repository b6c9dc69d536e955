package server

import (
	"sync"
	"sync/atomic"
	"time"

	"chat/server/broker"
	"chat/server/hub"
	"chat/server/search"
	"chat/wire"
)

// deliveries takes the stored messages of this node's live feed, in stream
// order, and fans them out from one goroutine. While a fan-out runs, the
// messages that arrive wait here; the next round sends each room's waiting
// messages to its members together, as few frames as the frame limit
// allows: a room of 10,000 at 200 messages a second costs each member a
// write per round, not one per message. At a low rate a round is one
// message, sent at once.
//
// The broker's handler only appends (it never waits for a fan-out), so the
// backlog is here, measured by lag, and not in the members' queues: a
// fan-out that falls behind makes the senders wait (Config.MaxDeliveryLag),
// never drops readers that keep up.
type deliveries struct {
	hub    *hub.Hub
	live   *liveFeed
	recent *recent
	search *search.Index

	mu      sync.Mutex
	pending []storedMsg
	last    uint64        // the seq of the last message taken
	again   atomic.Uint64 // messages that came again, dropped
	wake    chan struct{} // a round may start; capacity 1

	// roundOldest is when the oldest message of the round under way
	// arrived (unix nanos), 0 between rounds.
	roundOldest atomic.Int64

	stop chan struct{}
	done chan struct{}
}

type storedMsg struct {
	room string
	seq  uint64
	m    wire.Event
	at   int64 // arrival, unix nanos
}

func newDeliveries(h *hub.Hub, live *liveFeed, r *recent, x *search.Index) *deliveries {
	d := &deliveries{hub: h, live: live, recent: r, search: x, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go d.run()
	return d
}

// add is the broker's handler for stored messages. One that comes again
// (a seq not above the last one taken) is dropped: when NATS loses its
// stream leader, the live consumer that is recreated can start again
// from before what this node already fanned out, and members would get
// those messages twice.
func (d *deliveries) add(room string, seq uint64, m wire.Event) {
	d.mu.Lock()
	if seq <= d.last {
		d.mu.Unlock()
		d.again.Add(1)
		return
	}
	d.last = seq
	d.pending = append(d.pending, storedMsg{room: room, seq: seq, m: m, at: time.Now().UnixNano()})
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// lag is how long the oldest message not yet fanned out has waited: the
// node's delivery backlog.
func (d *deliveries) lag() time.Duration {
	oldest := d.roundOldest.Load()
	if oldest == 0 {
		d.mu.Lock()
		if len(d.pending) > 0 {
			oldest = d.pending[0].at
		}
		d.mu.Unlock()
	}
	if oldest == 0 {
		return 0
	}
	return time.Duration(time.Now().UnixNano() - oldest)
}

func (d *deliveries) run() {
	defer close(d.done)
	var round []storedMsg
	for {
		select {
		case <-d.stop:
			return
		case <-d.wake:
		}
		for {
			d.mu.Lock()
			clear(round) // the events are the fan-out's no more
			round, d.pending = d.pending, round[:0]
			d.mu.Unlock()
			if len(round) == 0 {
				break
			}
			d.roundOldest.Store(round[0].at)
			d.fanout(round)
			d.roundOldest.Store(0)
			// Only now: a join waiting for this seq finds the messages up
			// to it either in the history it read or held for it.
			d.live.advance(round[len(round)-1].seq)
		}
	}
}

// fanout sends one round: each room's messages, encoded once, in seq order,
// rooms in the order their first message came.
func (d *deliveries) fanout(round []storedMsg) {
	if len(round) == 1 {
		m := round[0]
		ev := encodeStored(m)
		d.recent.add(m.room, m.seq, ev, m.m)
		d.search.Add(m.room, m.seq, m.m)
		d.hub.PublishMessages(m.room, [][]byte{ev}, []uint64{m.seq})
		return
	}
	type roomMsgs struct {
		events [][]byte
		seqs   []uint64
	}
	var order []string
	byRoom := make(map[string]*roomMsgs)
	for _, m := range round {
		r := byRoom[m.room]
		if r == nil {
			r = &roomMsgs{}
			byRoom[m.room] = r
			order = append(order, m.room)
		}
		ev := encodeStored(m)
		d.recent.add(m.room, m.seq, ev, m.m)
		d.search.Add(m.room, m.seq, m.m)
		r.events = append(r.events, ev)
		r.seqs = append(r.seqs, m.seq)
	}
	for _, room := range order {
		r := byRoom[room]
		d.hub.PublishMessages(room, r.events, r.seqs)
	}
}

func encodeStored(s storedMsg) []byte {
	if !broker.Stored(s.m.Type) {
		s.m.Type = wire.TypeMsg
	}
	s.m.Room, s.m.Seq = s.room, s.seq
	return wire.Encode(s.m)
}

func (d *deliveries) close() {
	close(d.stop)
	<-d.done
}
