// Package actions is everything a person, a bot or a token's holder can do
// on the server, decided in one place. Each action is a method of Actions
// taking the actor and the request, and answering a result or an *Error:
// it validates every parameter (params.go: one function per kind of
// parameter, so that no client string reaches a NATS subject, a KV key or
// a header unchecked), asks rooms.Can (access.go: here and nowhere else),
// stamps the actor's identity on what it stores, and acts.
//
// The transports (server/ws, server/api) are thin over it: they decode,
// call one action, and encode its answer or its error. They never decide
// who may do what. Side effects others react to (pushes, webhooks, the
// search index) come from the stream, not from calls out of here.
//
// All methods may be called concurrently.
package actions

import (
	"log/slog"
	"time"

	"chat/server/auth"
	"chat/server/broker"
	"chat/server/delivery"
	"chat/server/files"
	"chat/server/hub"
	"chat/server/metrics"
	"chat/server/msgstate"
	"chat/server/presence"
	"chat/server/push"
	"chat/server/reads"
	"chat/server/rooms"
	"chat/server/search"
	"chat/server/tokens"
)

// Config is what the actions need to know of the server's settings; zero
// fields take the defaults given.
type Config struct {
	// Access says who may chat: AccessOpen (the default) or AccessMembers.
	Access AccessMode
	// Benchmark says who may trigger GET /benchmark; BenchmarkLocal.
	Benchmark BenchmarkAccess
	// Operator says who may read the operator's figures (/metrics,
	// /stats.json); OperatorLocal.
	Operator OperatorAccess
	// MaxDeliveryLag is how far this node's fan-out may fall behind
	// before sends are refused as busy; 1 s.
	MaxDeliveryLag time.Duration
	// BotRate and BotBurst bound what one bot posts (messages a second,
	// per node); 1 a second, bursts of 20.
	BotRate  float64
	BotBurst int
	// OutgoingAllowPrivate lets webhooks and push endpoints be the
	// server's own network (see outgoing); off.
	OutgoingAllowPrivate bool
	// UploadBytes bounds the bytes of uploads being received at once on
	// a node (each is held in memory until it is checked); 256 MiB.
	UploadBytes int64
}

// Stores are the parts the actions act on, built by the node.
type Stores struct {
	Hub      *hub.Hub
	Broker   *broker.NATS
	Delivery *delivery.Deliveries
	Presence *presence.Presence
	Typers   *presence.Typing
	Auth     *auth.Store
	Rooms    *rooms.Store
	States   *msgstate.Store
	Reads    *reads.Store
	Files    *files.Store
	Push     *push.Store
	Index    *search.Index    // the search index
	Tokens   *tokens.Verifier // nil: the server takes no connection tokens
	Metrics  *metrics.Metrics
}

// Actions is every action of the server.
type Actions struct {
	Stores
	cfg    Config
	log    *slog.Logger
	limits *limits
	dir    *directory
}

// New makes the actions over st.
func New(cfg Config, st Stores, log *slog.Logger) *Actions {
	if cfg.Access == "" {
		cfg.Access = AccessOpen
	}
	if cfg.Benchmark == "" {
		cfg.Benchmark = BenchmarkLocal
	}
	if cfg.Operator == "" {
		cfg.Operator = OperatorLocal
	}
	if cfg.MaxDeliveryLag <= 0 {
		cfg.MaxDeliveryLag = time.Second
	}
	if cfg.BotRate <= 0 || cfg.BotBurst <= 0 {
		cfg.BotRate, cfg.BotBurst = 1, 20
	}
	if cfg.UploadBytes <= 0 {
		cfg.UploadBytes = 256 << 20
	}
	if log == nil {
		log = slog.Default()
	}
	a := &Actions{Stores: st, cfg: cfg, log: log}
	a.limits = newLimits(cfg)
	a.dir = newDirectory()
	return a
}

// Config is the actions' settings.
func (a *Actions) Config() Config { return a.cfg }
