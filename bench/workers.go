package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A process may hold only so many sockets (its open-file limit: 20,000 on
// some machines), so a run with more clients than that starts worker
// processes, each holding a share: the coordinator fires the triggers and
// the workers report, for each broadcast, when their last client got it.
// They speak JSON lines over the worker's stdin and stdout.

// workerMsg is every message between coordinator and worker.
type workerMsg struct {
	Op        string  `json:"op"`                  // ready, arm, armed, done, report, quit
	N         int     `json:"n,omitempty"`         // arm: broadcasts
	I         int     `json:"i,omitempty"`         // done: which broadcast
	At        int64   `json:"at,omitempty"`        // done: unix nanos of the last receipt in this worker
	Connected int     `json:"connected,omitempty"` // ready
	Failed    int     `json:"failed,omitempty"`    // ready
	Secs      float64 `json:"secs,omitempty"`      // ready: connect time
	Live      int     `json:"live,omitempty"`      // ready, report
	Delivered int64   `json:"delivered,omitempty"` // report: receipts of the armed broadcasts
	Dropped   int     `json:"dropped,omitempty"`   // report
	Err       string  `json:"err,omitempty"`       // ready: the worker could not connect at all
	FailedWhy string  `json:"why,omitempty"`       // ready: why the first failed dial failed
}

// PerProcess is how many clients one bench process opens: its open-file
// limit less what it needs for itself.
func PerProcess() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur < 1024 {
		return 1000
	}
	return int(l.Cur) - 256
}

// WorkerCommand is the (hidden) command of this executable that runs a
// worker: `chat bench-worker -url ... -conns N -offset I`.
const WorkerCommand = "bench-worker"

// WorkerMain runs a worker process from its command line; it returns the
// exit code.
func WorkerMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(WorkerCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	urls := fs.String("url", "", "WebSocket URLs, comma separated")
	conns := fs.Int("conns", 0, "clients to open")
	offset := fs.Int("offset", 0, "the index of the first client among all")
	ca := fs.String("ca", "", "PEM file of the CA to trust for wss://")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *ca != "" {
		if err := TrustCA(*ca); err != nil {
			fmt.Fprintln(stderr, "chat bench worker:", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Worker(ctx, stdin, stdout, ConnectOptions{URLs: SplitURLs(*urls), Conns: *conns, FirstIndex: *offset}); err != nil {
		fmt.Fprintln(stderr, "chat bench worker:", err)
		return 1
	}
	return 0
}

// Worker is the worker side: it opens its share of the clients, says so,
// then answers the coordinator until told to quit or its input ends.
func Worker(ctx context.Context, in io.Reader, out io.Writer, o ConnectOptions) error {
	var mu sync.Mutex
	enc := json.NewEncoder(out)
	send := func(m workerMsg) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(m)
	}
	f, err := Connect(ctx, o)
	if err != nil {
		send(workerMsg{Op: "ready", Err: err.Error()})
		return err
	}
	defer f.Close()
	ready := workerMsg{Op: "ready", Connected: f.Connected(), Failed: f.Failed(), Secs: f.ConnectTime().Seconds(), Live: f.Live()}
	if f.firstErr != nil {
		ready.FailedWhy = f.firstErr.Error()
	}
	send(ready)
	dec := json.NewDecoder(bufio.NewReader(in))
	var cur armed
	for {
		var m workerMsg
		if err := dec.Decode(&m); err != nil {
			return nil // the coordinator is gone
		}
		switch m.Op {
		case "arm":
			// Every broadcast of the run is expected at every client
			// connected now: a worker cannot know the moment of each
			// trigger without a round trip.
			a := f.Arm(m.N)
			for i := range m.N {
				a.Expect(i)
			}
			cur = a
			// The coordinator fires no trigger before every worker says
			// so: a broadcast counted before its mark exists is lost.
			send(workerMsg{Op: "armed", N: m.N})
			go func() {
				for i := range m.N {
					at, ok, err := a.Wait(ctx, i, 24*time.Hour)
					if err != nil || !ok {
						return
					}
					send(workerMsg{Op: "done", I: i, At: at.UnixNano()})
				}
			}()
		case "report":
			r := workerMsg{Op: "report", Live: f.Live(), Dropped: int(f.dropped.Load())}
			if cur != nil {
				r.Delivered = cur.Delivered()
			}
			send(r)
		case "quit":
			return nil
		}
	}
}

// workerGroup is a group of worker processes.
type workerGroup struct {
	procs   []*workerProc
	reports chan workerMsg
	armed   chan workerMsg

	mu  sync.Mutex
	run *workerRun // the armed run whose dones are being collected
}

type workerProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	enc   *json.Encoder
	ready workerMsg
}

// workerRun collects the workers' dones of one armed run.
type workerRun struct {
	g         *workerGroup
	remaining []int   // workers yet to report each broadcast
	last      []int64 // latest report of each broadcast
	done      []chan struct{}
}

// startWorkers starts n worker processes of this executable that open conns
// clients between them, and waits until they are connected.
func startWorkers(ctx context.Context, o Options, n int, log io.Writer) (*workerGroup, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	g := &workerGroup{reports: make(chan workerMsg, n), armed: make(chan workerMsg, n)}
	share, offset := (o.Conns+n-1)/n, 0
	for w := range n {
		k := min(share, o.Conns-offset)
		args := []string{WorkerCommand, "-url", strings.Join(o.URLs, ","),
			"-conns", strconv.Itoa(k), "-offset", strconv.Itoa(offset)}
		if caFile != "" {
			args = append(args, "-ca", caFile)
		}
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			g.stop()
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			g.stop()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			g.stop()
			return nil, fmt.Errorf("worker %d: %w", w, err)
		}
		p := &workerProc{cmd: cmd, stdin: stdin, enc: json.NewEncoder(stdin)}
		g.procs = append(g.procs, p)
		ready := make(chan workerMsg, 1)
		go g.listen(p, stdout, ready)
		select {
		case m := <-ready:
			if m.Err != "" {
				g.stop()
				return nil, fmt.Errorf("worker %d: %s", w, m.Err)
			}
			p.ready = m
		case <-ctx.Done():
			g.stop()
			return nil, ctx.Err()
		}
		if log != nil {
			fmt.Fprintf(log, "\rconnecting %d/%d (%d worker processes)", offset+k, o.Conns, n)
		}
		offset += k
	}
	if log != nil {
		fmt.Fprintln(log)
	}
	return g, nil
}

// listen reads one worker's messages.
func (g *workerGroup) listen(p *workerProc, r io.Reader, ready chan<- workerMsg) {
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var m workerMsg
		if err := dec.Decode(&m); err != nil {
			return
		}
		switch m.Op {
		case "ready":
			ready <- m
		case "report":
			g.reports <- m
		case "armed":
			g.armed <- m
		case "done":
			g.mu.Lock()
			if run := g.run; run != nil && m.I < len(run.remaining) && run.remaining[m.I] > 0 {
				run.last[m.I] = max(run.last[m.I], m.At)
				if run.remaining[m.I]--; run.remaining[m.I] == 0 {
					close(run.done[m.I])
				}
			}
			g.mu.Unlock()
		}
	}
}

func (g *workerGroup) sendAll(m workerMsg) error {
	var errs []error
	for _, p := range g.procs {
		errs = append(errs, p.enc.Encode(m))
	}
	return errors.Join(errs...)
}

// report asks every worker for its counts and sums them.
func (g *workerGroup) report() (live, dropped int, delivered int64) {
	if g.sendAll(workerMsg{Op: "report"}) != nil {
		return 0, 0, 0
	}
	for range g.procs {
		select {
		case m := <-g.reports:
			live += m.Live
			dropped += m.Dropped
			delivered += m.Delivered
		case <-time.After(10 * time.Second):
			return live, dropped, delivered
		}
	}
	return live, dropped, delivered
}

// Live implements group.
func (g *workerGroup) Live() int {
	live, _, _ := g.report()
	return live
}

// Arm implements group.
func (g *workerGroup) Arm(n int) armed {
	run := &workerRun{g: g, remaining: make([]int, n), last: make([]int64, n), done: make([]chan struct{}, n)}
	for i := range n {
		run.remaining[i] = len(g.procs)
		run.done[i] = make(chan struct{})
	}
	g.mu.Lock()
	g.run = run
	g.mu.Unlock()
	if g.sendAll(workerMsg{Op: "arm", N: n}) == nil {
		for range g.procs {
			select {
			case <-g.armed:
			case <-time.After(30 * time.Second):
				return run // a worker that does not answer shows as incomplete broadcasts
			}
		}
	}
	return run
}

// Expect implements armed: the workers expected every broadcast at arm.
func (r *workerRun) Expect(int) {}

// Wait implements armed.
func (r *workerRun) Wait(ctx context.Context, i int, timeout time.Duration) (time.Time, bool, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-r.done[i]:
		r.g.mu.Lock()
		at := r.last[i]
		r.g.mu.Unlock()
		return time.Unix(0, at), true, nil
	case <-t.C:
		return time.Time{}, false, nil
	case <-ctx.Done():
		return time.Time{}, false, ctx.Err()
	}
}

// Delivered implements armed.
func (r *workerRun) Delivered() int64 {
	_, _, d := r.g.report()
	return d
}

func (g *workerGroup) connected() (clients, failed int, secs float64, why string) {
	for _, p := range g.procs {
		clients += p.ready.Connected
		failed += p.ready.Failed
		secs = max(secs, p.ready.Secs)
		if why == "" {
			why = p.ready.FailedWhy
		}
	}
	return clients, failed, secs, why
}

// stop ends the workers.
func (g *workerGroup) stop() {
	_ = g.sendAll(workerMsg{Op: "quit"})
	for _, p := range g.procs {
		_ = p.stdin.Close()
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
	}
}
