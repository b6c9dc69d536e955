package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// FanoutOptions is the seed's measurement: n GET /benchmark triggers, one
// after the other, each timed from the request to the moment the last client
// has the broadcast.
type FanoutOptions struct {
	Trigger string        // URL of GET /benchmark
	N       int           // triggers
	Timeout time.Duration // wait for one broadcast to reach everyone; default 30 s
}

// FanoutResult holds one latency per trigger that reached every client, and
// the count of those that did not within the timeout.
type FanoutResult struct {
	Latencies  []time.Duration
	Incomplete int
}

// Fanout runs the sequential trigger measurement on f.
func Fanout(ctx context.Context, f *Fleet, o FanoutOptions) (FanoutResult, error) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	var res FanoutResult
	hc := &http.Client{Timeout: o.Timeout}
	p := f.arm(o.N)
	for i := range o.N {
		m := f.expect(p, i)
		start := time.Now()
		if err := trigger(ctx, hc, o.Trigger); err != nil {
			return res, err
		}
		select {
		case <-m.done:
			res.Latencies = append(res.Latencies, time.Duration(m.at.Load()-start.UnixNano()))
		case <-time.After(o.Timeout):
			res.Incomplete++
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	return res, nil
}

// trigger fires one GET and drains the response, keeping the connection for
// the next.
func trigger(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("trigger: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("trigger %s: %s", url, res.Status)
	}
	return nil
}
