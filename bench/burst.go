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
func Burst(ctx context.Context, f *Fleet, o BurstOptions) (BurstResult, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	p := f.arm(o.N)
	live := int64(f.Live())
	for i := range p.marks {
		p.marks[i].target.Store(live)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency}, Timeout: o.Timeout}
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
	// Every mark complete, or the timeout.
	timeout := time.NewTimer(o.Timeout)
	defer timeout.Stop()
	res := BurstResult{Triggers: o.N, TriggerLatencies: lat, Expected: int64(o.N) * live}
	var last int64
	timedOut := false
	for i := range p.marks {
		m := &p.marks[i]
		if !timedOut {
			select {
			case <-m.done:
			case <-timeout.C:
				timedOut = true
			case <-ctx.Done():
				return res, ctx.Err()
			}
		}
		select {
		case <-m.done:
			last = max(last, m.at.Load())
		default:
			res.Incomplete++
		}
	}
	for i := range p.marks {
		res.Delivered += p.marks[i].reached.Load()
	}
	if last > 0 {
		res.Elapsed = time.Duration(last - start.UnixNano())
	}
	return res, nil
}
