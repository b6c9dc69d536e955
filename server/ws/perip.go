package ws

import (
	"sync"
)

// perIP counts open WebSockets per client address, for -max-conns-per-ip.
// It is off (nil) by default: a load test from a few loopback addresses, or
// users behind one NAT, would hit any small number.
type perIP struct {
	limit int
	mu    sync.Mutex
	open  map[string]int
}

func newPerIP(limit int) *perIP {
	if limit <= 0 {
		return nil
	}
	return &perIP{limit: limit, open: make(map[string]int)}
}

// take counts a new connection from the client address key ip (see
// httpx.Client.Key) and reports whether it is within the limit, with the
// key to release it by.
func (p *perIP) take(ip string) (string, bool) {
	if p == nil {
		return "", true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open[ip] >= p.limit {
		return "", false
	}
	p.open[ip]++
	return ip, true
}

// release uncounts a connection taken under key.
func (p *perIP) release(key string) {
	if p == nil || key == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open[key]--; p.open[key] <= 0 {
		delete(p.open, key)
	}
}
