package bench

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// ChatOptions is the chat load: Senders of the clients each send Rate
// messages a second into the lobby for Duration; every client is in the
// lobby, so each message is timed from its send until the last client has
// it.
type ChatOptions struct {
	Senders  int
	Rate     float64       // messages per second, per sender
	Duration time.Duration // how long the senders send
	Timeout  time.Duration // wait for the last deliveries after the senders stop
}

// ChatResult holds the send-to-everyone latencies of the messages that
// reached every client, and how many did not.
type ChatResult struct {
	Sent       int
	Latencies  []time.Duration
	Incomplete int
	Elapsed    time.Duration // from the first send to the last delivery
}

// chatMark follows one message of the chat load.
type chatMark struct {
	sent    atomic.Int64 // unix nanos; 0 until sent
	target  atomic.Int64
	reached atomic.Int64
	at      atomic.Int64
}

// loadIDPrefix starts the client id of every chat-load message, followed by
// its index: a reader finds its mark without a map or a lock.
const loadIDPrefix = "L"

var loadIDField = []byte(`"id":"` + loadIDPrefix)

// countLoadMessages calls fn with the index of every chat-load message in a
// frame (NDJSON: several events may share it).
func countLoadMessages(msg []byte, fn func(int)) {
	for {
		i := bytes.Index(msg, loadIDField)
		if i < 0 {
			return
		}
		msg = msg[i+len(loadIDField):]
		j := bytes.IndexByte(msg, '"')
		if j < 0 {
			return
		}
		if n, err := strconv.Atoi(string(msg[:j])); err == nil {
			fn(n)
		}
		msg = msg[j:]
	}
}

// Chat runs the chat load on f.
func Chat(ctx context.Context, f *Fleet, o ChatOptions) (ChatResult, error) {
	if o.Senders <= 0 || o.Rate <= 0 || o.Duration <= 0 {
		return ChatResult{}, fmt.Errorf("chat load needs senders, rate and duration")
	}
	if o.Senders > f.Connected() {
		return ChatResult{}, fmt.Errorf("%d senders but %d clients", o.Senders, f.Connected())
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	perSender := int(o.Rate*o.Duration.Seconds() + 0.5)
	marks := make([]chatMark, o.Senders*perSender)
	f.chat.Store(&marks)
	defer f.chat.Store(nil)

	interval := time.Duration(float64(time.Second) / o.Rate)
	start := time.Now()
	done := make(chan error, o.Senders)
	for s := range o.Senders {
		cl := f.clients[s]
		go func() {
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for n := range perSender {
				idx := s*perSender + n
				m := &marks[idx]
				m.target.Store(int64(f.Live()))
				m.sent.Store(time.Now().UnixNano())
				ev := `{"type":"send","room":"lobby","id":"` + loadIDPrefix + strconv.Itoa(idx) + `","text":"load ` + strconv.Itoa(idx) + `"}`
				if err := cl.c.writeText([]byte(ev)); err != nil {
					done <- err
					return
				}
				select {
				case <-tick.C:
				case <-ctx.Done():
					done <- ctx.Err()
					return
				}
			}
			done <- nil
		}()
	}
	for range o.Senders {
		if err := <-done; err != nil {
			return ChatResult{}, err
		}
	}
	// Wait for the stragglers.
	deadline := time.Now().Add(o.Timeout)
	for !allReached(marks) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	res := ChatResult{Sent: len(marks)}
	var last int64
	for i := range marks {
		m := &marks[i]
		if m.reached.Load() < m.target.Load() {
			res.Incomplete++
			continue
		}
		res.Latencies = append(res.Latencies, time.Duration(m.at.Load()-m.sent.Load()))
		last = max(last, m.at.Load())
	}
	if last > 0 {
		res.Elapsed = time.Duration(last - start.UnixNano())
	}
	return res, nil
}

func allReached(marks []chatMark) bool {
	for i := range marks {
		if marks[i].reached.Load() < marks[i].target.Load() {
			return false
		}
	}
	return true
}

// reachChat records that one client has received chat-load message idx.
func (f *Fleet) reachChat(idx int) {
	p := f.chat.Load()
	if p == nil || idx < 0 || idx >= len(*p) {
		return
	}
	m := &(*p)[idx]
	if m.reached.Add(1) == m.target.Load() {
		m.at.Store(time.Now().UnixNano())
	}
}
