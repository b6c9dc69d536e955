package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"chat/server/httpx"
	"chat/wire"
)

// Handler returns the server's routes:
//
//	/ws          WebSocket endpoint (the chat protocol)
//	/benchmark   GET: broadcast "test message" to every client (the seed's endpoint)
//	/healthz     200 when a round trip through NATS and JetStream works, else 503
//	/metrics     Prometheus
//	/stats.json  the live dashboard's series: one point a second, ten minutes
//	/web/        the built UI's files (embedded, or -web); app.wasm precompressed
//	/            the UI (go-app: pages, manifest, service worker)
//
// Every response carries the security headers (httpx.SecurityHeaders).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveWS)
	if s.cfg.Benchmark != BenchmarkOff {
		mux.HandleFunc("/benchmark", s.serveBenchmark)
	}
	mux.HandleFunc("/healthz", s.serveHealth)
	s.apiRoutes(mux)
	mux.Handle("/metrics", s.metrics.ServeMetrics())
	mux.HandleFunc("/stats.json", s.metrics.ServeStats)
	mux.Handle("/web/", s.assets)
	if s.cfg.UI != nil {
		mux.Handle("/wasm_exec.js", s.assets.WasmExec())
		mux.Handle("/", s.cfg.UI(s.assets.Version(s.cfg.Version)))
	}
	proxies := &httpx.Proxies{Trusted: s.cfg.TrustedProxies, Header: s.cfg.ProxyHeader}
	return proxies.Handler(httpx.SecurityHeaders(mux))
}

// serveBenchmark broadcasts the benchmark event to every client of every
// node, as the seed's endpoint did: a transient event, not stored. One
// request costs a delivery to every client, so by default only a local
// load test may make it (Config.Benchmark).
func (s *Server) serveBenchmark(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.Benchmark == BenchmarkLocal && !httpx.ClientOf(r).Local() {
		http.Error(w, "GET /benchmark is served to loopback clients only; start the server with -benchmark all to open it", http.StatusForbidden)
		return
	}
	if err := s.broker.Broadcast(r.Context(), wire.BenchmarkText); err != nil {
		http.Error(w, "broadcast failed: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

type health struct {
	Status  string  `json:"status"`
	Error   string  `json:"error,omitempty"`
	Version string  `json:"version"`
	Node    string  `json:"node"`
	Clients int64   `json:"clients"`
	NATSms  float64 `json:"nats_ms"`
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := s.broker.Healthy(ctx)
	h := health{
		Status:  "ok",
		Version: s.cfg.Version,
		Node:    s.broker.NodeID(),
		Clients: s.hub.Stats().Clients,
		NATSms:  float64(time.Since(start).Microseconds()) / 1000,
	}
	code := http.StatusOK
	if err != nil {
		h.Status, h.Error, code = "unavailable", err.Error(), http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(h)
}
