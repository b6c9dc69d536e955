package actions

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"chat/internal/throttle"
)

// What one person may make, an hour, on one node: rooms (private ones and
// direct messages), invitations, members added, files uploaded. Each is a
// record that stays; past these a person is answered 429 with Retry-After.
const (
	RoomsPerHour   = 30
	InvitesPerHour = 50
	AddsPerHour    = 200
	UploadsPerHour = 200
	// DirectoryPerMinute is how often one client address may read the
	// public rooms' directory (served from a cache every few seconds).
	DirectoryPerMinute = 30
	// UploadsAtOnce is how many uploads one person may have being
	// received at once on a node.
	UploadsAtOnce = 3
)

// limits are the per-person and per-address throttles of the actions.
type limits struct {
	rooms, invites, adds, uploads *throttle.Throttle
	directory                     *throttle.Throttle // per client address
	// receiving bounds the bytes of upload bodies held at once (each is
	// read whole before it is checked), weighted by their length.
	receiving *semaphore.Weighted
	uploadsMu sync.Mutex
	inFlight  map[string]int
	bots      botRates
}

func newLimits(cfg Config) *limits {
	return &limits{
		rooms:     throttle.New(RoomsPerHour, time.Hour),
		invites:   throttle.New(InvitesPerHour, time.Hour),
		adds:      throttle.New(AddsPerHour, time.Hour),
		uploads:   throttle.New(UploadsPerHour, time.Hour),
		directory: throttle.New(DirectoryPerMinute, time.Minute),
		receiving: semaphore.NewWeighted(cfg.UploadBytes),
		inFlight:  make(map[string]int),
		bots:      botRates{rate: rate.Limit(cfg.BotRate), burst: cfg.BotBurst},
	}
}

// allow spends one of key's attempts with t, or refuses saying what was
// done too often.
func allow(t *throttle.Throttle, key, what string) error {
	if ok, wait := t.Allow(key, time.Now()); !ok {
		return throttled(wait, "too many %s: try again later", what)
	}
	return nil
}

// takeUpload counts one more upload being received from user, within
// UploadsAtOnce, and reserves n bytes of the node's receiving budget; the
// release gives both back.
func (l *limits) takeUpload(ctx context.Context, user string, n int64) (release func(), err error) {
	l.uploadsMu.Lock()
	if l.inFlight[user] >= UploadsAtOnce {
		l.uploadsMu.Unlock()
		return nil, throttled(2*time.Second, "at most %d uploads at once: wait for one to finish", UploadsAtOnce)
	}
	l.inFlight[user]++
	l.uploadsMu.Unlock()
	undo := func() {
		l.uploadsMu.Lock()
		if l.inFlight[user]--; l.inFlight[user] <= 0 {
			delete(l.inFlight, user)
		}
		l.uploadsMu.Unlock()
	}
	if !l.receiving.TryAcquire(n) {
		undo()
		e := fail(Unavailable, "busy", "too many uploads are being received right now: try again in a moment")
		e.RetryAfter = 2 * time.Second
		return nil, e
	}
	return func() { l.receiving.Release(n); undo() }, nil
}

// botRates are the bots' message rates on this node. Bots are few (an
// admin makes each), so one limiter each is kept.
type botRates struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	bots  map[string]*rate.Limiter
}

// allow spends one of the bot's messages, or says how long to wait.
func (b *botRates) allow(bot string) (bool, time.Duration) {
	b.mu.Lock()
	l := b.bots[bot]
	if l == nil {
		l = rate.NewLimiter(b.rate, b.burst)
		if b.bots == nil {
			b.bots = make(map[string]*rate.Limiter)
		}
		b.bots[bot] = l
	}
	b.mu.Unlock()
	res := l.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel() // refused: it does not spend the next token
		return false, d
	}
	return true, 0
}
