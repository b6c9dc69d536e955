package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// TargetsOptions is make bench's run of the stored-traffic targets: each
// load against a fresh `chat serve` process, all in one run, so that the
// figures can be set beside one another and the targets.
type TargetsOptions struct {
	Chat string    // the chat executable
	Dir  string    // data, logs and each load's JSON report go here
	Addr string    // where the servers listen; default 127.0.0.1:8190
	Log  io.Writer // progress; nil for none
}

// targetLoad is one load of the suite.
type targetLoad struct {
	name  string
	about string
	serve []string // extra `chat serve` flags
	o     Options
}

func targetLoads() []targetLoad {
	chat := func(senders int, rate float64) Options {
		return Options{Conns: 10000, Senders: senders, Rate: rate, Duration: 10 * time.Second}
	}
	oneMsg := chat(1, 1)
	oneMsg.N = 20 // /benchmark fan-out in the same run, for the ratio
	rooms := chat(1, 1)
	rooms.Rooms = 1000
	// A room of 1,000 at 1 msg/s, quiet and with everyone else typing.
	quiet := Options{Conns: 1000, Senders: 1, Rate: 1, Duration: 10 * time.Second}
	typing := quiet
	typing.Typers = 999
	return []targetLoad{
		{"one-room-1", "one room of 10,000 at 1 msg/s, and 20 GET /benchmark fan-outs", nil, oneMsg},
		{"one-room-100", "one room of 10,000 at 100 msg/s", nil, chat(10, 10)},
		{"one-room-400", "one room of 10,000 offered 400 msg/s", nil, chat(40, 10)},
		{"rooms-1000", "1,000 rooms of 10 at 1,000 msg/s in all", nil, rooms},
		{"joined-10000", "10,000 clients joining one room at once", nil, Options{Conns: 10000, Rooms: 1}},
		{"joined-19000", "19,000 clients joining one room at once", nil, Options{Conns: 19000, Rooms: 1}},
		{"sync-always-100", "one room of 10,000 at 100 msg/s with -sync-always", []string{"-sync-always"}, chat(10, 10)},
		{"quiet-1000", "one room of 1,000 at 1 msg/s", nil, quiet},
		{"typing-1000", "one room of 1,000 at 1 msg/s, the 999 others all typing (one event each every 3 s)", nil, typing},
	}
}

// TargetsReport is what the suite measured, by load name.
type TargetsReport map[string]Report

// Targets runs the suite.
func Targets(ctx context.Context, t TargetsOptions) (TargetsReport, error) {
	if t.Addr == "" {
		t.Addr = "127.0.0.1:8190"
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return nil, err
	}
	out := TargetsReport{}
	for _, l := range targetLoads() {
		if t.Log != nil {
			fmt.Fprintf(t.Log, "== %s: %s\n", l.name, l.about)
		}
		rep, err := runAgainstFreshServer(ctx, t, l)
		if err != nil {
			return out, fmt.Errorf("%s: %w", l.name, err)
		}
		out[l.name] = rep
		data, _ := json.MarshalIndent(rep, "", "  ")
		_ = os.WriteFile(filepath.Join(t.Dir, l.name+".json"), data, 0o644)
		if t.Log != nil {
			rep.WriteText(t.Log)
		}
	}
	return out, nil
}

// runAgainstFreshServer starts `chat serve` with its own data directory,
// runs one load against it and stops it.
func runAgainstFreshServer(ctx context.Context, t TargetsOptions, l targetLoad) (Report, error) {
	data := filepath.Join(t.Dir, l.name+"-data")
	_ = os.RemoveAll(data)
	logf, err := os.Create(filepath.Join(t.Dir, l.name+".server.log"))
	if err != nil {
		return Report{}, err
	}
	defer logf.Close()
	args := append([]string{"serve", "-addr", t.Addr, "-data", data, "-max-conns", "19500"}, l.serve...)
	cmd := exec.CommandContext(ctx, t.Chat, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return Report{}, err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = os.RemoveAll(data)
	}()
	base := "http://" + t.Addr
	if err := waitHealthy(ctx, base+"/healthz", 30*time.Second); err != nil {
		return Report{}, err
	}
	o := l.o
	o.URLs = []string{"ws://" + t.Addr + "/ws"}
	o.Trigger = base + "/benchmark"
	o.Metrics = base + "/metrics"
	o.PID = cmd.Process.Pid
	o.Timeout = 30 * time.Second
	return Run(ctx, o)
}

func waitHealthy(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	hc := http.Client{Timeout: time.Second}
	for {
		if res, err := hc.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy after %v", url, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WriteTable prints each target beside what this run measured.
func (r TargetsReport) WriteTable(w io.Writer) {
	fmt.Fprintln(w, "| load | target | measured | met |")
	fmt.Fprintln(w, "| --- | --- | --- | --- |")
	row := func(load, target, measured string, met bool) {
		mark := "yes"
		if !met {
			mark = "**no**"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", load, target, measured, mark)
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	if c := r["one-room-400"].Chat; c != nil {
		row("one room of 10,000, offered 400 msg/s: delivered to all", "≥ 250 msg/s",
			fmt.Sprintf("%.0f msg/s (p99 %.0f ms, %d refused, %d incomplete)", c.MessagesPerSec, ms(c.Latency.P99), c.Refused, c.Incomplete),
			c.MessagesPerSec >= 250 && c.Incomplete == 0)
	}
	oneRoomCPU := 0.0
	if rep := r["one-room-100"]; rep.Chat != nil {
		c := rep.Chat
		if rep.Server != nil {
			oneRoomCPU = rep.Server.CPUSecsPerMDeliv
		}
		row("same room at 100 msg/s: p99 send → last member", "≤ 250 ms, nothing incomplete",
			fmt.Sprintf("p50 %.0f ms, p99 %.0f ms, %d incomplete, %d refused", ms(c.Latency.P50), ms(c.Latency.P99), c.Incomplete, c.Refused),
			ms(c.Latency.P99) <= 250 && c.Incomplete == 0 && c.Refused == 0)
	}
	if rep := r["one-room-1"]; rep.Chat != nil && rep.Fanout != nil && rep.Fanout.Latency.P50 > 0 {
		ratio := float64(rep.Chat.Latency.P50) / float64(rep.Fanout.Latency.P50)
		row("same room at 1 msg/s: p50 against the /benchmark fan-out p50 of the same run", "≤ 1.2 ×",
			fmt.Sprintf("%.1f ms / %.1f ms = %.2f ×", ms(rep.Chat.Latency.P50), ms(rep.Fanout.Latency.P50), ratio), ratio <= 1.2)
	}
	if rep := r["rooms-1000"]; rep.Chat != nil {
		c := rep.Chat
		row("1,000 rooms of 10, 1,000 msg/s in all: p99", "≤ 50 ms",
			fmt.Sprintf("p50 %.1f ms, p99 %.1f ms, %d incomplete", ms(c.Latency.P50), ms(c.Latency.P99), c.Incomplete), ms(c.Latency.P99) <= 50 && c.Incomplete == 0)
		if rep.Server != nil && oneRoomCPU > 0 {
			row("… CPU per million deliveries", fmt.Sprintf("≤ the one room at 100 msg/s (%.2f s)", oneRoomCPU),
				fmt.Sprintf("%.2f s", rep.Server.CPUSecsPerMDeliv), rep.Server.CPUSecsPerMDeliv <= oneRoomCPU)
		}
	}
	for _, n := range []string{"10000", "19000"} {
		if s := r["joined-"+n].Server; s != nil {
			row("memory per idle connection at "+n+", silent / joined to a room", "≤ 6 KB (stretch 4)",
				fmt.Sprintf("%.1f KB / %.1f KB", s.KBPerConn, s.KBPerJoined), s.KBPerConn <= 6 && s.KBPerJoined <= 6)
		}
	}
	if s := r["joined-10000"].Server; s != nil && s.SettledHeapMB > 0 {
		row("10,000 clients joining one room at once: peak heap against the settled heap", "≤ 2 ×",
			fmt.Sprintf("%.0f MB / %.0f MB = %.2f × (peak resident %.0f MB)", s.JoinPeakHeapMB, s.SettledHeapMB, s.JoinPeakHeapMB/s.SettledHeapMB, s.PeakRSSMB),
			s.JoinPeakHeapMB <= 2*s.SettledHeapMB)
	}
	if a, b := r["quiet-1000"], r["typing-1000"]; a.Chat != nil && b.Chat != nil && a.Server != nil && b.Server != nil {
		fmt.Fprintf(w, "| a room of 1,000 all typing, at 1 msg/s (the storm's cost) | measured | p50 %.1f ms, p99 %.1f ms, %.2f CPU s during the load, against %.1f, %.1f ms and %.2f s with nobody typing | – |\n",
			ms(b.Chat.Latency.P50), ms(b.Chat.Latency.P99), b.Server.CPUSecs, ms(a.Chat.Latency.P50), ms(a.Chat.Latency.P99), a.Server.CPUSecs)
	}
	if a, b := r["one-room-100"], r["sync-always-100"]; a.Chat != nil && b.Chat != nil && a.Server != nil && b.Server != nil {
		fmt.Fprintf(w, "| -sync-always at 100 msg/s (its cost) | measured | p50 %.0f ms, p99 %.0f ms, %.2f CPU s per million deliveries, against %.0f, %.0f ms and %.2f s without | – |\n",
			ms(b.Chat.Latency.P50), ms(b.Chat.Latency.P99), b.Server.CPUSecsPerMDeliv, ms(a.Chat.Latency.P50), ms(a.Chat.Latency.P99), a.Server.CPUSecsPerMDeliv)
	}
}
