package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"chat/server/httpx"
)

// Handler returns the node's routes:
//
//	/ws          the WebSocket endpoint (server/ws)
//	/api/..., /files/..., /benchmark, /metrics, /stats.json
//	             the API (server/api; the operator's two elsewhere with -metrics-addr)
//	/healthz     200 when a round trip through NATS and JetStream works, else 503
//	/web/        the built UI's files (embedded, or -web); app.wasm precompressed
//	/            the UI (go-app: pages, manifest, service worker)
//
// Every request is first given its client (httpx.Proxies: the address
// and scheme a trusted proxy vouches for), and every response the security
// headers.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, rt.handler)
	}
	proxies := &httpx.Proxies{Trusted: s.cfg.TrustedProxies, Header: s.cfg.ProxyHeader}
	return proxies.Handler(httpx.SecurityHeaders(mux))
}

// route is one pattern the node serves.
type route struct {
	pattern string
	handler http.Handler
}

// routes are the node's own routes and the transports'.
func (s *Server) routes() []route {
	rs := []route{
		{"/ws", s.ws},
		{"/healthz", http.HandlerFunc(s.serveHealth)},
		{"/web/", s.assets},
	}
	for _, rt := range s.api.Routes() {
		rs = append(rs, route{rt.Method + " " + rt.Pattern, s.api.Handler(rt)})
	}
	if s.cfg.UI != nil {
		rs = append(rs, route{"/wasm_exec.js", s.assets.WasmExec()}, route{"/", s.cfg.UI(s.assets.Version(s.cfg.Version))})
	}
	return rs
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
