package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Options is one `chat bench` run.
type Options struct {
	URLs    []string      // ws:// URLs the clients connect to
	Conns   int           // clients
	Trigger string        // GET /benchmark URL
	N       int           // sequential fan-out triggers
	Timeout time.Duration // per broadcast
	PID     int           // the server's process id, to report its CPU and memory; 0 for none
	Log     io.Writer     // progress lines; nil for none
}

// Report is what a run measured.
type Report struct {
	Clients       int     `json:"clients"`
	ConnectFailed int     `json:"connect_failed"`
	ConnectSecs   float64 `json:"connect_seconds"`
	Fanout        Summary `json:"fanout"`
	Incomplete    int     `json:"fanout_incomplete"`
	Dropped       int     `json:"clients_dropped"`

	// With Options.PID: the server's resident memory growth per client
	// connected, and its CPU time during the fan-out run.
	ServerKBPerConn     float64 `json:"server_kb_per_conn,omitempty"`
	ServerRSSMB         float64 `json:"server_rss_mb,omitempty"`
	FanoutCPUSecs       float64 `json:"fanout_cpu_seconds,omitempty"`
	CPUPerBroadcastMs   float64 `json:"cpu_ms_per_broadcast,omitempty"`
	CPUSecsPerMDelivery float64 `json:"cpu_seconds_per_million_deliveries,omitempty"`
}

// Run connects the clients, measures fan-out and disconnects.
func Run(ctx context.Context, o Options) (Report, error) {
	progress := func(done, total int) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "\rconnecting %d/%d", done, total)
		}
	}
	var before procSample
	if o.PID > 0 {
		var err error
		if before, err = sampleProc(o.PID); err != nil {
			return Report{}, fmt.Errorf("-pid: %w", err)
		}
	}
	f, err := Connect(ctx, ConnectOptions{URLs: o.URLs, Conns: o.Conns, Progress: progress})
	if o.Log != nil {
		fmt.Fprintln(o.Log)
	}
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	rep := Report{Clients: f.Connected(), ConnectFailed: f.Failed(), ConnectSecs: f.ConnectTime().Seconds()}
	// Let the server finish registering the last clients (a dial returns
	// when the handshake is answered, a moment before that) and settle.
	time.Sleep(time.Second)
	var connected procSample
	if o.PID > 0 {
		if connected, err = sampleProc(o.PID); err == nil && rep.Clients > 0 {
			rep.ServerKBPerConn = float64(connected.rss-before.rss) / 1024 / float64(rep.Clients)
			rep.ServerRSSMB = float64(connected.rss) / (1 << 20)
		}
	}
	if o.N > 0 {
		fr, err := Fanout(ctx, f, FanoutOptions{Trigger: o.Trigger, N: o.N, Timeout: o.Timeout})
		if err != nil {
			return rep, err
		}
		rep.Fanout, rep.Incomplete = Summarize(fr.Latencies), fr.Incomplete
		if o.PID > 0 {
			if after, err := sampleProc(o.PID); err == nil {
				cpu := (after.cpu - connected.cpu).Seconds()
				rep.FanoutCPUSecs = cpu
				rep.CPUPerBroadcastMs = cpu * 1000 / float64(o.N)
				rep.CPUSecsPerMDelivery = cpu / (float64(o.N) * float64(rep.Clients)) * 1e6
			}
		}
	}
	rep.Dropped = int(f.dropped.Load())
	return rep, nil
}

// WriteText prints the report as a small table.
func (r Report) WriteText(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }
	rate := 0.0
	if r.ConnectSecs > 0 {
		rate = float64(r.Clients) / r.ConnectSecs
	}
	fmt.Fprintf(w, "clients     %d connected, %d failed, in %.1f s (%.0f/s)\n", r.Clients, r.ConnectFailed, r.ConnectSecs, rate)
	if r.Fanout.N > 0 || r.Incomplete > 0 {
		fmt.Fprintf(w, "fan-out     %d broadcasts: p50 %s  p90 %s  p99 %s  max %s\n", r.Fanout.N, ms(r.Fanout.P50), ms(r.Fanout.P90), ms(r.Fanout.P99), ms(r.Fanout.Max))
		fmt.Fprintf(w, "incomplete  %d broadcasts did not reach every client\n", r.Incomplete)
	}
	fmt.Fprintf(w, "dropped     %d clients disconnected during the run\n", r.Dropped)
	if r.ServerRSSMB > 0 {
		fmt.Fprintf(w, "server      %.0f MB resident, %.1f KB per client; fan-out CPU %.2f s: %.2f ms per broadcast, %.2f s per million deliveries\n",
			r.ServerRSSMB, r.ServerKBPerConn, r.FanoutCPUSecs, r.CPUPerBroadcastMs, r.CPUSecsPerMDelivery)
	}
}

// WriteJSON prints the report as one JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// SplitURLs splits a comma-separated list.
func SplitURLs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}
