package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"chat/internal/procstat"
)

// Options is one `chat bench` run: connect, then any of the three loads.
type Options struct {
	URLs    []string      // ws:// URLs the clients connect to
	Conns   int           // clients
	Trigger string        // GET /benchmark URL
	Timeout time.Duration // per broadcast or message
	PID     int           // the server's process id, to report its CPU and memory; 0 for none
	Log     io.Writer     // progress lines; nil for none

	N int // fan-out: sequential triggers

	Burst       int // burst: triggers ...
	Concurrency int // ... with this many in flight

	// Rooms spreads the clients over this many chat rooms before the
	// loads (0: they stay in the lobby, as the seed's clients did).
	Rooms int
	// Metrics is the server's Prometheus /metrics URL (this chat server's
	// go_memstats): with Rooms, the heap in use is sampled while the joins
	// come in, against the heap once they have settled.
	Metrics string

	Senders  int           // chat load: senders in each room ...
	Rate     float64       // ... each sending this many messages a second ...
	Duration time.Duration // ... for this long
	Typers   int           // chat load: members of each room that type meanwhile (a typing event every 3 s)

	// PerProcess caps the clients of one process; beyond it, worker
	// processes hold them. Default PerProcess().
	PerProcess int
}

// Report is what a run measured. Durations are in nanoseconds in JSON.
type Report struct {
	Clients       int     `json:"clients"`
	ConnectFailed int     `json:"connect_failed"`
	ConnectSecs   float64 `json:"connect_seconds"`
	Dropped       int     `json:"clients_dropped"`
	Workers       int     `json:"worker_processes,omitempty"` // 0: the clients were in this process
	ConnectError  string  `json:"connect_error,omitempty"`    // why the first failed dial failed

	Fanout *FanoutReport `json:"fanout,omitempty"`
	Burst  *BurstReport  `json:"burst,omitempty"`
	Chat   *ChatReport   `json:"chat,omitempty"`
	Server *ServerReport `json:"server,omitempty"`
	// Timeline has a point every 100 ms from the start of the loads.
	Timeline []Point `json:"timeline,omitempty"`
}

// FanoutReport is the sequential trigger measurement.
type FanoutReport struct {
	Latency    Summary   `json:"latency"` // trigger to last client
	Incomplete int       `json:"incomplete"`
	Delivered  int64     `json:"deliveries"` // what the clients counted
	Samples    []float64 `json:"samples_ms"` // every trigger's latency, for the distribution
}

// BurstReport is the concurrent trigger measurement.
type BurstReport struct {
	Triggers       int     `json:"triggers"`
	Concurrency    int     `json:"concurrency"`
	TriggersPerSec float64 `json:"triggers_per_second"`
	DeliveriesPerS float64 `json:"deliveries_per_second"`
	Trigger        Summary `json:"trigger_latency"` // one GET, request to response
	Expected       int64   `json:"deliveries_expected"`
	Delivered      int64   `json:"deliveries"`
	Incomplete     int     `json:"incomplete"`
}

// ChatReport is the chat load.
type ChatReport struct {
	Rooms          int     `json:"rooms"`
	Senders        int     `json:"senders"` // per room
	Sent           int     `json:"sent"`
	Refused        int     `json:"refused"`             // not stored: the server said why (busy, rate_limited)
	OfferedPerSec  float64 `json:"offered_per_second"`  // messages sent per second
	MessagesPerSec float64 `json:"messages_per_second"` // messages that reached every other member, per second
	DeliveriesPerS float64 `json:"deliveries_per_second"`
	Latency        Summary `json:"latency"` // send to last member
	Incomplete     int     `json:"incomplete"`
	Delivered      int64   `json:"deliveries"` // msg events the clients other than the sender counted
}

// ServerReport is the server process's cost, with Options.PID.
type ServerReport struct {
	RSSMB     float64 `json:"rss_mb"`      // resident after connecting
	KBPerConn float64 `json:"kb_per_conn"` // resident growth per client connected
	// KBPerJoined is the same once the clients joined their rooms (with
	// Options.Rooms).
	KBPerJoined float64 `json:"kb_per_joined,omitempty"`
	// PeakRSSMB is the server's highest resident memory so far (VmHWM),
	// read once the joins have settled.
	PeakRSSMB float64 `json:"peak_rss_mb,omitempty"`
	// JoinPeakHeapMB and SettledHeapMB (with Options.Metrics): the most heap
	// in use seen while the clients joined their rooms, and the heap in
	// use once they had.
	JoinPeakHeapMB   float64 `json:"join_peak_heap_mb,omitempty"`
	SettledHeapMB    float64 `json:"settled_heap_mb,omitempty"`
	CPUSecs          float64 `json:"cpu_seconds"` // during the loads
	CPUSecsPerMDeliv float64 `json:"cpu_seconds_per_million_deliveries"`
}

// Run connects the clients (in worker processes when there are more than
// one process may hold), runs the loads that Options asks for, and
// disconnects.
func Run(ctx context.Context, o Options) (Report, error) {
	var before procstat.Sample
	if o.PID > 0 {
		var err error
		if before, err = procstat.Read(o.PID); err != nil {
			return Report{}, fmt.Errorf("-pid: %w", err)
		}
	}
	per := o.PerProcess
	if per <= 0 {
		per = PerProcess()
	}
	var (
		rep     Report
		g       group
		fleet   *Fleet // nil with worker processes
		dropped func() int
	)
	if o.Conns > per {
		if o.Senders > 0 || o.Rooms > 0 {
			return Report{}, fmt.Errorf("the chat load and rooms run in one process: at most %d clients here (-conns)", per)
		}
		workers := (o.Conns + per - 1) / per
		wg, err := startWorkers(ctx, o, workers, o.Log)
		if err != nil {
			return Report{}, err
		}
		defer wg.stop()
		rep.Clients, rep.ConnectFailed, rep.ConnectSecs, rep.ConnectError = wg.connected()
		rep.Workers = workers
		g, dropped = wg, func() int { _, d, _ := wg.report(); return d }
	} else {
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
		rep.Clients, rep.ConnectFailed, rep.ConnectSecs = f.Connected(), f.Failed(), f.ConnectTime().Seconds()
		if f.firstErr != nil {
			rep.ConnectError = f.firstErr.Error()
		}
		g, fleet, dropped = f, f, func() int { return int(f.dropped.Load()) }
	}
	// Let the server finish registering the last clients (a dial returns
	// when the handshake is answered, a moment before that), and let their
	// lobby membership settle (the server holds the lobby for a second).
	time.Sleep(1500 * time.Millisecond)
	var connected procstat.Sample
	if o.PID > 0 {
		var err error
		if connected, err = settledSample(ctx, o.PID); err == nil && rep.Clients > 0 {
			rep.Server = &ServerReport{
				RSSMB:     float64(connected.RSS) / (1 << 20),
				KBPerConn: float64(connected.RSS-before.RSS) / 1024 / float64(rep.Clients),
			}
		}
	}
	if fleet != nil && o.Rooms > 0 {
		peak := sampleHeap(o.Metrics)
		err := fleet.JoinRooms(ctx, o.Rooms, max(o.Timeout, 30*time.Second))
		peakHeap := peak()
		if err != nil {
			return rep, err
		}
		if rep.Server != nil {
			if joined, err := settledSample(ctx, o.PID); err == nil {
				rep.Server.KBPerJoined = float64(joined.RSS-before.RSS) / 1024 / float64(rep.Clients)
				rep.Server.PeakRSSMB = float64(joined.PeakRSS) / (1 << 20)
				connected = joined
			}
			if settled, err := heapInUse(o.Metrics); err == nil && peakHeap > 0 {
				rep.Server.JoinPeakHeapMB = peakHeap / (1 << 20)
				rep.Server.SettledHeapMB = settled / (1 << 20)
			}
		}
	}
	var tl *timeline
	if fleet != nil {
		tl = startTimeline(fleet, o.PID)
	}
	deliveries, err := runLoads(ctx, o, g, fleet, &rep)
	if tl != nil {
		rep.Timeline = tl.finish()
	}
	if err != nil {
		return rep, err
	}
	if rep.Server != nil {
		if after, err := procstat.Read(o.PID); err == nil {
			rep.Server.CPUSecs = (after.CPU - connected.CPU).Seconds()
			if deliveries > 0 {
				rep.Server.CPUSecsPerMDeliv = rep.Server.CPUSecs / deliveries * 1e6
			}
		}
	}
	rep.Dropped = dropped()
	return rep, nil
}

// settledSample reads the server once its resident memory has settled
// (four readings half a second apart within 1% of one another, or 30 s):
// memory per idle connection is what an idle server keeps, not the garbage
// of the connections' arrival that its runtime has yet to return.
func settledSample(ctx context.Context, pid int) (procstat.Sample, error) {
	var last []int64
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := procstat.Read(pid)
		if err != nil {
			return s, err
		}
		last = append(last, s.RSS)
		if n := len(last); n >= 4 {
			lo, hi := slices.Min(last[n-4:]), slices.Max(last[n-4:])
			if float64(hi-lo) <= 0.01*float64(hi) || time.Now().After(deadline) {
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// runLoads runs fan-out, burst and chat load as asked, and returns how many
// deliveries they made.
func runLoads(ctx context.Context, o Options, g group, fleet *Fleet, rep *Report) (float64, error) {
	var deliveries float64
	if o.N > 0 {
		fr, err := Fanout(ctx, g, FanoutOptions{Trigger: o.Trigger, N: o.N, Timeout: o.Timeout})
		if err != nil {
			return deliveries, err
		}
		rep.Fanout = &FanoutReport{Latency: Summarize(fr.Latencies), Incomplete: fr.Incomplete, Delivered: fr.Delivered}
		for _, d := range fr.Latencies {
			rep.Fanout.Samples = append(rep.Fanout.Samples, float64(d)/1e6)
		}
		deliveries += float64(fr.Delivered)
	}
	if o.Burst > 0 {
		br, err := Burst(ctx, g, BurstOptions{Trigger: o.Trigger, N: o.Burst, Concurrency: o.Concurrency, Timeout: o.Timeout})
		if err != nil {
			return deliveries, err
		}
		r := &BurstReport{Triggers: br.Triggers, Concurrency: o.Concurrency, Trigger: Summarize(br.TriggerLatencies),
			Expected: br.Expected, Delivered: br.Delivered, Incomplete: br.Incomplete}
		if s := br.Elapsed.Seconds(); s > 0 {
			r.TriggersPerSec = float64(br.Triggers) / s
			r.DeliveriesPerS = float64(br.Delivered) / s
		}
		rep.Burst = r
		deliveries += float64(br.Delivered)
	}
	if o.Senders > 0 {
		cr, err := Chat(ctx, fleet, ChatOptions{Senders: o.Senders, Rate: o.Rate, Duration: o.Duration, Timeout: o.Timeout, Typers: o.Typers})
		if err != nil {
			return deliveries, err
		}
		r := &ChatReport{Rooms: max(o.Rooms, 1), Senders: o.Senders, Sent: cr.Sent, Refused: cr.Refused,
			Latency: Summarize(cr.Latencies), Incomplete: cr.Incomplete, Delivered: cr.Delivered}
		r.OfferedPerSec = float64(cr.Sent) / o.Duration.Seconds()
		if s := cr.Elapsed.Seconds(); s > 0 {
			r.MessagesPerSec = float64(len(cr.Latencies)) / s
			r.DeliveriesPerS = float64(cr.Delivered) / s
		}
		rep.Chat = r
		deliveries += float64(cr.Delivered)
	}
	return deliveries, nil
}

// Failed reports whether the run saw a broadcast or message that did not
// reach everyone, or a client that dropped.
func (r Report) Failed() bool {
	return r.Dropped > 0 || (r.Fanout != nil && r.Fanout.Incomplete > 0) ||
		(r.Burst != nil && r.Burst.Incomplete > 0) || (r.Chat != nil && r.Chat.Incomplete > 0)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

func (s Summary) String() string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s", ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
}

// WriteText prints the report as a small table.
func (r Report) WriteText(w io.Writer) {
	rate := 0.0
	if r.ConnectSecs > 0 {
		rate = float64(r.Clients) / r.ConnectSecs
	}
	fmt.Fprintf(w, "clients     %d connected, %d failed, in %.1f s (%.0f/s); %d dropped during the run", r.Clients, r.ConnectFailed, r.ConnectSecs, rate, r.Dropped)
	if r.Workers > 0 {
		fmt.Fprintf(w, "; in %d worker processes", r.Workers)
	}
	fmt.Fprintln(w)
	if r.ConnectError != "" {
		fmt.Fprintf(w, "            first failure: %s\n", r.ConnectError)
	}
	if f := r.Fanout; f != nil {
		fmt.Fprintf(w, "fan-out     %d sequential broadcasts, trigger to last client: %s; %d deliveries counted; %d incomplete\n", f.Latency.N, f.Latency, f.Delivered, f.Incomplete)
	}
	if b := r.Burst; b != nil {
		fmt.Fprintf(w, "burst       %d triggers, %d in flight: %.0f triggers/s, %.0f deliveries/s (%d of %d); trigger %s; %d incomplete\n",
			b.Triggers, b.Concurrency, b.TriggersPerSec, b.DeliveriesPerS, b.Delivered, b.Expected, b.Trigger, b.Incomplete)
	}
	if c := r.Chat; c != nil {
		fmt.Fprintf(w, "chat        %d rooms, %d senders each, %d messages (%.0f/s offered): %.0f msg/s to every member, %.0f deliveries/s (%d counted); send to last member %s; %d incomplete, %d refused\n",
			c.Rooms, c.Senders, c.Sent, c.OfferedPerSec, c.MessagesPerSec, c.DeliveriesPerS, c.Delivered, c.Latency, c.Incomplete, c.Refused)
	}
	if s := r.Server; s != nil {
		joined := ""
		if s.KBPerJoined > 0 {
			joined = fmt.Sprintf(" (%.1f once in their rooms; peak %.0f MB resident", s.KBPerJoined, s.PeakRSSMB)
			if s.JoinPeakHeapMB > 0 {
				joined += fmt.Sprintf(", heap %.0f MB while joining, %.0f MB after", s.JoinPeakHeapMB, s.SettledHeapMB)
			}
			joined += ")"
		}
		fmt.Fprintf(w, "server      %.0f MB resident, %.1f KB per client%s; %.2f CPU s during the loads, %.2f per million deliveries\n",
			s.RSSMB, s.KBPerConn, joined, s.CPUSecs, s.CPUSecsPerMDeliv)
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
