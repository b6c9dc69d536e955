package app

import (
	"math"
	"time"
)

// The server's limit on the events one connection sends (every event
// counts: hello, join, send, leave, history), until its welcome says what
// it is: the protocol's default.
const (
	serverRate  = 20 // events a second
	serverBurst = 40
)

// The share of the server's limit the app allows itself. The server counts
// events when it reads them, and the network can deliver a second's worth
// bunched together: what the app holds back of the burst absorbs that (at
// 80% of the rate, a delay of more than a second), and the lower rate lets
// the server's bucket refill faster than the app drains it.
const (
	paceRateShare  = 0.8
	paceBurstShare = 0.5
)

// pacer is a token bucket that keeps what the app sends within the
// server's limit (welcome's rate and burst), so that a paste of many lines
// or a burst of joins goes out at the pace the server takes rather than
// into rate_limited errors. One token is one event. The zero value allows
// nothing; reset fills it.
type pacer struct {
	rate   float64 // tokens a second
	burst  float64 // the most tokens held
	tokens float64
	at     time.Time // when tokens was brought up to date
}

// reset starts a connection: a full bucket, as the server's is.
func (p *pacer) reset(rate float64, burst int, now time.Time) {
	p.setLimit(rate, burst)
	p.tokens, p.at = p.burst, now
}

// limit takes the server's word on its limit, keeping what was spent.
func (p *pacer) limit(rate float64, burst int, now time.Time) {
	p.refill(now)
	spent := p.burst - p.tokens
	p.setLimit(rate, burst)
	p.tokens = max(p.burst-spent, 0)
}

func (p *pacer) setLimit(rate float64, burst int) {
	if rate <= 0 || burst <= 0 {
		rate, burst = serverRate, serverBurst
	}
	p.rate = rate * paceRateShare
	p.burst = max(math.Floor(float64(burst)*paceBurstShare), 1)
}

// take spends a token if there is one.
func (p *pacer) take(now time.Time) bool {
	p.refill(now)
	if p.tokens < 1 {
		return false
	}
	p.tokens--
	return true
}

// wait is how long until there is a token.
func (p *pacer) wait(now time.Time) time.Duration {
	p.refill(now)
	if p.tokens >= 1 || p.rate <= 0 {
		return 0
	}
	return time.Duration((1 - p.tokens) / p.rate * float64(time.Second))
}

// drain empties the bucket: the server refused an event for its rate, so
// its bucket is empty whatever this one thought, and the app waits for it
// to refill.
func (p *pacer) drain(now time.Time) {
	p.refill(now)
	p.tokens = 0
}

func (p *pacer) refill(now time.Time) {
	if now.After(p.at) {
		p.tokens = min(p.burst, p.tokens+now.Sub(p.at).Seconds()*p.rate)
		p.at = now
	}
}
