package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The dashboard's window: one point a second for ten minutes, as the server
// keeps them (server/metrics.go, statsWindow).
const (
	statsWindowSeconds = 600
	statsMaxPoints     = 600
	statsPollEvery     = time.Second
	// statsTimeout gives up on a request the server does not answer, so
	// that the page says so instead of waiting on it.
	statsTimeout = 10 * time.Second
)

// statPoint is one second of the server's figures, as /stats.json sends it.
// It mirrors server.Point, which app/ cannot import without pulling the
// server into app.wasm; the JSON tags are the contract.
type statPoint struct {
	T          int64   `json:"t"`          // unix seconds
	Conns      int64   `json:"conns"`      // clients connected
	In         float64 `json:"in"`         // messages stored per second
	Out        float64 `json:"out"`        // events delivered to clients per second
	FanoutP50  float64 `json:"fanout_p50"` // ms; 0: none measured that second
	FanoutP99  float64 `json:"fanout_p99"` // ms; 0: none measured that second
	CPU        float64 `json:"cpu"`        // cores busy (1.0 = one core)
	RSSMB      float64 `json:"rss_mb"`     // resident memory, MB
	Goroutines int     `json:"goroutines"` //
}

// mergePoints adds fresh points to held (both oldest first) and keeps the
// window: one point per second (a later point for a second replaces the
// earlier), none older than statsWindowSeconds before the newest, at most
// statsMaxPoints. It may reuse held's array.
func mergePoints(held, fresh []statPoint) []statPoint {
	for _, p := range fresh {
		// From the end: fresh points are newer than all held ones but for
		// a server that went back in time.
		i := len(held)
		for i > 0 && held[i-1].T > p.T {
			i--
		}
		switch {
		case i > 0 && held[i-1].T == p.T:
			held[i-1] = p
		case i == len(held):
			held = append(held, p)
		default:
			held = append(held[:i+1], held[i:]...)
			held[i] = p
		}
	}
	if len(held) == 0 {
		return held
	}
	oldest := held[len(held)-1].T - statsWindowSeconds // excluded
	drop := max(0, len(held)-statsMaxPoints)
	for held[drop].T <= oldest { // stops at the newest, which is kept
		drop++
	}
	if drop > 0 {
		held = append(held[:0], held[drop:]...)
	}
	return held
}

// statsPoller asks the server for the points it has not seen yet, every
// interval, until its context ends. It reports through two callbacks, which
// run on run's goroutine, one at a time: got with new points (or with none,
// after a failure, to say the server answers again), failed when a request
// fails. The page turns each into a ctx.Dispatch: the callbacks must not
// touch UI state themselves.
type statsPoller struct {
	url     string                                                // /stats.json, without a query
	get     func(ctx context.Context, url string) ([]byte, error) // the body of a 200 answer
	every   time.Duration                                         // from the end of one request to the next
	timeout time.Duration                                         // for one request
	got     func([]statPoint)
	failed  func(error)
	// refused is told, once, that the server will not show its figures
	// to this visitor (refused: they are its operator's); polling ends.
	refused func()
}

// run polls until ctx ends.
func (sp *statsPoller) run(ctx context.Context) {
	var since int64 // the newest point's time; 0 asks for the whole window
	failing := false
	wait := time.NewTimer(0)
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
		points, err := sp.fetch(ctx, since)
		if ctx.Err() != nil {
			return
		}
		switch {
		case refused(err):
			sp.refused()
			return
		case err != nil:
			failing = true
			sp.failed(err)
		case len(points) > 0 || failing:
			failing = false
			for _, p := range points {
				since = max(since, p.T)
			}
			sp.got(points)
		}
		wait.Reset(sp.every)
	}
}

// fetch returns the points newer than since (all of them for 0).
func (sp *statsPoller) fetch(ctx context.Context, since int64) ([]statPoint, error) {
	u := sp.url
	if since > 0 {
		u += "?since=" + strconv.FormatInt(since, 10)
	}
	// Not context.WithTimeout: its timer context adds 20 kB to app.wasm.
	req, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.AfterFunc(sp.timeout, cancel)
	defer timer.Stop()
	body, err := sp.get(req, u)
	if err != nil {
		if ctx.Err() == nil && req.Err() != nil {
			return nil, fmt.Errorf("stats: no answer in %s", sp.timeout)
		}
		return nil, err
	}
	var points []statPoint
	if err := json.Unmarshal(body, &points); err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	return points, nil
}
