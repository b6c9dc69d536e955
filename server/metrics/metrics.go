// Package metrics holds a node's figures: Prometheus's series (/metrics)
// and the live dashboard's one point a second (/stats.json).
package metrics

import (
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"chat/internal/procstat"
	"chat/server/hub"
)

// statsWindow is how much the live dashboard (/stats) shows: one point a
// second for ten minutes.
const statsWindow = 600

// Metrics holds the server's figures for Prometheus (/metrics) and for the
// dashboard's time series (/stats.json). Hub counters are read when scraped;
// the fan-out latency comes from the hub's tracker.
type Metrics struct {
	reg        *prometheus.Registry
	fanout     prometheus.Histogram
	MessagesIn atomic.Uint64 // messages stored through this node
	Deletes    atomic.Uint64 // messages deleted through this node
	Uploads    atomic.Uint64 // files taken in by this node
	Pushes     atomic.Uint64 // Web Pushes a push service took from this node
	PushFails  atomic.Uint64 // Web Pushes that failed (the service said no, or was not reached)
	HookCalls  atomic.Uint64 // webhook calls answered 2xx
	HookFails  atomic.Uint64 // webhook calls that failed (each attempt)
	EventsIn   atomic.Uint64 // client events read
	ControlIn  atomic.Uint64 // pings and pongs read
	Busy       atomic.Uint64 // messages refused because the fan-out was behind
	Broadcasts atomic.Uint64 // GET /benchmark broadcasts fanned out by this node
	hub        func() hub.Stats
	windowMu   sync.Mutex
	window     []time.Duration // fan-out latencies of the current second
	pointsMu   sync.Mutex
	points     []Point // oldest first, at most statsWindow
	prev       sample
	stop, done chan struct{}
}

// Point is one second of the dashboard's series.
type Point struct {
	T           int64   `json:"t"`          // unix seconds
	Conns       int64   `json:"conns"`      // connected clients
	InPerSec    float64 `json:"in"`         // messages stored per second
	OutPerSec   float64 `json:"out"`        // events delivered to clients per second
	FanoutP50ms float64 `json:"fanout_p50"` // fan-out latency this second, ms (0: none measured)
	FanoutP99ms float64 `json:"fanout_p99"` //
	CPU         float64 `json:"cpu"`        // cores busy (1.0 = one core)
	RSSMB       float64 `json:"rss_mb"`     // resident memory
	Goroutines  int     `json:"goroutines"` //
}

type sample struct {
	at        time.Time
	in, out   uint64
	cpu       time.Duration
	haveProcs bool
}

// New makes the figures of a node whose hub says hubStats; Run records the
// dashboard's points until Close.
func New(hubStats func() hub.Stats) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), hub: hubStats, stop: make(chan struct{}), done: make(chan struct{})}
	m.fanout = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "chat_fanout_seconds",
		Help:    "Time from an event entering the hub to the last recipient's write returning (sampled: one fan-out followed at a time).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms .. 16 s
	})
	hubCounter := func(name, help string, v func(hub.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v(m.hub())) })
	}
	hubGauge := func(name, help string, v func(hub.Stats) int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return float64(v(m.hub())) })
	}
	ownCounter := func(name, help string, v *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v.Load()) })
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.fanout,
		hubGauge("chat_connections", "WebSocket clients connected to this node.", func(s hub.Stats) int64 { return s.Clients }),
		hubGauge("chat_rooms", "Rooms with at least one member on this node.", func(s hub.Stats) int64 { return s.Rooms }),
		hubGauge("chat_stalled_clients", "Clients whose socket is full now, a write waiting for room (a stalled write is closed after the write timeout).", func(s hub.Stats) int64 { return s.Stalled }),
		hubCounter("chat_socket_full_total", "Writes that found a client's socket full and left the rest of the frame to its writer goroutine.", func(s hub.Stats) uint64 { return s.SocketFull }),
		hubCounter("chat_connects_total", "WebSocket clients accepted.", func(s hub.Stats) uint64 { return s.Connects }),
		hubCounter("chat_fanouts_total", "Events fanned out (one per room message, presence event or broadcast).", func(s hub.Stats) uint64 { return s.Published }),
		hubCounter("chat_deliveries_total", "Events queued to clients (a fan-out to N clients counts N).", func(s hub.Stats) uint64 { return s.Delivered }),
		hubCounter("chat_frames_out_total", "WebSocket frames written; one frame may carry several events.", func(s hub.Stats) uint64 { return s.FramesOut }),
		hubCounter("chat_bytes_out_total", "Payload bytes written to clients.", func(s hub.Stats) uint64 { return s.BytesOut }),
		hubCounter("chat_slow_consumers_total", "Clients closed because their outgoing queue overflowed.", func(s hub.Stats) uint64 { return s.SlowConsumers }),
		hubCounter("chat_write_timeouts_total", "Clients closed because a write stalled.", func(s hub.Stats) uint64 { return s.WriteTimeouts }),
		hubCounter("chat_ping_timeouts_total", "Clients closed because they did not answer a ping.", func(s hub.Stats) uint64 { return s.PingTimeouts }),
		ownCounter("chat_messages_in_total", "Chat messages stored through this node.", &m.MessagesIn),
		ownCounter("chat_messages_deleted_total", "Messages deleted (by their authors, room owners or admins) through this node.", &m.Deletes),
		ownCounter("chat_files_uploaded_total", "Files uploaded through this node.", &m.Uploads),
		ownCounter("chat_pushes_total", "Web Pushes a push service accepted from this node.", &m.Pushes),
		ownCounter("chat_push_failures_total", "Web Pushes from this node that failed.", &m.PushFails),
		ownCounter("chat_webhook_calls_total", "Webhook calls from this node answered 2xx.", &m.HookCalls),
		ownCounter("chat_webhook_failures_total", "Webhook call attempts from this node that failed.", &m.HookFails),
		ownCounter("chat_events_in_total", "Client events read by this node.", &m.EventsIn),
		ownCounter("chat_busy_refusals_total", "Messages refused with a busy error because this node's fan-out of stored messages was behind.", &m.Busy),
		ownCounter("chat_control_frames_in_total", "Pings and pongs read from clients (they count against the event rate).", &m.ControlIn),
		ownCounter("chat_broadcasts_total", "GET /benchmark broadcasts fanned out by this node.", &m.Broadcasts),
	)
	return m
}

// CountBroadcastsDropped adds the broker's count of broadcasts dropped
// while too many waited for the fan-out.
func (m *Metrics) CountBroadcastsDropped(dropped func() uint64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "chat_broadcasts_dropped_total",
		Help: "GET /benchmark broadcasts this node dropped because too many were waiting for its fan-out.",
	}, func() float64 { return float64(dropped()) }))
}

// CountRedelivered adds how many stored messages the live feed brought
// again and the node dropped (see deliveries.add).
func (m *Metrics) CountRedelivered(again func() uint64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "chat_live_redelivered_total",
		Help: "Stored messages NATS delivered to this node a second time (after a stream leader change), dropped instead of sent twice.",
	}, func() float64 { return float64(again()) }))
}

// ObserveFanout is the hub's FanoutObserver.
func (m *Metrics) ObserveFanout(d time.Duration) {
	m.fanout.Observe(d.Seconds())
	m.windowMu.Lock()
	m.window = append(m.window, d)
	m.windowMu.Unlock()
}

// Run records one dashboard point a second until stopped.
func (m *Metrics) Run() {
	defer close(m.done)
	m.prev = m.read()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tick.C:
			m.record()
		}
	}
}

func (m *Metrics) Close() {
	close(m.stop)
	<-m.done
}

func (m *Metrics) read() sample {
	s := sample{at: time.Now(), in: m.MessagesIn.Load(), out: m.hub().Delivered}
	if p, err := procstat.Read(os.Getpid()); err == nil {
		s.cpu, s.haveProcs = p.CPU, true
	}
	return s
}

func (m *Metrics) record() {
	cur := m.read()
	secs := cur.at.Sub(m.prev.at).Seconds()
	if secs <= 0 {
		return
	}
	t := cur.at.Unix()
	m.pointsMu.Lock()
	if n := len(m.points); n > 0 && t <= m.points[n-1].T {
		t = m.points[n-1].T + 1 // a tick just past a second boundary, then one just before the next
	}
	m.pointsMu.Unlock()
	p := Point{
		T:          t,
		Conns:      m.hub().Clients,
		InPerSec:   float64(cur.in-m.prev.in) / secs,
		OutPerSec:  float64(cur.out-m.prev.out) / secs,
		Goroutines: runtime.NumGoroutine(),
	}
	if cur.haveProcs && m.prev.haveProcs {
		p.CPU = (cur.cpu - m.prev.cpu).Seconds() / secs
	}
	if r, err := procstat.Read(os.Getpid()); err == nil {
		p.RSSMB = float64(r.RSS) / (1 << 20)
	}
	m.windowMu.Lock()
	w := m.window
	m.window = nil
	m.windowMu.Unlock()
	if len(w) > 0 {
		slices.Sort(w)
		p.FanoutP50ms = float64(w[len(w)/2]) / 1e6
		p.FanoutP99ms = float64(w[min(len(w)-1, len(w)*99/100)]) / 1e6
	}
	m.prev = cur
	m.pointsMu.Lock()
	m.points = append(m.points, p)
	if len(m.points) > statsWindow {
		m.points = slices.Delete(m.points, 0, len(m.points)-statsWindow)
	}
	m.pointsMu.Unlock()
}

// ServeMetrics is /metrics, for Prometheus.
func (m *Metrics) ServeMetrics() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ServeStats is /stats.json: the dashboard's points, all of them or those
// after ?since=<unix seconds>.
func (m *Metrics) ServeStats(w http.ResponseWriter, r *http.Request) {
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	m.pointsMu.Lock()
	i, _ := slices.BinarySearchFunc(m.points, since+1, func(p Point, t int64) int {
		return int(p.T - t)
	})
	out := slices.Clone(m.points[i:])
	m.pointsMu.Unlock()
	if out == nil {
		out = []Point{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}
