package broker

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"chat/wire"
)

// Options configures Open. A nil *Options or a zero field means the default
// in the field's comment.
type Options struct {
	// URL of an external NATS (JetStream enabled), comma separated for a
	// cluster. Empty: start an embedded server storing under DataDir.
	URL string
	// DataDir is the embedded server's store (its "nats" subfolder).
	// Default "./data".
	DataDir string
	// EmbeddedListen makes the embedded server also listen on this
	// host:port, for tools; default none (in-process only).
	EmbeddedListen string
	// HistoryPerRoom is how many messages each room keeps. Default 1,000,000.
	HistoryPerRoom int64
	// HistoryMaxBytes bounds the whole history (every room); past it the
	// oldest messages go first. Default 1 GiB.
	HistoryMaxBytes int64
	// HistoryMaxAge is how long a message is kept. Default 90 days.
	HistoryMaxAge time.Duration
	// StoreMax bounds what the embedded NATS may write to disk in all (the
	// history and whatever else is stored), so that a full disk never
	// disables it: past it a message is refused with ErrStoreFull. It must
	// hold HistoryMaxBytes. Default HistoryMaxBytes + 1 GiB. An external
	// NATS has its own limits (max_file_store, account limits); their
	// refusals are ErrStoreFull too.
	StoreMax int64
	// SyncAlways makes the embedded NATS flush every stored message to
	// disk (fsync) before acknowledging it, so that an acknowledged
	// message survives a power cut, not only the death of the process.
	// Default false: messages reach the operating system at once and the
	// disk every SyncInterval.
	SyncAlways bool
	// SyncInterval is how often the embedded NATS flushes to disk without
	// SyncAlways. Default NATS's, 2 minutes.
	SyncInterval time.Duration
	// Replicas is how many NATS servers keep each stored message. Default:
	// 1 with the embedded server; with an external NATS, 3 when the
	// cluster has that many servers (else as many as it has), so that a
	// cluster that loses a server loses nothing.
	Replicas int
	// DedupeWindow is how long a message id is remembered to drop a resent
	// copy; it must cover a client's retry time. Default 15 minutes.
	DedupeWindow time.Duration
	// Logger for connection events. Default slog.Default().
	Logger *slog.Logger
	// StateChanged, if set, is told when the connection to NATS is lost
	// (false) and back (true).
	StateChanged func(connected bool)
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.DataDir == "" {
		v.DataDir = "./data"
	}
	if v.HistoryPerRoom <= 0 {
		v.HistoryPerRoom = 1_000_000
	}
	if v.HistoryMaxBytes <= 0 {
		v.HistoryMaxBytes = 1 << 30
	}
	if v.HistoryMaxAge <= 0 {
		v.HistoryMaxAge = 90 * 24 * time.Hour
	}
	if v.StoreMax <= 0 {
		v.StoreMax = v.HistoryMaxBytes + 1<<30
	}
	if v.DedupeWindow <= 0 {
		v.DedupeWindow = 15 * time.Minute
	}
	if v.Logger == nil {
		v.Logger = slog.Default()
	}
	return v
}

// NATS is the Broker on NATS JetStream.
type NATS struct {
	opts     Options
	node     string
	embedded *server.Server // nil with an external NATS
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   jetstream.Stream

	mu         sync.Mutex
	subs       []*nats.Subscription
	broadcasts *nats.Subscription // the broadcast subscription, for its drop count
	consume    jetstream.ConsumeContext
}

var _ Broker = (*NATS)(nil)

// Open connects to NATS (starting the embedded server when opts.URL is
// empty) and makes sure the chat stream exists.
func Open(ctx context.Context, opts *Options) (*NATS, error) {
	o := opts.withDefaults()
	b := &NATS{opts: o, node: nuid.Next()}
	natsOpts := []nats.Option{
		nats.Name("chat " + b.node),
		nats.MaxReconnects(-1), // a cluster node rides out a NATS restart
		nats.ReconnectWait(250 * time.Millisecond),
		// and may start before NATS does: Open waits for it (see ensureStream).
		nats.RetryOnFailedConnect(true),
		// A NATS server that hangs (not one that dies: that closes the
		// connection) is found in seconds, not the default two minutes,
		// and the connection moves to another server of the cluster.
		nats.PingInterval(2 * time.Second),
		nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: we closed it
				o.Logger.Warn("nats disconnected", "err", err)
				if o.StateChanged != nil {
					o.StateChanged(false)
				}
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			o.Logger.Warn("nats", "subject", subject, "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			o.Logger.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
			if o.StateChanged != nil {
				o.StateChanged(true)
			}
		}),
	}
	var err error
	if o.URL == "" {
		if o.StoreMax < o.HistoryMaxBytes {
			return nil, fmt.Errorf("the store's bound (%d bytes) is smaller than the history's (%d bytes)", o.StoreMax, o.HistoryMaxBytes)
		}
		if b.embedded, err = startEmbedded(o); err != nil {
			return nil, err
		}
		roomToGrow(b.embedded, o.DataDir, o.StoreMax, o.Logger)
		natsOpts = append(natsOpts, nats.InProcessServer(b.embedded))
	}
	if b.nc, err = nats.Connect(o.URL, natsOpts...); err != nil {
		b.shutdownEmbedded()
		return nil, fmt.Errorf("connect to NATS %q: %w", o.URL, err)
	}
	if b.js, err = jetstream.New(b.nc); err != nil {
		b.Close()
		return nil, err
	}
	if b.stream, err = b.ensureStream(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// ensureStream creates or updates the chat stream. Several nodes may start at
// once against a fresh cluster, and JetStream may still be electing a leader:
// retry until ctx ends.
func (b *NATS) ensureStream(ctx context.Context) (jetstream.Stream, error) {
	cfg := jetstream.StreamConfig{
		Name:              StreamName,
		Description:       "chat history: one subject per room, the stream sequence is the message id",
		Subjects:          []string{roomWildcard},
		Storage:           jetstream.FileStorage,
		MaxMsgsPerSubject: b.opts.HistoryPerRoom,
		MaxBytes:          b.opts.HistoryMaxBytes,
		MaxAge:            b.opts.HistoryMaxAge,
		// The oldest messages make way: the history is a window, and a
		// busy room never stops another from being written.
		Discard: jetstream.DiscardOld,
		// A chat message is at most wire.MaxTextBytes of text, which JSON
		// escaping can make six times longer, plus its envelope; anything
		// bigger is not ours.
		MaxMsgSize: 64 << 10,
		// JetStream wants the dedupe window within the age bound.
		Duplicates:  min(b.opts.DedupeWindow, b.opts.HistoryMaxAge),
		AllowDirect: true,
	}
	var s jetstream.Stream
	err := retry(ctx, b.opts.Logger, "stream "+StreamName, func(ctx context.Context) error {
		cfg.Replicas = b.replicas() // the servers of a cluster are learnt once connected
		var err error
		s, err = b.js.CreateOrUpdateStream(ctx, cfg)
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.Code == 400 || apiErr.ErrorCode == 10052) { // 10052: JSStreamInvalidConfigF
			// A configuration NATS refuses (a bound it cannot hold, a
			// setting it does not take): waiting will not change it.
			return permanent{err}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", StreamName, err)
	}
	return s, nil
}

// permanent marks an error retry gives up on at once.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// retry calls try, with 5 s for each attempt, until it succeeds, fails
// permanently or ctx ends, backing off from 100 ms to 2 s: NATS may start
// after the node, or a cluster may still be electing the leaders of its
// streams.
func retry(ctx context.Context, log *slog.Logger, what string, try func(context.Context) error) error {
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := try(actx)
		cancel()
		var p permanent
		switch {
		case err == nil:
			return nil
		case errors.As(err, &p):
			return p.error
		}
		if attempt%10 == 1 {
			log.Info("waiting for NATS JetStream", "for", what, "err", err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// replicas is Options.Replicas or its default: 1 embedded, else as many of
// 3 as the cluster has servers.
func (b *NATS) replicas() int {
	if b.opts.Replicas > 0 {
		return b.opts.Replicas
	}
	if b.embedded != nil {
		return 1
	}
	return min(3, max(1, len(b.nc.Servers())))
}

// NodeID implements Broker.
func (b *NATS) NodeID() string { return b.node }

// Conn is the underlying NATS connection, for tests and tools.
func (b *NATS) Conn() *nats.Conn { return b.nc }

// JetStream is the JetStream context, for the other state kept in NATS
// (the KV buckets of accounts and sessions).
func (b *NATS) JetStream() jetstream.JetStream { return b.js }

// Replicas is how many servers keep what this node stores (see
// Options.Replicas).
func (b *NATS) Replicas() int { return b.replicas() }

// ErrUnreachable is returned while the connection to NATS is down: failing
// at once lets the client keep the message and send it again, instead of
// waiting out a timeout.
var ErrUnreachable = errors.New("the message store (NATS) is unreachable")

// Store implements Broker. m is a message, or an event about one (see
// Stored): a delete (the message itself is erased with Erase), an edit or
// a reaction, which go to every member and stay in history after it.
func (b *NATS) Store(ctx context.Context, room, sender string, m wire.Event) (uint64, bool, error) {
	if !b.nc.IsConnected() {
		return 0, false, ErrUnreachable
	}
	msg := nats.NewMsg(roomSubject + room)
	ev := m
	ev.Room, ev.Seq = "", 0 // the subject and the stream say them
	if !Stored(ev.Type) || ev.Type == "" {
		ev.Type = wire.TypeMsg
	}
	msg.Data = wire.Encode(ev)
	msg.Header.Set(jetstream.MsgIDHeader, dedupeKey(room, sender, m.ID))
	ack, err := b.js.PublishMsg(ctx, msg)
	if err != nil {
		if storeFull(err) {
			return 0, false, fmt.Errorf("%w: %v", ErrStoreFull, err)
		}
		return 0, false, err
	}
	return ack.Sequence, ack.Duplicate, nil
}

// Stored reports whether events of this type are stored in a room's
// stream: messages, and the events that change one.
func Stored(typ string) bool {
	switch typ {
	case wire.TypeMsg, wire.TypeDelete, wire.TypeEdit, wire.TypeReact:
		return true
	}
	return false
}

// ErrStoreFull is returned when NATS refuses a message for want of space:
// the embedded server's StoreMax, or an external one's storage or account
// limits. Sending it again will not help until an operator frees space or
// raises the bound; the process goes on.
var ErrStoreFull = errors.New("the message store is full")

// storeFull recognises NATS's refusals for want of space, by their
// JetStream error codes.
func storeFull(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode {
	case 10002, // JSAccountResourcesExceededErr: the account's limits
		10023, // JSInsufficientResourcesErr: the server's max store
		10047: // JSStorageResourcesExceededErr
		return true
	}
	return false
}

// dedupeKey is a message's Nats-Msg-Id. JetStream's dedupe is global to the
// stream, so the client's id alone would let one person's id silence
// another's message, in any room: the key names the room and the sender
// too. The sender (any text) goes in as a hash, so that the key stays a
// short ASCII header value.
func dedupeKey(room, sender, id string) string {
	h := sha256.Sum256([]byte(sender))
	return room + "." + base64.RawURLEncoding.EncodeToString(h[:16]) + "." + id
}

// Broadcast implements Broker.
func (b *NATS) Broadcast(_ context.Context, text string) error {
	return b.nc.Publish(broadcastSubject, []byte(text))
}

// PublishPresence implements Broker.
func (b *NATS) PublishPresence(_ context.Context, p PresenceUpdate) error {
	parts := splitPresence(p, presencePartBytes(b.nc.MaxPayload()))
	for _, part := range parts {
		data, err := json.Marshal(part)
		if err != nil {
			return err
		}
		if err := b.nc.Publish(presenceSubject, data); err != nil {
			return err
		}
	}
	return nil
}

// presencePartBytes is the size a presence message aims at: well under the
// server's payload limit (1 MB by default), so that an estimate that runs
// short still fits.
func presencePartBytes(maxPayload int64) int {
	return int(min(max(maxPayload/2, 4<<10), 256<<10))
}

// splitPresence cuts an update into parts of about maxBytes of JSON each.
// A full refresh's parts are numbered; a partial update's are independent.
func splitPresence(p PresenceUpdate, maxBytes int) []PresenceUpdate {
	var parts []PresenceUpdate
	cur := PresenceUpdate{Node: p.Node, Full: p.Full, Refresh: p.Refresh}
	size := 0
	for _, r := range p.Rooms {
		n := presenceRoomBytes(r)
		if size > 0 && size+n > maxBytes {
			parts = append(parts, cur)
			cur = PresenceUpdate{Node: p.Node, Full: p.Full, Refresh: p.Refresh}
			size = 0
		}
		cur.Rooms = append(cur.Rooms, r)
		size += n
	}
	parts = append(parts, cur) // also the one empty part of an empty refresh
	if p.Full {
		for i := range parts {
			parts[i].Part, parts[i].Parts = i, len(parts)
		}
	}
	return parts
}

// presenceRoomBytes bounds the JSON of one room's presence event from
// above: a name (wire.ValidName: no control characters) is at most twice
// as long escaped, a quote or backslash taking two bytes, U+2028 six for
// three.
func presenceRoomBytes(r wire.Event) int {
	n := 64 + len(r.Room)
	for _, name := range r.Names {
		n += 3 + 2*len(name)
	}
	return n
}

// Healthy implements Broker.
func (b *NATS) Healthy(ctx context.Context) error {
	if _, err := b.nc.RequestWithContext(ctx, healthSubject+b.node, []byte("ping")); err != nil {
		return fmt.Errorf("nats round trip: %w", err)
	}
	if _, err := b.stream.Info(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

// Subscribe starts delivering to h. Room messages come from an ordered
// consumer that starts right after the stream's last message, whose seq it
// returns: every message with a higher seq will reach h.Message. The client
// library recreates the consumer after a NATS restart and resumes where it
// left off, so a node misses nothing while its connection is down.
func (b *NATS) Subscribe(ctx context.Context, h Handlers) (lastSeq uint64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	sub, err := b.nc.Subscribe(healthSubject+b.node, func(m *nats.Msg) { _ = m.Respond([]byte("ok")) })
	if err != nil {
		return 0, err
	}
	b.subs = append(b.subs, sub)
	if h.Broadcast != nil {
		sub, err := b.nc.SubscribeSync(broadcastSubject)
		if err != nil {
			return 0, err
		}
		// The benchmark can fire faster than one node fans out: let a burst
		// queue, but not without bound; past it NATS drops broadcasts
		// (counted by BroadcastsDropped), never chat messages, which come
		// from the stream.
		if err := sub.SetPendingLimits(maxBroadcastsPending, maxBroadcastsPending*64); err != nil {
			return 0, err
		}
		b.subs = append(b.subs, sub)
		b.broadcasts = sub
		go deliverBatches(sub, h.Broadcast)
	}
	if h.Presence != nil {
		sub, err := b.nc.Subscribe(presenceSubject, func(m *nats.Msg) {
			var p PresenceUpdate
			if json.Unmarshal(m.Data, &p) == nil {
				h.Presence(p)
			}
		})
		if err != nil {
			return 0, err
		}
		b.subs = append(b.subs, sub)
	}
	if h.Message != nil {
		var cons jetstream.Consumer
		// A cluster may still be settling the stream's replicas: retry
		// until ctx ends, as ensureStream does.
		err := retry(ctx, b.opts.Logger, "live consumer", func(ctx context.Context) error {
			info, err := b.stream.Info(ctx)
			if err != nil {
				return fmt.Errorf("stream info: %w", err)
			}
			lastSeq = info.State.LastSeq
			cons, err = b.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
				FilterSubjects: []string{roomWildcard},
				DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
				OptStartSeq:    lastSeq + 1,
			})
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("live consumer: %w", err)
		}
		cc, err := cons.Consume(func(m jetstream.Msg) {
			meta, err := m.Metadata()
			if err != nil {
				return
			}
			room := strings.TrimPrefix(m.Subject(), roomSubject)
			ev, err := wire.Decode(m.Data())
			if err != nil {
				b.opts.Logger.Error("undecodable stored message", "room", room, "seq", meta.Sequence.Stream, "err", err)
				return
			}
			h.Message(room, meta.Sequence.Stream, ev)
		})
		if err != nil {
			return 0, fmt.Errorf("live consumer: %w", err)
		}
		b.consume = cc
	}
	return lastSeq, b.nc.Flush()
}

// maxBroadcastBatch caps how many queued broadcasts go out together.
const maxBroadcastBatch = 64

// maxBroadcastsPending bounds the broadcasts a node holds while it fans
// out; a broadcast is a few dozen bytes, so 64 bytes each bounds the bytes.
const maxBroadcastsPending = 4096

// BroadcastsDropped is how many broadcasts this node dropped because too
// many were waiting for the fan-out.
func (b *NATS) BroadcastsDropped() uint64 {
	b.mu.Lock()
	sub := b.broadcasts
	b.mu.Unlock()
	if sub == nil {
		return 0
	}
	n, _ := sub.Dropped()
	return uint64(max(n, 0))
}

// deliverBatches hands the broadcasts to deliver in batches: everything that
// queued up while the previous batch was fanned out goes out together, in
// one frame per client. An isolated broadcast goes alone, at once; a burst
// costs each client one write per batch instead of one per broadcast.
func deliverBatches(sub *nats.Subscription, deliver func([]string)) {
	var batch []string
	for {
		m, err := sub.NextMsgWithContext(context.Background())
		if errors.Is(err, nats.ErrSlowConsumer) {
			continue // said once after drops (BroadcastsDropped counts them); the next ones are there
		}
		if err != nil {
			return // unsubscribed or closed
		}
		batch = append(batch[:0], string(m.Data))
		queued, _, _ := sub.Pending()
		for range min(queued, maxBroadcastBatch-1) {
			m, err := sub.NextMsg(time.Second)
			if errors.Is(err, nats.ErrSlowConsumer) {
				continue
			}
			if err != nil {
				break
			}
			batch = append(batch, string(m.Data))
		}
		deliver(batch)
	}
}

// Close implements Broker.
func (b *NATS) Close() error {
	b.mu.Lock()
	if b.consume != nil {
		b.consume.Stop()
	}
	for _, s := range b.subs {
		_ = s.Unsubscribe()
	}
	b.subs = nil
	b.mu.Unlock()
	if b.nc != nil {
		// Drain would wait for in-flight handlers; the hub is going down anyway.
		b.nc.Close()
	}
	b.shutdownEmbedded()
	return nil
}

func (b *NATS) shutdownEmbedded() {
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
	}
}

func splitHostPort(addr string) (string, int, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", 0, errors.New("bad port in " + addr)
	}
	return host, port, nil
}
