package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"chat/wire"
)

// ChatOptions is the chat load: Senders of the clients each send Rate
// messages a second into the lobby for Duration; every client is in the
// lobby, so each message is timed from its send until the last of the other
// clients has it.
type ChatOptions struct {
	Senders  int
	Rate     float64       // messages per second, per sender
	Duration time.Duration // how long the senders send
	Timeout  time.Duration // wait for the last deliveries after the senders stop
}

// ChatResult holds the send-to-everyone latencies of the messages that
// reached every other client, how many did not, and how many msg events the
// clients counted.
type ChatResult struct {
	Sent       int
	Latencies  []time.Duration
	Incomplete int
	Delivered  int64         // msg events of this load received by clients other than their sender
	Elapsed    time.Duration // from the first send to the last delivery
}

// chatMark follows one message of the chat load.
type chatMark struct {
	sent    atomic.Int64 // unix nanos; 0 until sent
	target  atomic.Int64 // the other clients: the message is complete when they all have it
	reached atomic.Int64
	at      atomic.Int64
}

// chatRun is one chat load while it runs. Its messages' client ids are
// "L<run>-<index>": unique to the run, so that a second load on the same
// server within its dedupe window is not taken for resends, and a reader
// finds its mark from the id without a map or a lock.
type chatRun struct {
	idField   []byte // `"id":"L<run>-`
	marks     []chatMark
	senders   []*client // sender s sends marks s*perSender ...
	perSender int
}

func newChatRun(senders []*client, perSender int) *chatRun {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &chatRun{
		idField:   []byte(`"id":"L` + hex.EncodeToString(b[:]) + "-"),
		marks:     make([]chatMark, len(senders)*perSender),
		senders:   senders,
		perSender: perSender,
	}
}

// id is the client id of message idx.
func (r *chatRun) id(idx int) string {
	return string(r.idField[len(`"id":"`):]) + strconv.Itoa(idx)
}

var msgEventStart = []byte(`{"type":"` + wire.TypeMsg + `"`)

// count records the msg events of this run in a frame (NDJSON: several
// events may share it) that reader received, leaving out its own messages
// coming back: only deliveries to others count. The server encodes "type"
// first, so a line is a msg event when it starts so; anything else (acks,
// presence, errors) that names the id is not a delivery.
func (r *chatRun) count(reader *client, frame []byte) int {
	n := 0
	for line := range bytes.SplitSeq(frame, []byte{'\n'}) {
		if !bytes.HasPrefix(line, msgEventStart) {
			continue
		}
		i := bytes.Index(line, r.idField)
		if i < 0 {
			continue
		}
		rest := line[i+len(r.idField):]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			continue
		}
		idx, err := strconv.Atoi(string(rest[:j]))
		if err != nil || idx < 0 || idx >= len(r.marks) || r.senders[idx/r.perSender] == reader {
			continue
		}
		m := &r.marks[idx]
		if m.reached.Add(1) == m.target.Load() {
			m.at.Store(time.Now().UnixNano())
		}
		n++
	}
	return n
}

// Chat runs the chat load on f.
func Chat(ctx context.Context, f *Fleet, o ChatOptions) (ChatResult, error) {
	if o.Senders <= 0 || o.Rate <= 0 || o.Duration <= 0 {
		return ChatResult{}, fmt.Errorf("chat load needs senders, rate and duration")
	}
	if o.Senders >= f.Connected() {
		return ChatResult{}, fmt.Errorf("%d senders but %d clients: the load needs clients that receive", o.Senders, f.Connected())
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	perSender := int(o.Rate*o.Duration.Seconds() + 0.5)
	run := newChatRun(f.clients[:o.Senders], perSender)
	f.chat.Store(run)
	defer f.chat.Store(nil)
	marks := run.marks

	interval := time.Duration(float64(time.Second) / o.Rate)
	start := time.Now()
	done := make(chan error, o.Senders)
	for s, cl := range run.senders {
		go func() {
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for n := range perSender {
				idx := s*perSender + n
				m := &marks[idx]
				m.target.Store(int64(f.Live() - 1))
				m.sent.Store(time.Now().UnixNano())
				ev := `{"type":"send","room":"lobby","id":"` + run.id(idx) + `","text":"load ` + strconv.Itoa(idx) + `"}`
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
		res.Delivered += m.reached.Load()
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
