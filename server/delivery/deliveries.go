// Package delivery takes the stored messages of a node's live feed to the
// members of their rooms: in rounds, each room's messages encoded once and
// framed together (Deliveries); joins, which read a room's history from
// the node's recent cache or the store and hold the room's live messages
// meanwhile, so that every message lands once and in order (Join); and
// admission, the backlog that refuses new sends as busy (Lag).
package delivery

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"chat/server/broker"
	"chat/server/hub"
	"chat/wire"
)

// Deliveries takes the stored messages of this node's live feed, in stream
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
//
// All methods may be called concurrently.
type Deliveries struct {
	hub    *hub.Hub
	broker broker.Broker
	live   liveFeed
	recent *recent
	follow []Follower
	lobby  *lobbyHolds
	opts   Options

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

// Follower is told every stored event this node delivers, in stream
// order, as it is fanned out (the search index keeps its rooms in step,
// the room directory their activity). It must not block.
type Follower interface {
	Add(room string, seq uint64, ev wire.Event)
}

// FollowerFunc is a function as a Follower.
type FollowerFunc func(room string, seq uint64, ev wire.Event)

// Add calls f.
func (f FollowerFunc) Add(room string, seq uint64, ev wire.Event) { f(room, seq, ev) }

// MergeFunc puts the edits and reactions of events read from the store
// on them (msgstate.Store.Merge).
type MergeFunc func(ctx context.Context, room string, msgs []wire.Event) error

// Options are a Deliveries' settings; zero fields take the defaults.
type Options struct {
	// HistoryOnJoin is how many of a room's last messages a join without
	// "after" gets, and how many the recent cache keeps a room; 100.
	HistoryOnJoin int
	// MaxResume bounds what a join with "after" is sent: past it, the
	// room's last MaxResume events go, after a gap event saying the
	// earlier ones are kept and may be asked for (wire.GapNotSent); 1000.
	MaxResume int
	// Merge puts edits and reactions on what is read from the store.
	Merge MergeFunc
	// Followers follow every stored event delivered.
	Followers []Follower
	// Logger; slog.Default() if nil.
	Logger *slog.Logger
}

// New starts the deliveries of a node with hub h on broker b. Give
// Deliveries.Add to the broker as its Message handler, and Reset the
// seq its live feed starts after.
func New(h *hub.Hub, b broker.Broker, o *Options) *Deliveries {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.HistoryOnJoin <= 0 {
		opts.HistoryOnJoin = 100
	}
	if opts.MaxResume <= 0 {
		opts.MaxResume = 1000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	d := &Deliveries{hub: h, broker: b, follow: opts.Followers, opts: opts,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	d.recent = newRecent(b, opts.HistoryOnJoin, opts.Merge)
	d.lobby = newLobbyHolds()
	go d.run()
	return d
}

// Reset sets where the live feed starts: after seq (see liveFeed.reset).
func (d *Deliveries) Reset(seq uint64) { d.live.reset(seq) }

// Forget drops what the node keeps of a room it has no members in now.
func (d *Deliveries) Forget(room string) { d.recent.forget(room) }

// Redelivered is how many stored messages came again and were dropped.
func (d *Deliveries) Redelivered() uint64 { return d.again.Load() }

// Add is the broker's handler for stored messages. One that comes again
// (a seq not above the last one taken) is dropped: when NATS loses its
// stream leader, the live consumer that is recreated can start again
// from before what this node already fanned out, and members would get
// those messages twice.
func (d *Deliveries) Add(room string, seq uint64, m wire.Event) {
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

// Lag is how long the oldest message not yet fanned out has waited: the
// node's delivery backlog, what admission refuses sends by.
func (d *Deliveries) Lag() time.Duration {
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

func (d *Deliveries) run() {
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
func (d *Deliveries) fanout(round []storedMsg) {
	if len(round) == 1 {
		m := round[0]
		ev := encodeStored(m)
		d.recent.add(m.room, m.seq, ev, m.m)
		d.followed(m)
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
		d.followed(m)
		r.events = append(r.events, ev)
		r.seqs = append(r.seqs, m.seq)
	}
	for _, room := range order {
		r := byRoom[room]
		d.hub.PublishMessages(room, r.events, r.seqs)
	}
}

func (d *Deliveries) followed(m storedMsg) {
	for _, f := range d.follow {
		f.Add(m.room, m.seq, m.m)
	}
}

func encodeStored(s storedMsg) []byte {
	if !broker.Stored(s.m.Type) {
		s.m.Type = wire.TypeMsg
	}
	s.m.Room, s.m.Seq = s.room, s.seq
	return wire.Encode(s.m)
}

// Close stops the fan-out and the lobby's holds.
func (d *Deliveries) Close() {
	close(d.stop)
	<-d.done
	d.lobby.close()
}
