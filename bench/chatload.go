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

// ChatOptions is the chat load: in each room of the fleet (the lobby, or
// the rooms of Fleet.JoinRooms), Senders of its members each send Rate
// messages a second for Duration; each message is timed from its send until
// the last of the room's other members has it.
type ChatOptions struct {
	Senders  int           // per room
	Rate     float64       // messages per second, per sender
	Duration time.Duration // how long the senders send
	Timeout  time.Duration // wait for the last deliveries after the senders stop
	// Typers, per room, are members (not senders) that say they are
	// typing every typingEvery while the senders send: a typing storm
	// beside the messages.
	Typers int
}

// typingEvery is how often a typer says so, as the UI does.
const typingEvery = 3 * time.Second

// ChatResult holds the send-to-everyone latencies of the messages that
// reached every other member, how many did not, how many the server
// refused (an error event for the message, such as busy: it was not stored,
// so nobody is owed it), and how many msg events the clients counted.
type ChatResult struct {
	Sent       int
	Latencies  []time.Duration
	Incomplete int
	Refused    int
	Delivered  int64         // msg events of this load received by clients other than their sender
	Elapsed    time.Duration // from the first send to the last delivery
}

// chatMark follows one message of the chat load.
type chatMark struct {
	sent    atomic.Int64 // unix nanos; 0 until sent
	target  atomic.Int64 // the other members: the message is complete when they all have it
	reached atomic.Int64
	at      atomic.Int64
	refused atomic.Bool
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

var errorEventStart = []byte(`{"type":"` + wire.TypeError + `"`)

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
		isMsg := bytes.HasPrefix(line, msgEventStart)
		if !isMsg && !bytes.HasPrefix(line, errorEventStart) {
			continue
		}
		idx, ok := r.index(line)
		if !ok {
			continue
		}
		m := &r.marks[idx]
		if !isMsg {
			if r.senders[idx/r.perSender] == reader {
				m.refused.Store(true) // an error about the sender's own message
			}
			continue
		}
		if r.senders[idx/r.perSender] == reader {
			continue
		}
		if m.reached.Add(1) == m.target.Load() {
			m.at.Store(time.Now().UnixNano())
		}
		n++
	}
	return n
}

// index finds the load message an event line names by its id.
func (r *chatRun) index(line []byte) (int, bool) {
	i := bytes.Index(line, r.idField)
	if i < 0 {
		return 0, false
	}
	rest := line[i+len(r.idField):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0, false
	}
	idx, err := strconv.Atoi(string(rest[:j]))
	if err != nil || idx < 0 || idx >= len(r.marks) {
		return 0, false
	}
	return idx, true
}

// Chat runs the chat load on f.
func Chat(ctx context.Context, f *Fleet, o ChatOptions) (ChatResult, error) {
	if o.Senders <= 0 || o.Rate <= 0 || o.Duration <= 0 {
		return ChatResult{}, fmt.Errorf("chat load needs senders, rate and duration")
	}
	rooms := f.members()
	var senders []*client
	var roomOf []string
	for _, r := range rooms {
		if o.Senders >= len(r.clients) {
			return ChatResult{}, fmt.Errorf("%d senders in a room of %d clients: the load needs members that receive", o.Senders, len(r.clients))
		}
		for _, cl := range r.clients[:o.Senders] {
			senders, roomOf = append(senders, cl), append(roomOf, r.name)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	perSender := int(o.Rate*o.Duration.Seconds() + 0.5)
	run := newChatRun(senders, perSender)
	f.chat.Store(run)
	defer f.chat.Store(nil)
	marks := run.marks
	others := make(map[string]int64, len(rooms))
	for _, r := range rooms {
		others[r.name] = int64(len(r.clients) - 1)
	}

	interval := time.Duration(float64(time.Second) / o.Rate)
	start := time.Now()
	stopTyping := make(chan struct{})
	defer close(stopTyping)
	for _, r := range rooms {
		typers := r.clients[o.Senders:min(len(r.clients), o.Senders+o.Typers)]
		ev := []byte(`{"type":"typing","room":"` + r.name + `"}`)
		for i, cl := range typers {
			go func() {
				// Spread over the interval, then one every typingEvery.
				first := time.Duration(i) * typingEvery / time.Duration(len(typers))
				for next := time.After(first); ; next = time.After(typingEvery) {
					select {
					case <-next:
						_ = cl.c.writeText(ev)
					case <-stopTyping:
						return
					}
				}
			}()
		}
	}
	done := make(chan error, len(senders))
	for s, cl := range senders {
		room := roomOf[s]
		go func() {
			// Senders start spread over one interval, not all at once.
			select {
			case <-time.After(time.Duration(s) * interval / time.Duration(len(senders))):
			case <-ctx.Done():
				done <- ctx.Err()
				return
			}
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for n := range perSender {
				idx := s*perSender + n
				m := &marks[idx]
				m.target.Store(others[room])
				m.sent.Store(time.Now().UnixNano())
				ev := `{"type":"send","room":"` + room + `","id":"` + run.id(idx) + `","text":"load ` + strconv.Itoa(idx) + `"}`
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
	for range senders {
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
		switch {
		case m.refused.Load() && m.reached.Load() == 0:
			res.Refused++
		case m.reached.Load() < m.target.Load():
			res.Incomplete++
		default:
			res.Latencies = append(res.Latencies, time.Duration(m.at.Load()-m.sent.Load()))
			last = max(last, m.at.Load())
		}
	}
	if last > 0 {
		res.Elapsed = time.Duration(last - start.UnixNano())
	}
	return res, nil
}

func allReached(marks []chatMark) bool {
	for i := range marks {
		m := &marks[i]
		if m.reached.Load() < m.target.Load() && !m.refused.Load() {
			return false
		}
	}
	return true
}
