// Package server is the chat server: HTTP routes, the WebSocket endpoint and
// the glue between the hub (local fan-out) and the broker (NATS).
//
// A message's way through: session.send stores it with broker.Store;
// every node's broker hands it to delivery.Deliveries.Add in stream order;
// the deliveries' goroutine encodes it once and hub.PublishMessages fans the
// bytes out to the room's members, with the room's other messages that
// arrived meanwhile in the same frame.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

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
	"chat/server/socket"
	"chat/wire"
)

// Server is one chat node. Create it with New, serve its Handler, and end it
// with Shutdown; all methods may be called concurrently.
type Server struct {
	cfg       Config
	log       *slog.Logger
	hub       *hub.Hub
	broker    *broker.NATS
	presence  *presence.Presence
	metrics   *metrics.Metrics
	delivery  *delivery.Deliveries
	parker    *parker // nil where idle connections keep a goroutine
	auth      *auth.Store
	rooms     *rooms.Store
	states    *msgstate.Store // messages' edits and reactions
	reads     *reads.Store    // how far each person has read each room
	files     *files.Store    // attachments
	push      *push.Store     // Web Push keys, subscriptions, choices
	typing    *presence.Typing
	searchIdx *search.Index
	tokens    *tokenVerifier // nil without -jwt-key
	throttles apiThrottles   // what one person may make an hour
	signedIn  signedIn       // this node's connections, by their sign-in session and user
	botRates  botRates       // what each bot may post (api_bots.go)
	conns     atomic.Int64   // open WebSocket connections, for MaxConns
	perIP     *perIP         // nil unless MaxConnsPerIP
	accepts   *rate.Limiter  // nil unless AcceptRate
	closing   atomic.Bool    // shutting down: refuse new connections
	degraded  atomic.Bool    // the message store (NATS) is unreachable
	started   atomic.Bool    // New has finished: the hub is there to tell clients

	benchmarkEvent []byte        // the /benchmark event, encoded once
	assets         *httpx.Assets // the UI's files, read once at start
	stopPresence   context.CancelFunc
	presenceDone   chan struct{}
	shutdownOnce   sync.Once
}

// New opens the broker (starting the embedded NATS unless cfg.NATSURL is set)
// and starts the hub.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	def := DefaultConfig()
	if cfg.PresenceNames <= 0 {
		cfg.PresenceNames = def.PresenceNames
	}
	if cfg.PresenceEvery <= 0 {
		cfg.PresenceEvery = def.PresenceEvery
	}
	if cfg.PresenceExpiry <= 0 {
		cfg.PresenceExpiry = def.PresenceExpiry
	}
	if cfg.EventRate <= 0 {
		cfg.EventRate, cfg.EventBurst = def.EventRate, def.EventBurst
	}
	if cfg.HeaderTimeout <= 0 {
		cfg.HeaderTimeout = def.HeaderTimeout
	}
	if cfg.Access == "" {
		cfg.Access = def.Access
	}
	if cfg.HistoryPerRoom <= 0 {
		cfg.HistoryPerRoom = def.HistoryPerRoom
	}
	if cfg.MaxDeliveryLag <= 0 {
		cfg.MaxDeliveryLag = def.MaxDeliveryLag
	}
	if cfg.HistoryOnJoin <= 0 {
		cfg.HistoryOnJoin = def.HistoryOnJoin
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = def.MaxConns
	}
	if cfg.NATSURL == "" && cfg.StoreMax > 0 && cfg.StoreMax < cfg.HistoryMaxBytes+cfg.FilesMaxBytes {
		// NATS reserves both bounds when the streams are made: say so now,
		// not as "insufficient storage resources" from the files' bucket.
		return nil, fmt.Errorf("-store-max (%d bytes) cannot hold -history-max-bytes (%d) and -files-max-bytes (%d), which the embedded NATS reserves: raise it, or lower them",
			cfg.StoreMax, cfg.HistoryMaxBytes, cfg.FilesMaxBytes)
	}
	s := &Server{throttles: newAPIThrottles()}
	if len(cfg.JWTKey) > 0 {
		var err error
		if s.tokens, err = newTokenVerifier(cfg.JWTKey); err != nil {
			return nil, err
		}
	}
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
	s.cfg, s.log, s.broker = cfg, cfg.Logger, b
	s.signedIn.online = presence.NewOnline(b.Conn())
	if err := s.openStores(ctx, b, cfg); err != nil {
		b.Close()
		return nil, err
	}
	s.benchmarkEvent = wire.Encode(wire.Event{Type: wire.TypeBroadcast, Text: wire.BenchmarkText})
	uiFiles, uiSource := uiFS(cfg)
	s.assets = httpx.NewAssets(uiFiles, uiSource, cfg.Logger)
	s.presenceDone = make(chan struct{})
	s.perIP = newPerIP(cfg.MaxConnsPerIP)
	if cfg.AcceptRate > 0 {
		s.accepts = rate.NewLimiter(rate.Limit(cfg.AcceptRate), max(1, int(cfg.AcceptRate)))
	}
	hubOpts := hub.Options{}
	if cfg.Hub != nil {
		hubOpts = *cfg.Hub
	}
	s.metrics = metrics.New(func() hub.Stats { return s.hub.Stats() })
	s.metrics.CountBroadcastsDropped(b.BroadcastsDropped)
	hubOpts.ObserveFanout = s.metrics.ObserveFanout
	hubOpts.RoomEmptied = func(room string) { s.delivery.Forget(room) }
	s.hub = hub.New(&hubOpts)
	// The cache never keeps more of a room than the store does.
	if s.parker, err = newParker(); err != nil {
		cfg.Logger.Warn("idle connections will each keep a goroutine: no epoll", "err", err)
	}
	s.searchIdx = search.NewIndex(s.searchLoad, nil)
	s.delivery = delivery.New(s.hub, b, &delivery.Options{
		// The cache never keeps more of a room than the store does.
		HistoryOnJoin: int(min(int64(cfg.HistoryOnJoin), cfg.HistoryPerRoom)),
		MaxResume:     cfg.MaxResume,
		Merge:         s.states.Merge,
		Follower:      s.searchIdx,
		Logger:        cfg.Logger,
	})
	s.metrics.CountRedelivered(s.delivery.Redelivered)
	go s.metrics.Run()
	s.presence = presence.New(s.hub, b, cfg.PresenceNames, cfg.PresenceEvery, cfg.PresenceExpiry, cfg.Logger)
	last, err := b.Subscribe(ctx, broker.Handlers{
		Message:   s.delivery.Add,
		Broadcast: s.deliverBroadcast,
		Presence:  s.presence.Update,
	})
	s.delivery.Reset(last)
	if err != nil {
		s.metrics.Close()
		s.delivery.Close()
		s.hub.Stop()
		b.Close()
		return nil, err
	}
	pctx, cancel := context.WithCancel(context.Background())
	s.stopPresence = cancel
	err = s.auth.WatchRevocations(pctx, s.signedIn.ended)
	if err == nil {
		err = s.rooms.WatchRemovals(pctx, s.signedIn.removed)
	}
	if err == nil {
		err = s.rooms.WatchChanges(pctx, s.signedIn.roomsChanged)
	}
	if err == nil {
		err = s.reads.Watch(pctx, s.signedIn.readChanged)
	}
	notifyOpts := &notify.Options{
		JetStream: b.JetStream(), Replicas: b.Replicas(),
		Auth: s.auth, Rooms: s.rooms, Push: s.push, Online: s.signedIn.online,
		AllowPrivate: cfg.OutgoingAllowPrivate, TLS: cfg.OutgoingTLS,
		PushContact:     s.pushContact(),
		WebhookAttempts: cfg.WebhookAttempts, WebhookBackoff: cfg.WebhookBackoff,
		Metrics: s.metrics, Logger: s.log,
	}
	if err == nil {
		err = notify.StartWebhooks(pctx, notifyOpts)
	}
	if err == nil {
		err = notify.StartPushes(pctx, notifyOpts)
	}
	if err != nil {
		cancel()
		s.metrics.Close()
		s.delivery.Close()
		s.hub.Stop()
		b.Close()
		return nil, err
	}
	if s.typing, err = presence.NewTyping(s.hub, b.Conn()); err != nil {
		cancel()
		s.metrics.Close()
		s.delivery.Close()
		s.hub.Stop()
		b.Close()
		return nil, err
	}
	go s.typing.Run(pctx)
	go s.reads.Run(pctx)
	go s.searchIdx.Run(pctx, searchPruneEvery, s.broker.First)
	go s.files.RunSweeps(pctx, time.Hour, func(err error) { s.log.Warn("unsent files not swept", "err", err) })
	go func() {
		defer close(s.presenceDone)
		s.presence.Run(pctx)
	}()
	s.started.Store(true)
	return s, nil
}

// openStores opens the state kept in NATS beside the history: accounts,
// rooms, messages' edits and reactions, read marks, files, push.
func (s *Server) openStores(ctx context.Context, b *broker.NATS, cfg Config) (err error) {
	if s.auth, err = openAuth(ctx, b); err != nil {
		return err
	}
	if s.rooms, err = openRooms(ctx, b); err != nil {
		return err
	}
	if s.states, err = openStates(ctx, b); err != nil {
		return err
	}
	if s.reads, err = openReads(ctx, b); err != nil {
		return err
	}
	if s.files, err = openFiles(ctx, b, cfg); err != nil {
		return err
	}
	s.push, err = openPush(ctx, b, cmp.Or(cfg.PushEvery, 30*time.Second))
	return err
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

// Shutdown stops accepting WebSocket clients, closes every client with 1001
// after flushing what is queued to it, and closes the broker. Stored messages
// are safe once acknowledged; nothing else needs saving. Calls after the
// first do nothing.
func (s *Server) Shutdown(ctx context.Context) {
	s.shutdownOnce.Do(func() { s.shutdown(ctx) })
}

func (s *Server) shutdown(ctx context.Context) {
	s.closing.Store(true)
	s.stopPresence()
	<-s.presenceDone
	s.presence.LeaveAll()
	s.hub.Shutdown(ctx, hub.DisconnectShutdown)
	// The peers answer the close frames (their sessions end), or the
	// rest is cut at ctx's end.
	for s.conns.Load() > 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	s.hub.KillAll()
	s.broker.Close()
	s.delivery.Close()
	s.hub.Stop()
	s.parker.close()
	s.metrics.Close()
}

// HTTPServer is the http.Server for s's Handler, with the timeouts a public
// server needs: a request whose headers never finish is cut off after
// Config.HeaderTimeout, an idle keep-alive connection after two minutes.
// WebSockets are hijacked, so these never apply to them.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.HeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// Run serves cfg.Addr until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	secure, err := httpx.NewTLS(httpx.TLSOptions{
		CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey,
		ACMEDomains: cfg.ACMEDomains, ACMEDirectory: cfg.ACMEDirectory, ACMEEmail: cfg.ACMEEmail, ACMEHTTPClient: cfg.ACMEHTTPClient,
		CacheDir: filepath.Join(cfg.DataDir, "acme"), Logger: cfg.Logger,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var plain *http.Server
	if secure != nil {
		ln = socket.NewTLSListener(ln, secure.Config)
		if plain, err = servePlain(cfg, ln.Addr().String(), secure); err != nil {
			ln.Close()
			return err
		}
		defer plain.Close()
	}
	// Starting waits for NATS (a cluster's may come up after its nodes),
	// but not forever.
	startCtx, cancelStart := context.WithTimeout(ctx, time.Minute)
	s, err := New(startCtx, cfg)
	cancelStart()
	if err != nil {
		ln.Close()
		return err
	}
	hs := s.HTTPServer()
	s.announceSetup(ctx, ln.Addr())
	s.log.Info("chat serving", "addr", ln.Addr().String(), "https", secure != nil, "version", cfg.Version,
		"nats", natsMode(cfg.NATSURL), "data", cfg.DataDir, "max_conns", cfg.MaxConns)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		s.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Refuse new work first, then close the WebSockets (hijacked, so
	// http.Server.Shutdown does not see them), then the broker.
	herr := hs.Shutdown(sctx)
	s.Shutdown(sctx)
	if herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
		return fmt.Errorf("http shutdown: %w", herr)
	}
	return nil
}

// servePlain starts the plain HTTP listener of an HTTPS server: the ACME
// HTTP challenge, and a redirect to HTTPS for everything else.
func servePlain(cfg Config, httpsAddr string, secure *httpx.TLS) (*http.Server, error) {
	addr := cfg.HTTPAddr
	switch addr {
	case "-":
		return &http.Server{}, nil // none
	case "":
		addr = ":80"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("the plain HTTP listener (-http-addr %s, for the redirect to HTTPS and ACME's challenge): %w", addr, err)
	}
	hs := &http.Server{Handler: secure.Plain(httpx.RedirectToHTTPS(httpsAddr)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	cfg.Logger.Info("redirecting plain HTTP to HTTPS", "addr", ln.Addr().String())
	return hs, nil
}

func natsMode(url string) string {
	if url == "" {
		return "embedded"
	}
	return url
}

// SetupInvite is the first-run invitation code while the server has no
// admin ("" once it has one): signing up with it makes the admin. For
// tools and tests; `chat serve` prints it at start.
func (s *Server) SetupInvite(ctx context.Context) (string, error) {
	return s.auth.SetupInvite(ctx)
}

// announceSetup prints the first-run link while the server has no admin:
// whoever signs up with it is the admin (it works once; every start makes
// a new one until it is used).
func (s *Server) announceSetup(ctx context.Context, addr net.Addr) {
	code, err := s.auth.SetupInvite(ctx)
	if err != nil || code == "" {
		return
	}
	host, scheme := addr.String(), "http"
	tcp, _ := addr.(*net.TCPAddr)
	if tcp != nil && tcp.IP.IsUnspecified() {
		host = net.JoinHostPort("localhost", strconv.Itoa(tcp.Port))
	}
	if s.cfg.TLSCert != "" || len(s.cfg.ACMEDomains) > 0 {
		scheme = "https"
		if len(s.cfg.ACMEDomains) > 0 && tcp != nil {
			// The name the certificate is for, not the address.
			host = s.cfg.ACMEDomains[0]
			if tcp.Port != 443 {
				host = net.JoinHostPort(host, strconv.Itoa(tcp.Port))
			}
		}
	}
	s.log.Warn("no admin yet: the first account made with this link is the server's admin",
		"url", scheme+"://"+host+"/signup?invite="+code)
}

// uiFS is the UI the configuration names: the directory -web gave, else
// the embedded copy, else none.
func uiFS(cfg Config) (fsys fs.FS, source string) {
	switch {
	case cfg.WebDir != "":
		return os.DirFS(cfg.WebDir), cfg.WebDir
	case cfg.Web != nil:
		return cfg.Web, "embedded"
	}
	return emptyFS{}, "none"
}

// emptyFS is the UI of a server configured without one.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// UIHash is the hash of the UI in fsys that pages' version carries (see
// httpx.UIHash).
func UIHash(fsys fs.FS) string { return httpx.UIHash(fsys) }

// pushContact is the contact in the VAPID token: -push-contact, else the
// ACME contact, else one at the first ACME name (push services, Apple's
// first, refuse a token without one).
func (s *Server) pushContact() string {
	switch {
	case s.cfg.PushContact != "":
		return s.cfg.PushContact
	case s.cfg.ACMEEmail != "":
		return "mailto:" + s.cfg.ACMEEmail
	case len(s.cfg.ACMEDomains) > 0:
		return "mailto:admin@" + s.cfg.ACMEDomains[0]
	}
	return "mailto:admin@localhost"
}
