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
	Delivered  int64 // receipts of these broadcasts the clients counted
}

// Fanout runs the sequential trigger measurement on g.
func Fanout(ctx context.Context, g group, o FanoutOptions) (FanoutResult, error) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	var res FanoutResult
	hc := &http.Client{Transport: httpTransport(1), Timeout: o.Timeout}
	a := g.Arm(o.N)
	for i := range o.N {
		a.Expect(i)
		start := time.Now()
		if err := trigger(ctx, hc, o.Trigger); err != nil {
			return res, err
		}
		at, ok, err := a.Wait(ctx, i, o.Timeout)
		if err != nil {
			return res, err
		}
		if ok {
			res.Latencies = append(res.Latencies, at.Sub(start))
		} else {
			res.Incomplete++
		}
	}
	res.Delivered = a.Delivered()
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
