// Package ws is the WebSocket transport: the upgrade, the read loop that
// parks idle connections, pings, and the protocol's events in and out.
// Each client event becomes one call into server/actions, which decides
// whether the actor may; this package never does.
package ws

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"chat/server/actions"
	"chat/server/httpx"
	"chat/server/hub"
	"chat/server/metrics"
	"chat/server/presence"
	"chat/server/tokens"
	"chat/wire"
)

// ReadLimit is coder/websocket's hard cap on one inbound message. Messages
// between wire.MaxFrame and this are read, refused with an error event and a
// 1009 close; beyond it the library closes with 1009 by itself, having read
// no more than this.
const ReadLimit = 1 << 20

// Options are the transport's settings; zero fields take the defaults.
type Options struct {
	// Origins are extra Origin host patterns allowed to open a socket;
	// the page's own host always is.
	Origins []string
	// MaxConns caps the sockets at once (503 past it); 10,000.
	MaxConns int
	// MaxConnsPerIP caps one client address's sockets (429 past it); 0,
	// the default, is no cap.
	MaxConnsPerIP int
	// AcceptRate caps new sockets a second (503 with Retry-After past
	// it); 0, the default, is no cap.
	AcceptRate float64
	// EventRate and EventBurst are a connection's event rate (a token
	// bucket over every event, pings and pongs included); 20, 40.
	EventRate  float64
	EventBurst int
	// Version is what welcome says.
	Version string
	// Status, if set, says whether the message store is down now, and the
	// status event that says so: a new connection is told at once.
	Status func() (wire.Event, bool)
}

// Handler serves /ws. All methods may be called concurrently.
type Handler struct {
	actions  *actions.Actions
	hub      *hub.Hub
	metrics  *metrics.Metrics
	registry *Registry
	parker   *parker // nil where idle connections keep a goroutine
	opts     Options
	log      *slog.Logger

	conns   atomic.Int64  // open WebSocket connections, for MaxConns
	perIP   *perIP        // nil unless MaxConnsPerIP
	accepts *rate.Limiter // nil unless AcceptRate
	closing atomic.Bool   // shutting down: refuse new connections
}

// New makes the handler of /ws; online is told who has a connection here.
func New(a *actions.Actions, h *hub.Hub, m *metrics.Metrics, online *presence.Online, opts Options, log *slog.Logger) *Handler {
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10000
	}
	if opts.EventRate <= 0 || opts.EventBurst <= 0 {
		opts.EventRate, opts.EventBurst = 20, 40
	}
	if log == nil {
		log = slog.Default()
	}
	ws := &Handler{actions: a, hub: h, metrics: m, registry: newRegistry(h, online), opts: opts, log: log,
		perIP: newPerIP(opts.MaxConnsPerIP)}
	if opts.AcceptRate > 0 {
		ws.accepts = rate.NewLimiter(rate.Limit(opts.AcceptRate), max(1, int(opts.AcceptRate)))
	}
	var err error
	if ws.parker, err = newParker(); err != nil {
		log.Warn("idle connections will each keep a goroutine: no epoll", "err", err)
	}
	return ws
}

// Registry finds this node's connections by session and by person.
func (h *Handler) Registry() *Registry { return h.registry }

// Conns is how many sockets are open.
func (h *Handler) Conns() int64 { return h.conns.Load() }

// Refuse makes every new connection get 503 from now on: the server is
// shutting down.
func (h *Handler) Refuse() { h.closing.Store(true) }

// Close stops the parker, once every connection has ended.
func (h *Handler) Close() { h.parker.close() }

// ServeHTTP upgrades /ws. Who connects is the actions' to decide, from
// the connection token or the session cookie the request carries; the
// connection count is checked before the upgrade, so that a full server
// answers 503 instead of accepting and dropping.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.closing.Load() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	if h.accepts != nil && !h.accepts.Allow() {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many new connections right now: retry in a moment", http.StatusServiceUnavailable)
		return
	}
	if h.conns.Add(1) > int64(h.opts.MaxConns) {
		h.conns.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "server full: too many connections", http.StatusServiceUnavailable)
		return
	}
	// A page on another site must not open a socket with the person's
	// cookie (cross-site WebSocket hijacking): Origin is checked by
	// Accept; a browser's Sec-Fetch-Site says the same where Origin could
	// be missing. -origins lets named sites in, and then this check too.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" && len(h.opts.Origins) == 0 {
		h.conns.Add(-1)
		http.Error(w, "cross-site WebSocket refused", http.StatusForbidden)
		return
	}
	who, err := h.actor(r)
	if err == nil {
		err = h.actions.Connect(r.Context(), who)
	}
	if err != nil {
		h.conns.Add(-1)
		status := http.StatusServiceUnavailable
		var ae *actions.Error
		if errors.As(err, &ae) && ae.Status == actions.Unauthenticated {
			status = http.StatusUnauthorized
		}
		http.Error(w, err.Error(), status)
		return
	}
	ipKey, ok := h.perIP.take(httpx.ClientOf(r).Key())
	if !ok {
		h.conns.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many connections from your address", http.StatusTooManyRequests)
		return
	}
	// One allocation holds the session, its hub seat and its transport.
	ss := &session{h: h, who: who}
	ss.client, ss.t.client, ss.c.Client = &ss.seat, &ss.seat, &ss.seat
	ss.t.parker, ss.t.resume = h.parker, ss.resume
	conn, err := websocket.Accept(&hijacker{w, &ss.t}, r, &websocket.AcceptOptions{
		OriginPatterns: h.opts.Origins,
		// Compression stays off: it costs tens of KB per connection and
		// Safari has had bugs with it; chat events are small.
		CompressionMode: websocket.CompressionDisabled,
		// Pings and pongs count against the event rate: a peer cannot make
		// the server write pongs faster than it may send messages.
		OnPingReceived: ss.onPing,
		OnPongReceived: ss.onPong,
	})
	if err != nil {
		// Accept has answered (403 for a foreign Origin, 426 for a plain GET).
		h.conns.Add(-1)
		h.perIP.release(ipKey)
		return
	}
	ss.ipKey = ipKey
	ss.t.ws, ss.conn = conn, conn
	ss.t.readDirect()
	conn.SetReadLimit(ReadLimit)
	if who.User != "" {
		// Known by person too, for what concerns all their devices: read
		// marks, their rooms, a removal (and by session for its end).
		h.registry.add(ss)
	}
	h.hub.Attach(&ss.seat, &ss.t, who.Name)
	if who.User != "" {
		h.hub.Identify(&ss.seat, who.Name, "u:"+who.User) // presence counts the person, on every device
	}
	if who.Kind == actions.TokenHolder {
		// The token's life is the connection's: the site's page opens a
		// new one with a fresh token.
		ss.expiry = time.AfterFunc(time.Until(who.Expires), func() { ss.client.Close(hub.DisconnectTokenExpired) })
	}
	// The handler returns now: its goroutine and the request's memory go,
	// and the session's read loop lives on in a small new goroutine.
	go ss.run()
}

// actor is who the request says connects, as the actions decide: the
// holder of its connection token if it has one (a bad one is refused,
// not ignored), else its session cookie's, else an anonymous client of
// its own, as the article's were.
func (h *Handler) actor(r *http.Request) (actions.Actor, error) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if raw := tokens.FromRequest(r); raw != "" {
		return h.actions.FromConnectionToken(ctx, raw)
	}
	who, err := h.actions.FromSession(ctx, httpx.SessionCookie(r))
	if err != nil || who.Kind != actions.Anonymous {
		return who, err
	}
	return actions.AnonymousActor(), nil
}
