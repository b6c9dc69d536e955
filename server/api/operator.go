package api

import (
	"net/http"

	"chat/server/actions"
	"chat/server/httpx"
)

// benchmark broadcasts the benchmark text to every client of every node,
// as the article's GET /benchmark did.
func (h *Handler) benchmark(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.Benchmark(r.Context(), who, httpx.ClientOf(r).Local()); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// serveMetrics is /metrics, for Prometheus: the operator's.
func (h *Handler) serveMetrics(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.Operator(r.Context(), who, httpx.ClientOf(r).Local()); err != nil {
		fail(w, err)
		return
	}
	h.metrics.ServeMetrics().ServeHTTP(w, r)
}

// serveStats is /stats.json, the live dashboard's series: the operator's.
func (h *Handler) serveStats(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.Operator(r.Context(), who, httpx.ClientOf(r).Local()); err != nil {
		fail(w, err)
		return
	}
	h.metrics.ServeStats(w, r)
}
