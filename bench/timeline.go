package bench

import (
	"time"

	"chat/internal/procstat"
)

// timelineEvery is the resolution of the "over time" series.
const timelineEvery = 100 * time.Millisecond

// Point is one step of the run's time series.
type Point struct {
	Ms           int64   `json:"ms"`                    // since the loads began
	DeliveriesPS float64 `json:"deliveries_per_second"` // broadcasts and messages received by the clients
	ServerCPU    float64 `json:"server_cpu,omitempty"`  // cores busy, with -pid
	ServerRSSMB  float64 `json:"server_rss_mb,omitempty"`
}

// timeline samples the fleet's receipts (and the server process) until
// stopped.
type timeline struct {
	fleet  *Fleet
	pid    int
	points []Point
	stop   chan struct{}
	done   chan struct{}
}

func startTimeline(f *Fleet, pid int) *timeline {
	tl := &timeline{fleet: f, pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go tl.run()
	return tl
}

func (tl *timeline) run() {
	defer close(tl.done)
	start := time.Now()
	prevAt, prevN := start, tl.fleet.received.Load()
	var prevCPU time.Duration
	if tl.pid > 0 {
		if s, err := procstat.Read(tl.pid); err == nil {
			prevCPU = s.CPU
		}
	}
	tick := time.NewTicker(timelineEvery)
	defer tick.Stop()
	for {
		select {
		case <-tl.stop:
			return
		case now := <-tick.C:
			n := tl.fleet.received.Load()
			secs := now.Sub(prevAt).Seconds()
			p := Point{Ms: now.Sub(start).Milliseconds(), DeliveriesPS: float64(n-prevN) / secs}
			if tl.pid > 0 {
				if s, err := procstat.Read(tl.pid); err == nil {
					p.ServerCPU = (s.CPU - prevCPU).Seconds() / secs
					p.ServerRSSMB = float64(s.RSS) / (1 << 20)
					prevCPU = s.CPU
				}
			}
			tl.points = append(tl.points, p)
			prevAt, prevN = now, n
		}
	}
}

func (tl *timeline) finish() []Point {
	close(tl.stop)
	<-tl.done
	return tl.points
}
