// Package server is a chat node: New builds every part and wires them,
// Handler mounts the routes, Run serves them, Shutdown ends them. It is
// the only package that knows all the parts; each of them holds only
// what it uses.
//
// A message's way through: the WebSocket transport (server/ws) hands a
// send to the actions (server/actions), which check it and store it with
// the broker (NATS JetStream); every node's broker hands it to delivery
// in stream order, whose goroutine encodes it once, and hub.PublishMessages
// fans the bytes out to the room's members, with the room's other messages
// that arrived meanwhile in the same frame.
package server

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"chat/server/actions"
	"chat/server/api"
	"chat/server/auth"
	"chat/server/broker"
	"chat/server/delivery"
	"chat/server/files"
	"chat/server/httpx"
	"chat/server/hub"
	"chat/server/metrics"
	"chat/server/msgstate"
	"chat/server/notify"
	"chat/server/presence"
	"chat/server/push"
	"chat/server/reads"
	"chat/server/rooms"
	"chat/server/search"
	"chat/server/tokens"
	"chat/server/ws"
	"chat/wire"
)

// searchPruneEvery is how often the search index drops what retention
// dropped from the store.
const searchPruneEvery = 5 * time.Minute

// Server is one chat node. Create it with New, serve its Handler, and end it
// with Shutdown; all methods may be called concurrently.
type Server struct {
	cfg       Config
	log       *slog.Logger
	hub       *hub.Hub
	broker    *broker.NATS
	presence  *presence.Presence
	typing    *presence.Typing
	online    *presence.Online
	metrics   *metrics.Metrics
	delivery  *delivery.Deliveries
	auth      *auth.Store
	rooms     *rooms.Store
	states    *msgstate.Store // messages' edits and reactions
	reads     *reads.Store    // how far each person has read each room
	files     *files.Store    // attachments
	push      *push.Store     // Web Push keys, subscriptions, choices
	searchIdx *search.Index
	actions   *actions.Actions
	ws        *ws.Handler
	api       *api.Handler
	assets    *httpx.Assets // the UI's files, read once at start
	degraded  atomic.Bool   // the message store (NATS) is unreachable
	started   atomic.Bool   // New has finished: the hub is there to tell clients

	benchmarkEvent []byte // the /benchmark event, encoded once
	stop           context.CancelFunc
	presenceDone   chan struct{}
	shutdownOnce   sync.Once
}

// New opens the broker (starting the embedded NATS unless cfg.NATSURL is
// set), the stores beside it, and starts the hub, the fan-out and the
// watchers that keep this node in step with the others.
func New(ctx context.Context, cfg Config) (_ *Server, err error) {
	cfg = withDefaults(cfg)
	if cfg.NATSURL == "" && cfg.StoreMax > 0 && cfg.StoreMax < cfg.HistoryMaxBytes+cfg.FilesMaxBytes {
		// NATS reserves both bounds when the streams are made: say so now,
		// not as "insufficient storage resources" from the files' bucket.
		return nil, fmt.Errorf("-store-max (%d bytes) cannot hold -history-max-bytes (%d) and -files-max-bytes (%d), which the embedded NATS reserves: raise it, or lower them",
			cfg.StoreMax, cfg.HistoryMaxBytes, cfg.FilesMaxBytes)
	}
	verifier, err := connectionTokens(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, presenceDone: make(chan struct{})}
	// What is started is stopped again, in reverse, if a later step fails.
	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	b, err := broker.Open(ctx, &broker.Options{
		URL:             cfg.NATSURL,
		DataDir:         cfg.DataDir,
		HistoryPerRoom:  cfg.HistoryPerRoom,
		HistoryMaxBytes: cfg.HistoryMaxBytes,
		HistoryMaxAge:   cfg.HistoryMaxAge,
		StoreMax:        cmp.Or(cfg.StoreMax, cfg.HistoryMaxBytes+cfg.FilesMaxBytes+1<<30),
		SyncAlways:      cfg.SyncAlways,
		Replicas:        cfg.Replicas,
		Logger:          cfg.Logger,
		StateChanged:    s.storeStateChanged,
	})
	if err != nil {
		return nil, err
	}
	s.broker = b
	undo = append(undo, func() { b.Close() })
	if err := s.openStores(ctx, b, cfg); err != nil {
		return nil, err
	}
	if cfg.Access == AccessMembers {
		// Guests' sessions made while the server was open end: only
		// members may chat now (a session lookup refuses them too).
		if n, err := s.auth.RevokeGuests(ctx); err != nil {
			return nil, fmt.Errorf("ending the guests' sessions of -access open: %w", err)
		} else if n > 0 {
			s.log.Info("members only: guests' sessions ended", "sessions", n)
		}
	}
	s.online = presence.NewOnline(b.Conn())
	s.benchmarkEvent = wire.Encode(wire.Event{Type: wire.TypeBroadcast, Text: wire.BenchmarkText})
	uiFiles, uiSource := uiFS(cfg)
	s.assets = httpx.NewAssets(uiFiles, uiSource, cfg.Logger)

	hubOpts := hub.Options{}
	if cfg.Hub != nil {
		hubOpts = *cfg.Hub
	}
	s.metrics = metrics.New(func() hub.Stats { return s.hub.Stats() })
	s.metrics.CountBroadcastsDropped(b.BroadcastsDropped)
	hubOpts.ObserveFanout = s.metrics.ObserveFanout
	hubOpts.RoomEmptied = func(room string) { s.delivery.Forget(room) }
	s.hub = hub.New(&hubOpts)
	undo = append(undo, s.hub.Stop)
	s.searchIdx = search.NewIndex(s.searchLoad, nil)
	s.delivery = delivery.New(s.hub, b, &delivery.Options{
		// The cache never keeps more of a room than the store does.
		HistoryOnJoin: int(min(int64(cfg.HistoryOnJoin), cfg.HistoryPerRoom)),
		MaxResume:     cfg.MaxResume,
		Merge:         s.states.Merge,
		Followers: []delivery.Follower{s.searchIdx,
			delivery.FollowerFunc(func(room string, seq uint64, ev wire.Event) { s.actions.Stored(room, seq, ev) })},
		Logger: cfg.Logger,
	})
	undo = append(undo, s.delivery.Close)
	s.metrics.CountRedelivered(s.delivery.Redelivered)
	go s.metrics.Run()
	undo = append(undo, s.metrics.Close)
	s.presence = presence.New(s.hub, b, cfg.PresenceNames, cfg.PresenceEvery, cfg.PresenceExpiry, cfg.Logger)
	if s.typing, err = presence.NewTyping(s.hub, b.Conn()); err != nil {
		return nil, err
	}

	s.actions = actions.New(actions.Config{
		Access: cfg.Access, Benchmark: cfg.Benchmark, Operator: cfg.Operator,
		MaxDeliveryLag: cfg.MaxDeliveryLag, BotRate: cfg.BotRate, BotBurst: cfg.BotBurst,
		OutgoingAllowPrivate: cfg.OutgoingAllowPrivate,
	}, actions.Stores{
		Hub: s.hub, Broker: b, Delivery: s.delivery, Presence: s.presence, Typers: s.typing,
		Auth: s.auth, Rooms: s.rooms, States: s.states, Reads: s.reads, Files: s.files, Push: s.push,
		Index: s.searchIdx, Tokens: verifier, Metrics: s.metrics,
	}, cfg.Logger)
	s.ws = ws.New(s.actions, s.hub, s.metrics, s.online, ws.Options{
		Origins: cfg.Origins, MaxConns: cfg.MaxConns, MaxConnsPerIP: cfg.MaxConnsPerIP, AcceptRate: cfg.AcceptRate,
		EventRate: cfg.EventRate, EventBurst: cfg.EventBurst, Version: cfg.Version,
		Status: func() (wire.Event, bool) { return s.storeStatus(), s.degraded.Load() },
	}, cfg.Logger)
	undo = append(undo, s.ws.Close)
	s.api = api.New(s.actions, s.metrics, api.Options{OperatorApart: cfg.MetricsAddr != "", UploadIdle: cfg.UploadIdle}, cfg.Logger)

	last, err := b.Subscribe(ctx, broker.Handlers{
		Message:   s.delivery.Add,
		Broadcast: s.deliverBroadcast,
		Presence:  s.presence.Update,
	})
	s.delivery.Reset(last)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	undo = append(undo, cancel)
	if err := s.watch(pctx); err != nil {
		return nil, err
	}
	go s.typing.Run(pctx)
	go s.reads.Run(pctx)
	go s.searchIdx.Run(pctx, searchPruneEvery, b.First)
	go s.files.RunSweeps(pctx, time.Hour, func(err error) { s.log.Warn("files not swept", "err", err) })
	go func() {
		defer close(s.presenceDone)
		s.presence.Run(pctx)
	}()
	s.started.Store(true)
	return s, nil
}

// connectionTokens is the verifier of -jwt-key or -jwt-secret; nil
// without either.
func connectionTokens(cfg Config) (*tokens.Verifier, error) {
	if len(cfg.JWTKey) == 0 && len(cfg.JWTSecret) == 0 {
		return nil, nil
	}
	o := &tokens.Options{Audience: cfg.JWTAudience, Issuer: cfg.JWTIssuer, MaxLifetime: cfg.JWTMaxAge}
	if len(cfg.JWTKey) > 0 {
		o.PublicKeyPEM = cfg.JWTKey
	}
	if len(cfg.JWTSecret) > 0 {
		o.HMACSecret = cfg.JWTSecret
	}
	return tokens.New(o)
}

// watch starts what keeps this node's connections in step with the
// cluster's state (sessions ended, members removed, rooms and read marks
// changed), and the pushes and webhooks, until ctx ends.
func (s *Server) watch(ctx context.Context) error {
	reg := s.ws.Registry()
	if err := s.auth.WatchRevocations(ctx, reg.Ended); err != nil {
		return err
	}
	if err := s.rooms.WatchRemovals(ctx, reg.Removed); err != nil {
		return err
	}
	if err := s.rooms.WatchChanges(ctx, reg.RoomsChanged); err != nil {
		return err
	}
	if err := s.reads.Watch(ctx, reg.ReadChanged); err != nil {
		return err
	}
	o := &notify.Options{
		JetStream: s.broker.JetStream(), Replicas: s.broker.Replicas(),
		Auth: s.auth, Rooms: s.rooms, Push: s.push, Online: s.online,
		AllowPrivate: s.cfg.OutgoingAllowPrivate, TLS: s.cfg.OutgoingTLS,
		PushContact:     s.pushContact(),
		WebhookAttempts: s.cfg.WebhookAttempts, WebhookBackoff: s.cfg.WebhookBackoff,
		Metrics: s.metrics, Logger: s.log,
	}
	if err := notify.StartWebhooks(ctx, o); err != nil {
		return err
	}
	return notify.StartPushes(ctx, o)
}

// withDefaults fills the zero (or negative) fields of cfg with
// DefaultConfig's.
func withDefaults(cfg Config) Config {
	def := DefaultConfig()
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.EventRate <= 0 {
		cfg.EventRate, cfg.EventBurst = def.EventRate, def.EventBurst
	}
	orDefault(&cfg.PresenceNames, def.PresenceNames)
	orDefault(&cfg.PresenceEvery, def.PresenceEvery)
	orDefault(&cfg.PresenceExpiry, def.PresenceExpiry)
	orDefault(&cfg.HeaderTimeout, def.HeaderTimeout)
	orDefault(&cfg.ReadTimeout, def.ReadTimeout)
	orDefault(&cfg.IdleTimeout, def.IdleTimeout)
	orDefault(&cfg.HistoryPerRoom, def.HistoryPerRoom)
	orDefault(&cfg.MaxDeliveryLag, def.MaxDeliveryLag)
	orDefault(&cfg.HistoryOnJoin, def.HistoryOnJoin)
	orDefault(&cfg.MaxConns, def.MaxConns)
	cfg.Access = cmp.Or(cfg.Access, def.Access)
	cfg.Operator = cmp.Or(cfg.Operator, def.Operator)
	return cfg
}

// orDefault sets *v to def when it is not above zero.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// searchLoad reads a room for the search index: every kept message, with
// its edits (the room's few, at once).
func (s *Server) searchLoad(ctx context.Context, room string) ([]wire.Event, error) {
	msgs, _, err := s.broker.History(ctx, room, 0, 0)
	if err != nil {
		return nil, err
	}
	states, err := s.states.Room(ctx, room)
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		if st, ok := states[msgs[i].Seq]; ok {
			st.Apply(&msgs[i])
		}
	}
	return msgs, nil
}

func (s *Server) deliverBroadcast(texts []string) {
	// One payload, one frame, for the whole batch: NDJSON, as the writer
	// would have joined them anyway.
	var payload []byte
	for _, text := range texts {
		ev := s.benchmarkEvent
		if text != wire.BenchmarkText {
			ev = wire.Encode(wire.Event{Type: wire.TypeBroadcast, Text: text})
		}
		payload = wire.AppendFrame(payload, ev)
	}
	// Counted first: a client may read the broadcast before the fan-out
	// returns, and the count should not lag what clients saw.
	s.metrics.Broadcasts.Add(uint64(len(texts)))
	s.hub.Broadcast(hub.NewFrame(payload, len(texts)))
}

// storeStateChanged tells every client of this node when the message store
// is lost and back: a client keeps what it sends meanwhile (its outbox)
// instead of meeting an error per message.
func (s *Server) storeStateChanged(connected bool) {
	s.degraded.Store(!connected)
	if !s.started.Load() {
		return // still starting; clients that connect later are told at once
	}
	s.hub.Broadcast(hub.NewFrame(wire.Encode(s.storeStatus()), 1))
}

// storeStatus is the status event for the store's current state.
func (s *Server) storeStatus() wire.Event {
	if s.degraded.Load() {
		return wire.Event{Type: wire.TypeStatus, Code: wire.StatusStoreUnreachable,
			Text: "messages cannot be stored right now; they are kept and sent when the store is back"}
	}
	return wire.Event{Type: wire.TypeStatus, Code: wire.StatusOK, Text: "messages are stored again"}
}

// Hub is the server's hub, for tests and metrics.
func (s *Server) Hub() *hub.Hub { return s.hub }

// Conns is how many WebSockets are open on this node.
func (s *Server) Conns() int64 { return s.ws.Conns() }

// Shutdown stops accepting WebSocket clients, closes every client with 1001
// after flushing what is queued to it, and closes the broker. Stored messages
// are safe once acknowledged; nothing else needs saving. Calls after the
// first do nothing.
func (s *Server) Shutdown(ctx context.Context) {
	s.shutdownOnce.Do(func() { s.shutdown(ctx) })
}

func (s *Server) shutdown(ctx context.Context) {
	s.ws.Refuse()
	s.stop()
	<-s.presenceDone
	s.presence.LeaveAll()
	s.hub.Shutdown(ctx, hub.DisconnectShutdown)
	// The peers answer the close frames (their sessions end), or the
	// rest is cut at ctx's end.
	for s.ws.Conns() > 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	s.hub.KillAll()
	s.broker.Close()
	s.delivery.Close()
	s.hub.Stop()
	s.ws.Close()
	s.metrics.Close()
}
