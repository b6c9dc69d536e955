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
}

// Run connects the clients, measures fan-out and disconnects.
func Run(ctx context.Context, o Options) (Report, error) {
	progress := func(done, total int) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "\rconnecting %d/%d", done, total)
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
	if o.N > 0 {
		// Let the server finish registering the last clients (a dial returns
		// when the handshake is answered, a moment before that).
		time.Sleep(200 * time.Millisecond)
		fr, err := Fanout(ctx, f, FanoutOptions{Trigger: o.Trigger, N: o.N, Timeout: o.Timeout})
		if err != nil {
			return rep, err
		}
		rep.Fanout, rep.Incomplete = Summarize(fr.Latencies), fr.Incomplete
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
