package hub

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/wire"
)

// memTransport is the hub's seam to a socket, kept in memory: writes record
// the frames' payloads, and a gate (when set) makes the socket full, the way
// it is when the peer stops reading: TryWrite takes nothing and the blocking
// writes wait for the gate to open.
type memTransport struct {
	mu     sync.Mutex
	frames [][]byte // payloads
	ctrl   [][]byte // control frames' payloads
	order  []byte   // the opcode of each text and control frame, in the order written
	closed *Disconnect
	killed bool
	gate   chan struct{} // nil: writes go through; else blocking writes wait for it to close
	inline int           // frames written whole by TryWrite
	// partial, when set, makes TryWrite take only this many bytes; part
	// is what came of a frame so far.
	partial int
	part    []byte
}

func newMem() *memTransport { return &memTransport{} }

func (m *memTransport) TryWrite(frame []byte) (int, error) {
	if m.partial > 0 && m.partial < len(frame) {
		return m.partial, m.recordPart(frame[:m.partial])
	}
	if m.gate != nil {
		return 0, nil
	}
	m.mu.Lock()
	m.inline++
	m.mu.Unlock()
	return len(frame), m.record(frame)
}

func (m *memTransport) Write(frame []byte) error {
	if m.gate != nil {
		<-m.gate
	}
	return m.record(frame)
}

// record keeps what one write carried: text frames' payloads, control
// frames, and a close frame's code and reason.
func (m *memTransport) record(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.killed {
		return errors.New("closed")
	}
	b = append(m.part, b...)
	m.part = nil
	for len(b) > 0 {
		op, payload, rest := nextFrame(b)
		switch op {
		case 0x1:
			m.frames = append(m.frames, payload)
			m.order = append(m.order, op)
		case 0x8:
			d := Disconnect{Code: websocket.StatusCode(binary.BigEndian.Uint16(payload)), Reason: string(payload[2:])}
			m.closed = &d
		case 0x9, 0xa:
			m.ctrl = append(m.ctrl, payload)
			m.order = append(m.order, op)
		default:
			panic(fmt.Sprintf("unexpected opcode %x", op))
		}
		b = rest
	}
	return nil
}

// recordPart keeps the start of a frame until the rest comes.
func (m *memTransport) recordPart(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.killed {
		return errors.New("closed")
	}
	m.part = append(m.part, b...)
	return nil
}

// nextFrame checks the first server frame in b and splits it off.
func nextFrame(b []byte) (op byte, payload, rest []byte) {
	if b[0]&0x80 == 0 {
		panic(fmt.Sprintf("not a final frame: % x", b[:2]))
	}
	n, hdr := int(b[1]), 2
	switch n {
	case 126:
		n, hdr = int(b[2])<<8|int(b[3]), 4
	case 127:
		n, hdr = int(binary.BigEndian.Uint64(b[2:])), 10
	}
	if len(b)-hdr < n {
		panic(fmt.Sprintf("header says %d bytes, %d follow", n, len(b)-hdr))
	}
	return b[0] & 0x0f, bytes.Clone(b[hdr : hdr+n]), b[hdr+n:]
}

// pub frames text as one event and publishes it to room.
func pub(h *Hub, room, text string) int { return h.Publish(room, NewFrame([]byte(text), 1)) }

func (m *memTransport) CloseNow() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.killed = true
	return nil
}

// events returns every event received so far, frames split on '\n'.
func (m *memTransport) events() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, f := range m.frames {
		for line := range wire.Lines(f) {
			out = append(out, string(line))
		}
	}
	return out
}

func (m *memTransport) closedWith() *Disconnect {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// waitEvents waits until m has received n events.
func waitEvents(t *testing.T, m *memTransport, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ev := m.events()
		if len(ev) >= n {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d events, want %d: %q", len(ev), n, ev)
		}
		time.Sleep(time.Millisecond)
	}
}

func newHub(t *testing.T, opts *Options) *Hub {
	h := New(opts)
	t.Cleanup(h.Stop)
	return h
}

func TestPublishReachesEveryMemberOnce(t *testing.T) {
	h := newHub(t, nil)
	// Above parallelFanout, so that the split over cores is exercised too.
	const members = 3000
	ts := make([]*memTransport, members)
	for i := range ts {
		ts[i] = newMem()
		c := h.Register(ts[i], fmt.Sprint("u", i))
		if _, err := h.Join(c, "big"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if n := pub(h, "big", fmt.Sprintf(`{"n":%d}`, i)); n != members {
			t.Fatalf("Publish reached %d members, want %d", n, members)
		}
	}
	for i, m := range ts {
		got := waitEvents(t, m, 3)
		want := []string{`{"n":0}`, `{"n":1}`, `{"n":2}`}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("member %d got %q, want %q in order", i, got, want)
		}
		// Idle clients with room in their socket are written by the
		// fan-out itself, with no writer goroutine.
		if m.inline != 3 {
			t.Fatalf("member %d: %d of 3 frames written inline", i, m.inline)
		}
	}
}

func TestRoomsAreIsolated(t *testing.T) {
	h := newHub(t, nil)
	a, b, both := newMem(), newMem(), newMem()
	ca, cb, cboth := h.Register(a, "a"), h.Register(b, "b"), h.Register(both, "both")
	mustJoin(t, h, ca, "red")
	mustJoin(t, h, cb, "blue")
	mustJoin(t, h, cboth, "red")
	mustJoin(t, h, cboth, "blue")

	pub(h, "red", "r1")
	pub(h, "blue", "b1")
	pub(h, "green", "nobody") // no such room: no one gets it

	waitEvents(t, both, 2)
	if got := waitEvents(t, a, 1); fmt.Sprint(got) != "[r1]" {
		t.Errorf("red member got %q", got)
	}
	if got := waitEvents(t, b, 1); fmt.Sprint(got) != "[b1]" {
		t.Errorf("blue member got %q", got)
	}

	// After leaving, nothing more arrives from that room.
	if !h.Leave(cboth, "red") {
		t.Fatal("Leave reported not a member")
	}
	pub(h, "red", "r2")
	pub(h, "blue", "b2")
	if got := waitEvents(t, both, 3); fmt.Sprint(got) != "[r1 b1 b2]" {
		t.Errorf("after leaving red, member got %q", got)
	}
}

func TestBroadcastReachesEveryClient(t *testing.T) {
	h := newHub(t, nil)
	var ts []*memTransport
	for i := range 200 {
		m := newMem()
		ts = append(ts, m)
		c := h.Register(m, "u")
		if i%2 == 0 {
			mustJoin(t, h, c, "some-room") // rooms do not matter to Broadcast
		}
	}
	if n := h.Broadcast(NewFrame([]byte("all"), 1)); n != len(ts) {
		t.Fatalf("Broadcast reached %d, want %d", n, len(ts))
	}
	for _, m := range ts {
		waitEvents(t, m, 1)
	}
}

func TestQueuedEventsAreCoalescedIntoFrames(t *testing.T) {
	h := newHub(t, &Options{MaxFrameBytes: 64})
	m := newMem()
	m.gate = make(chan struct{})
	c := h.Register(m, "u")
	mustJoin(t, h, c, "r")
	// The first write finds the socket full; the rest pile up in the queue.
	pub(h, "r", `{"i":0}`)
	for c.writeStart.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < 10; i++ {
		pub(h, "r", fmt.Sprintf(`{"i":%d}`, i))
	}
	close(m.gate)
	got := waitEvents(t, m, 10)
	for i, ev := range got {
		if want := fmt.Sprintf(`{"i":%d}`, i); ev != want {
			t.Fatalf("event %d = %s, want %s", i, ev, want)
		}
	}
	m.mu.Lock()
	frames := len(m.frames)
	for _, f := range m.frames {
		if len(f) > 64 && bytes.Contains(f, []byte{'\n'}) {
			t.Errorf("coalesced frame of %d bytes exceeds MaxFrameBytes 64: %q", len(f), f)
		}
	}
	m.mu.Unlock()
	// 1 frame for the event at the gate, then 9 events of 7 bytes joined
	// into frames of at most 64 bytes: 8 per frame, so 2 more frames.
	if frames != 3 {
		t.Errorf("10 events went out in %d frames, want 3 (coalesced)", frames)
	}
}

func TestSlowClientIsDroppedAndOthersUnaffected(t *testing.T) {
	h := newHub(t, &Options{QueueBytes: 1000})
	slow := newMem()
	slow.gate = make(chan struct{}) // never opens: the peer stopped reading
	defer close(slow.gate)
	fast := newMem()
	cs, cf := h.Register(slow, "slow"), h.Register(fast, "fast")
	mustJoin(t, h, cs, "r")
	mustJoin(t, h, cf, "r")

	event := strings.Repeat("x", 100)
	const sent = 50 // 5000 bytes: five times the slow client's queue
	for i := range sent {
		pub(h, "r", event)
		waitEvents(t, fast, i+1) // the fast client keeps up
	}
	if st := h.Stats(); st.SlowConsumers != 1 {
		t.Fatalf("SlowConsumers = %d, want 1", st.SlowConsumers)
	}
	// Once dropped, the slow client takes no more events.
	if cs.Send([]byte("more")) {
		t.Error("a client dropped as slow still accepts events")
	}
	// Its writer is stuck in Write; the fast one keeps receiving.
	pub(h, "r", "after")
	if ev := waitEvents(t, fast, sent+1); ev[sent] != "after" {
		t.Errorf("fast client's last event = %q", ev[sent])
	}
}

// TestSlowClientIsClosedAtOnce: a queue overflows because its writer is
// stuck on a full socket; the client is closed then and there, not when the
// write watchdog would notice (its reason could not reach it anyway).
func TestSlowClientIsClosedAtOnce(t *testing.T) {
	h := newHub(t, &Options{QueueBytes: 300, WriteTimeout: time.Minute})
	m := newMem()
	m.gate = make(chan struct{})
	defer close(m.gate)
	c := h.Register(m, "u")
	mustJoin(t, h, c, "r")
	for range 10 {
		pub(h, "r", strings.Repeat("y", 100))
	}
	waitKilled(t, m, time.Second, "slow client with a stuck writer")
	if st := h.Stats(); st.SlowConsumers != 1 || st.WriteTimeouts != 0 {
		t.Errorf("stats %+v: want one slow consumer, no write timeout", st)
	}
}

func TestStalledWriteIsCutByWatchdog(t *testing.T) {
	h := newHub(t, &Options{WriteTimeout: 50 * time.Millisecond})
	m := newMem()
	m.gate = make(chan struct{})
	defer close(m.gate)
	c := h.Register(m, "u")
	c.Send([]byte("stuck"))
	waitKilled(t, m, 5*time.Second, "stalled write")
	if st := h.Stats(); st.WriteTimeouts != 1 {
		t.Errorf("WriteTimeouts = %d, want 1", st.WriteTimeouts)
	}
}

func TestPresenceSnapshots(t *testing.T) {
	h := newHub(t, nil)
	a := h.Register(newMem(), "ana")
	b := h.Register(newMem(), "bo")
	b2 := h.Register(newMem(), "bo") // bo's second tab: one person
	g1 := h.Register(newMem(), "guest-1234")
	g2 := h.Register(newMem(), "guest-1234") // another guest who drew the same name
	h.Identify(b, "bo", "browser-of-bo")
	h.Identify(b2, "bo", "browser-of-bo")
	for _, c := range []*Client{a, b, b2, g1, g2} {
		mustJoin(t, h, c, "r")
	}
	got := h.TakeDirty(10)
	if len(got) != 1 || got[0].Room != "r" || got[0].Count != 4 || fmt.Sprint(got[0].Names) != "[ana bo guest-1234]" {
		t.Fatalf("TakeDirty = %+v, want room r, 4 people named [ana bo guest-1234]", got)
	}
	if again := h.TakeDirty(10); len(again) != 0 {
		t.Fatalf("second TakeDirty = %+v, want nothing changed", again)
	}
	h.Identify(a, "cy", "")
	h.Unregister(b)
	h.Unregister(g1)
	h.Unregister(g2)
	got = h.TakeDirty(1)
	if len(got) != 1 || got[0].Count != 2 || fmt.Sprint(got[0].Names) != "[bo]" {
		t.Fatalf("after a rename and some leaving: %+v, want count 2, names capped to [bo]", got)
	}
	h.Unregister(a)
	h.Unregister(b2)
	got = h.TakeDirty(10)
	if len(got) != 1 || got[0].Count != 0 {
		t.Fatalf("emptied room: %+v, want count 0", got)
	}
	if st := h.Stats(); st.Rooms != 0 || st.Clients != 0 {
		t.Errorf("after all left: %+v", st)
	}
}

func TestMaxRoomsPerClient(t *testing.T) {
	h := newHub(t, &Options{MaxRoomsPerClient: 2})
	c := h.Register(newMem(), "u")
	mustJoin(t, h, c, "a")
	mustJoin(t, h, c, "b")
	_, err := h.Join(c, "c")
	var pe *wire.ProtocolError
	if !errors.As(err, &pe) || pe.Code != wire.CodeTooMany {
		t.Fatalf("third join: err = %v, want %s", err, wire.CodeTooMany)
	}
}

func TestShutdownClosesEveryoneAfterFlushing(t *testing.T) {
	h := newHub(t, nil)
	var ts []*memTransport
	for range 20 {
		m := newMem()
		ts = append(ts, m)
		mustJoin(t, h, h.Register(m, "u"), "r")
	}
	pub(h, "r", "last words")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.Shutdown(ctx, DisconnectShutdown)
	for i, m := range ts {
		ev := m.events()
		if len(ev) < 1 || ev[0] != "last words" {
			t.Errorf("client %d: events %q, want the queued event first", i, ev)
		}
		if d := m.closedWith(); d == nil || *d != DisconnectShutdown {
			t.Errorf("client %d closed with %v, want %v", i, d, DisconnectShutdown)
		}
	}
}

// waitKilled waits until the transport was closed without a handshake.
func waitKilled(t *testing.T, m *memTransport, within time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		m.mu.Lock()
		killed := m.killed
		m.mu.Unlock()
		if killed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not closed within %v", what, within)
		}
		time.Sleep(time.Millisecond)
	}
}

func mustJoin(t *testing.T, h *Hub, c *Client, room string) {
	t.Helper()
	if _, err := h.Join(c, room); err != nil {
		t.Fatal(err)
	}
}

func TestFanoutLatencyIsMeasuredToTheLastWrite(t *testing.T) {
	got := make(chan time.Duration, 10)
	h := newHub(t, &Options{ObserveFanout: func(d time.Duration) { got <- d }})
	var members []*memTransport
	for range 50 {
		m := newMem()
		members = append(members, m)
		mustJoin(t, h, h.Register(m, "u"), "r")
	}
	late := members[7]
	late.gate = make(chan struct{})
	pub(h, "r", "tracked")
	for _, m := range members {
		if m != late {
			waitEvents(t, m, 1)
		}
	}
	select {
	case d := <-got:
		t.Fatalf("fan-out reported done (%v) while one write was still held", d)
	case <-time.After(50 * time.Millisecond):
	}
	close(late.gate)
	select {
	case d := <-got:
		if d < 50*time.Millisecond {
			t.Fatalf("fan-out latency %v, want at least the 50 ms the last write was held", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no fan-out latency reported")
	}
	// The next fan-out is followed too.
	h.Broadcast(NewFrame([]byte("next"), 1))
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("second fan-out not measured")
	}
}

// controlFrame is a server control frame (unmasked).
func controlFrame(op byte, payload string) []byte {
	return append([]byte{0x80 | op, byte(len(payload))}, payload...)
}

// TestControlFramesWaitForTheFrameUnderWay: a pong the library writes while
// a data frame is half on the socket goes after that frame, never inside
// it, and WriteControl does not wait for the socket.
func TestControlFramesWaitForTheFrameUnderWay(t *testing.T) {
	h := newHub(t, nil)
	m := newMem()
	m.partial = 5 // the socket takes 5 bytes of the frame, then is full
	m.gate = make(chan struct{})
	c := h.Register(m, "u")
	mustJoin(t, h, c, "r")
	pub(h, "r", strings.Repeat("d", 100))
	m.partial = 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		if n, err := c.WriteControl(controlFrame(0xA, "pong-1")); n != 8 || err != nil {
			t.Errorf("WriteControl = %d, %v", n, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("WriteControl waited for a full socket")
	}
	pub(h, "r", "next")
	close(m.gate)
	waitEvents(t, m, 2)
	m.mu.Lock()
	defer m.mu.Unlock()
	if string(m.order) != "\x01\x0a\x01" || string(m.ctrl[0]) != "pong-1" {
		t.Fatalf("frames written as %q (ctrl %q), want the data frame, the pong, the next data frame", m.order, m.ctrl)
	}
}

// TestControlFramesCountAgainstTheQueue: a peer that sends pings and never
// reads makes the server queue pongs; past QueueBytes it is a slow
// consumer, closed at once since its socket is full.
func TestControlFramesCountAgainstTheQueue(t *testing.T) {
	h := newHub(t, &Options{QueueBytes: 300, WriteTimeout: time.Minute})
	m := newMem()
	m.gate = make(chan struct{})
	defer close(m.gate)
	c := h.Register(m, "u")
	for i := range 10 {
		c.WriteControl(controlFrame(0xA, fmt.Sprintf("%0100d", i)))
	}
	waitKilled(t, m, time.Second, "a client whose pongs filled its queue")
	if st := h.Stats(); st.SlowConsumers != 1 {
		t.Errorf("SlowConsumers = %d, want 1", st.SlowConsumers)
	}
	if _, err := c.WriteControl(controlFrame(0xA, "late")); err == nil {
		t.Error("WriteControl on a closed client did not fail")
	}
}

// msgEvent is a stored message's event as the server encodes it.
func msgEvent(seq uint64) []byte { return fmt.Appendf(nil, `{"type":"msg","seq":%d}`, seq) }

// TestMessagesShareFrames: messages published together go out in as few
// frames as MaxFrameBytes allows, one write per member each.
func TestMessagesShareFrames(t *testing.T) {
	h := newHub(t, &Options{MaxFrameBytes: 100})
	m := newMem()
	mustJoin(t, h, h.Register(m, "u"), "r")
	var events [][]byte
	var seqs []uint64
	for seq := uint64(1); seq <= 10; seq++ {
		events, seqs = append(events, msgEvent(seq)), append(seqs, seq)
	}
	if n := h.PublishMessages("r", events, seqs); n != 1 {
		t.Fatalf("reached %d", n)
	}
	got := waitEvents(t, m, 10)
	for i, ev := range got {
		if ev != string(msgEvent(uint64(i+1))) {
			t.Fatalf("event %d = %s", i, ev)
		}
	}
	m.mu.Lock()
	frames := len(m.frames)
	m.mu.Unlock()
	// 10 events of 24 bytes, joined by '\n', in frames of at most 100: 4
	// a frame.
	if frames != 3 {
		t.Errorf("10 messages went out in %d frames, want 3", frames)
	}
	if st := h.Stats(); st.Delivered != 10 {
		t.Errorf("Delivered = %d, want 10", st.Delivered)
	}
}

// TestJoinGetsOnlyTheMessagesAfterItsHistory: a frame of several messages
// that arrives while a join reads the history is cut where the history
// ended: no message twice, none lost.
func TestJoinGetsOnlyTheMessagesAfterItsHistory(t *testing.T) {
	h := newHub(t, nil)
	m := newMem()
	c := h.Register(m, "u")
	c.BeginSync("r")
	mustJoin(t, h, c, "r")
	h.PublishMessages("r", [][]byte{msgEvent(4), msgEvent(5), msgEvent(6), msgEvent(7)}, []uint64{4, 5, 6, 7})
	h.PublishMessages("r", [][]byte{msgEvent(2), msgEvent(3)}, []uint64{2, 3}) // all in the history
	h.PublishMessages("r", [][]byte{msgEvent(8), msgEvent(9)}, []uint64{8, 9})
	// The history read went up to 5.
	var history []*Frame
	for seq := uint64(1); seq <= 5; seq++ {
		history = append(history, NewMsgFrame("r", seq, msgEvent(seq)))
	}
	if !c.EndSync("r", history, 5) {
		t.Fatal("EndSync: the sync was not on")
	}
	waitEvents(t, m, 9)
	for !c.idle() {
		time.Sleep(time.Millisecond)
	}
	got := m.events()
	if len(got) != 9 {
		t.Fatalf("%d events, want 9: %q", len(got), got)
	}
	for i, ev := range got {
		if ev != string(msgEvent(uint64(i+1))) {
			t.Fatalf("event %d = %s, want seq %d: %q", i, ev, i+1, got)
		}
	}
}

// TestUnansweredCloseIsCutAfterTheCloseTimeout: after the close frame
// nothing more is written, and a peer that never answers it is cut off.
func TestUnansweredCloseIsCutAfterTheCloseTimeout(t *testing.T) {
	h := newHub(t, &Options{CloseTimeout: 50 * time.Millisecond})
	m := newMem()
	c := h.Register(m, "u")
	c.Close(DisconnectShutdown)
	for m.closedWith() == nil {
		time.Sleep(time.Millisecond)
	}
	if d := m.closedWith(); *d != DisconnectShutdown {
		t.Fatalf("closed with %v", d)
	}
	if n, err := c.WriteControl(controlFrame(0xA, "late pong")); n == 0 || err != nil {
		t.Fatalf("a control frame after the close: %d, %v; want it taken and dropped", n, err)
	}
	waitKilled(t, m, 5*time.Second, "a client that never answered the close")
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.ctrl) != 0 {
		t.Errorf("written after the close frame: %q", m.ctrl)
	}
}

// TestPingsGoOutAndAnUnansweredOneCloses: the sweeper writes each client's
// ping in its turn; a pong clears it, and a ping without a pong closes the
// client after PingTimeout.
func TestPingsGoOutAndAnUnansweredOneCloses(t *testing.T) {
	h := newHub(t, &Options{PingInterval: time.Minute, PingTimeout: 10 * time.Second})
	live, dead := newMem(), newMem()
	cl := h.Register(live, "live")
	h.Register(dead, "dead")
	now := time.Now().Add(3 * time.Minute) // both are due
	h.sweepOnce(now)
	for _, m := range []*memTransport{live, dead} {
		m.mu.Lock()
		if len(m.ctrl) != 1 || string(m.order) != "\x09" {
			t.Fatalf("after a sweep: control frames %q (order %q), want one ping", m.ctrl, m.order)
		}
		m.mu.Unlock()
	}
	if !cl.Pong() {
		t.Fatal("the pong of a ping the hub sent was not recognised")
	}
	if cl.Pong() {
		t.Fatal("a second pong was taken for an answer")
	}
	h.sweepOnce(now.Add(11 * time.Second))
	waitKilled(t, dead, time.Second, "a client that did not answer its ping")
	live.mu.Lock()
	killed := live.killed
	live.mu.Unlock()
	if killed {
		t.Fatal("the client that answered was closed")
	}
	if st := h.Stats(); st.PingTimeouts != 1 {
		t.Errorf("PingTimeouts = %d", st.PingTimeouts)
	}
}

// pendingTransport stands for TLS: TryWrite seals all of a frame but the
// socket takes only part of the ciphertext (ErrPending); Write sends what
// is pending (and its frame, if any), waiting for gate when set.
type pendingTransport struct {
	mu      sync.Mutex
	sealed  [][]byte
	flushes int
	gate    chan struct{}
}

func (p *pendingTransport) TryWrite(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sealed = append(p.sealed, bytes.Clone(b))
	return len(b), ErrPending
}

func (p *pendingTransport) Write(b []byte) error {
	if p.gate != nil {
		<-p.gate
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(b) > 0 {
		p.sealed = append(p.sealed, bytes.Clone(b))
	}
	p.flushes++
	return nil
}

func (p *pendingTransport) CloseNow() error { return nil }

// TestPendingWritesAreSentByTheWriter: a frame a transport took but could
// not send whole is counted delivered only once the writer has sent the
// rest, and frames queued meanwhile follow it, in order.
func TestPendingWritesAreSentByTheWriter(t *testing.T) {
	h := New(nil)
	defer h.Stop()
	pt := &pendingTransport{gate: make(chan struct{})}
	c := h.Register(pt, "u")
	if _, err := h.Join(c, "r"); err != nil {
		t.Fatal(err)
	}
	first, second := []byte(`{"n":1}`), []byte(`{"n":2}`)
	h.Publish("r", NewFrame(first, 1))
	h.Publish("r", NewFrame(second, 1))
	time.Sleep(50 * time.Millisecond)
	if st := h.Stats(); st.FramesOut != 0 || st.Stalled != 1 {
		t.Fatalf("%d frames out, %d stalled while the first frame's ciphertext waits; want 0 and 1", st.FramesOut, st.Stalled)
	}
	close(pt.gate)
	deadline := time.Now().Add(5 * time.Second)
	for h.Stats().FramesOut < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if n := h.Stats().FramesOut; n != 2 {
		t.Fatalf("%d frames out, want 2", n)
	}
	if len(pt.sealed) != 2 || !bytes.Contains(pt.sealed[0], first) || !bytes.Contains(pt.sealed[1], second) || pt.flushes < 2 {
		t.Errorf("sealed %q with %d flushes; want the first then the second, each flushed", pt.sealed, pt.flushes)
	}
}
