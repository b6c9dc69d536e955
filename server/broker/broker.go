// Package broker carries chat traffic between nodes over NATS: room messages
// through a JetStream stream (the history, whose sequence is the message id),
// and transient events (the benchmark broadcast, presence) over plain NATS
// subjects. A single process uses an embedded NATS server, a cluster an
// external one; the data path is the same.
package broker

import (
	"context"

	"chat/wire"
)

// RoomWildcard is the stream's subjects: every room's.
const RoomWildcard = "chat.room.*"

// Subjects. Room names are validated by wire.ValidRoom, so each is one token.
const (
	StreamName       = "CHAT"
	roomSubject      = "chat.room." // + room: stored messages
	roomWildcard     = RoomWildcard
	broadcastSubject = "chat.broadcast" // GET /benchmark, to every node
	presenceSubject  = "chat.presence"  // nodes' local presence snapshots
	healthSubject    = "chat.health."   // + node id: /healthz round trip
)

// Broker is what the server needs from the message layer.
type Broker interface {
	// Store appends a chat message to room's history. sender names who
	// sent it, and with room and m.ID makes the dedupe key: the same
	// sender's message with the same ID in the same room, within the dedupe
	// window, is not stored again, and Store returns the first copy's
	// sequence with dup set; anyone else's message with that ID is another
	// message. Delivery to clients happens through Handlers.Message, on
	// every node.
	Store(ctx context.Context, room, sender string, m wire.Event) (seq uint64, dup bool, err error)
	// History reads room's messages with after < seq <= upTo (upTo 0: all),
	// oldest first; head is the last seq read, or after if none.
	History(ctx context.Context, room string, after, upTo uint64) (msgs []wire.Event, head uint64, err error)
	// Before reads up to n of room's events with seq < before, oldest first.
	Before(ctx context.Context, room string, before uint64, n int) ([]wire.Event, error)
	// Last is the seq of room's last message, 0 if it has none.
	Last(ctx context.Context, room string) (uint64, error)
	// Has reports whether room still keeps the message with this seq.
	Has(ctx context.Context, room string, seq uint64) (bool, error)
	// Message reads room's event with this seq; ok is false if there is none.
	Message(ctx context.Context, room string, seq uint64) (ev wire.Event, ok bool, err error)
	// First is the seq of room's oldest kept event, 0 if it has none.
	First(ctx context.Context, room string) (uint64, error)
	// Erase takes room's message with this seq out of the store for good.
	Erase(ctx context.Context, room string, seq uint64) error
	// Broadcast sends a transient text to every node's Handlers.Broadcast.
	Broadcast(ctx context.Context, text string) error
	// PublishPresence shares this node's presence snapshot with every node,
	// in as many NATS messages as it takes (see PresenceUpdate).
	PublishPresence(ctx context.Context, p PresenceUpdate) error
	// Healthy proves the data path: a publish and its receipt through NATS,
	// and a JetStream API call.
	Healthy(ctx context.Context) error
	// NodeID names this node in presence updates.
	NodeID() string
	// Close stops subscriptions and the connection (and the embedded server).
	Close() error
}

// Handlers receive what arrives from NATS. They are called from the broker's
// goroutines, one at a time per kind, in order; they must not block for long.
type Handlers struct {
	// Message is a stored chat message, with its sequence, in stream order.
	Message func(room string, seq uint64, m wire.Event)
	// Broadcast is one or more transient texts for every client of this
	// node: those that queued up while the previous call ran come together.
	Broadcast func(texts []string)
	// Presence is a node's snapshot (this node's own included).
	Presence func(p PresenceUpdate)
}

// PresenceUpdate is one node's local membership of some rooms. Full is set
// on the periodic refresh that lists every room the node has members in;
// otherwise only rooms that changed are listed (Count 0: the node has none
// left there).
//
// A refresh may list more rooms than one NATS message carries: it then goes
// as Parts messages of one Refresh number, Part 0 to Parts-1. A receiver
// takes each part's rooms as they come and, once it has every part, drops
// the node's rooms that none listed; with a part missing it keeps them until
// a complete refresh.
type PresenceUpdate struct {
	Node    string       `json:"node"`
	Full    bool         `json:"full,omitempty"`
	Refresh uint64       `json:"refresh,omitempty"` // with Full: which refresh this part belongs to
	Part    int          `json:"part,omitempty"`
	Parts   int          `json:"parts,omitempty"`
	Rooms   []wire.Event `json:"rooms"` // presence events: room, count, names
}
