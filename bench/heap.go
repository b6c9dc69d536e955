package bench

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// heapMetric is the Go runtime's heap in use, as client_golang's Go
// collector exports it.
const heapMetric = "go_memstats_heap_inuse_bytes"

// heapInUse reads the heap in use from a Prometheus /metrics page.
func heapInUse(url string) (float64, error) {
	if url == "" {
		return 0, fmt.Errorf("no metrics URL")
	}
	hc := http.Client{Transport: httpTransport(1), Timeout: 2 * time.Second}
	res, err := hc.Get(url)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), heapMetric+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s", url, heapMetric)
}

// sampleHeap reads the heap in use every 20 ms until the returned function
// is called, which returns the most seen (0 without a URL).
func sampleHeap(url string) func() float64 {
	if url == "" {
		return func() float64 { return 0 }
	}
	stop := make(chan struct{})
	var mu sync.Mutex
	var peak float64
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, err := heapInUse(url); err == nil {
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() float64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
