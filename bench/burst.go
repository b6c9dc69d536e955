package bench

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// BurstOptions is `hey -n N -c C` against GET /benchmark: N triggers with C
// in flight, while the clients count what reaches them.
type BurstOptions struct {
	Trigger     string
	N           int
	Concurrency int
	Timeout     time.Duration // wait for the last deliveries after the last trigger
}

// BurstResult says how fast the triggers went and the broadcasts arrived.
type BurstResult struct {
	Triggers         int
	TriggerLatencies []time.Duration // each GET, request to response
	Elapsed          time.Duration   // first trigger to last delivery
	Expected         int64           // deliveries: triggers x clients
	Delivered        int64
	Incomplete       int // broadcasts that did not reach every client (from the counts: at least this many)
}

// Burst fires the triggers and waits for the deliveries.
func Burst(ctx context.Context, g group, o BurstOptions) (BurstResult, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	live := int64(g.Live())
	a := g.Arm(o.N)
	for i := range o.N {
		a.Expect(i)
	}
	hc := &http.Client{Transport: httpTransport(o.Concurrency), Timeout: o.Timeout}
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range o.Concurrency {
		wg.Go(func() {
			for range jobs {
				t0 := time.Now()
				err := trigger(ctx, hc, o.Trigger)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	for range o.N {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return BurstResult{}, firstErr
	}
	// Every broadcast complete, or the timeout.
	deadline := time.Now().Add(o.Timeout)
	res := BurstResult{Triggers: o.N, TriggerLatencies: lat, Expected: int64(o.N) * live}
	var last time.Time
	for i := range o.N {
		at, ok, err := a.Wait(ctx, i, max(time.Until(deadline), time.Millisecond))
		if err != nil {
			return res, err
		}
		if !ok {
			res.Incomplete++
			continue
		}
		if at.After(last) {
			last = at
		}
	}
	res.Delivered = a.Delivered()
	if !last.IsZero() {
		res.Elapsed = last.Sub(start)
	}
	return res, nil
}
