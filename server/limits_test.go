package server

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/server/hub"
	"chat/server/ws"
	"chat/wire"
)

func TestBadEventsGetNamedErrorsAndTheConnectionLives(t *testing.T) {
	_, hs := startServer(t, nil)
	cl, other := dial(t, hs), dial(t, hs)
	other.joinAs("other", "lobby")
	cases := []struct {
		line string
		code string
		says string // a part of the error text
	}{
		{`{"type":"join","room":`, wire.CodeBadJSON, "invalid JSON"},
		{`[1,2]`, wire.CodeBadJSON, "JSON object"},
		{`{"room":"lobby"}`, wire.CodeUnknownType, "type"},
		{`{"type":"shout"}`, wire.CodeUnknownType, `"shout"`},
		{`{"type":"join","room":"lobby","after":"yesterday"}`, wire.CodeBadField, `"after"`},
		{`{"type":"join","room":42}`, wire.CodeBadField, `"room"`},
		{`{"type":"join","room":"Bad Room!"}`, wire.CodeBadRoom, "a-z"},
		{`{"type":"join","room":"` + strings.Repeat("a", 33) + `"}`, wire.CodeBadRoom, "32"},
		{`{"type":"hello","name":""}`, wire.CodeBadName, "empty"},
		{`{"type":"hello","name":"` + strings.Repeat("é", 25) + `"}`, wire.CodeBadName, "24"},
		{`{"type":"send","room":"lobby","id":"x1","text":"   "}`, wire.CodeBadText, "empty"},
		{`{"type":"send","room":"lobby","id":"x2","text":"` + strings.Repeat("a", wire.MaxTextBytes+1) + `"}`, wire.CodeBadText, "4000"},
		{`{"type":"send","room":"lobby","text":"no id"}`, wire.CodeBadID, "id"},
		{`{"type":"send","room":"lobby","id":"a b","text":"bad id"}`, wire.CodeBadID, "id"},
		{`{"type":"leave","room":"never-joined"}`, wire.CodeNotJoined, "never-joined"},
	}
	for _, c := range cases {
		cl.sendRaw(websocket.MessageText, []byte(c.line))
		e := cl.next(wire.TypeError)
		if e.Code != c.code || !strings.Contains(e.Text, c.says) {
			t.Errorf("%s\n  got  %s: %s\n  want %s mentioning %s", c.line, e.Code, e.Text, c.code, c.says)
		}
	}
	// Several events in one frame are each answered.
	cl.sendRaw(websocket.MessageText, []byte("{\"type\":\"nope\"}\n{\"type\":\"hello\",\"name\":\"fine\"}"))
	cl.next(wire.TypeError)
	if w := cl.next(wire.TypeWelcome); w.Name != "fine" {
		t.Fatalf("welcome after a bad event in the same frame: %+v", w)
	}
	// Nothing was stored or sent to others along the way.
	other.none(wire.TypeMsg, 100*time.Millisecond)
	cl.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "ok-1", Text: "still here"})
	if m := other.next(wire.TypeMsg); m.Text != "still here" {
		t.Fatalf("after the bad events: %+v", m)
	}
}

func TestProtocolBreakersAreClosedWithTheirCode(t *testing.T) {
	_, hs := startServer(t, nil)
	bystander := dial(t, hs)
	bystander.joinAs("bystander", "lobby")
	cases := []struct {
		name string
		typ  websocket.MessageType
		data []byte
		code websocket.StatusCode
	}{
		{"binary frame", websocket.MessageBinary, []byte{1, 2, 3}, websocket.StatusUnsupportedData},
		{"invalid UTF-8", websocket.MessageText, []byte("{\"type\":\"hello\",\"name\":\"\xff\xfe\"}"), websocket.StatusInvalidFramePayloadData},
		{"over the size limit", websocket.MessageText, bytes.Repeat([]byte("a"), wire.MaxFrame+1), websocket.StatusMessageTooBig},
		{"far over the size limit", websocket.MessageText, bytes.Repeat([]byte("a"), ws.ReadLimit+10), websocket.StatusMessageTooBig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := dial(t, hs)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = cl.c.Write(ctx, c.typ, c.data) // the server may close before all of it is written
			if got := cl.closed(); got != c.code {
				t.Fatalf("closed with %v (%v), want %v", got, cl.err, c.code)
			}
		})
	}
	t.Run("the reason comes first as an error event", func(t *testing.T) {
		cl := dial(t, hs)
		cl.sendRaw(websocket.MessageBinary, []byte{0})
		if e := cl.next(wire.TypeError); e.Code != wire.CodeGoingAway || !strings.Contains(e.Text, "binary") {
			t.Fatalf("farewell = %+v", e)
		}
	})
	// The others never noticed.
	bystander.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "b-1", Text: "all well"})
	if m := bystander.next(wire.TypeMsg); m.Text != "all well" {
		t.Fatalf("bystander: %+v", m)
	}
}

func TestFloodIsToldThenClosedWithPolicy(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.EventRate, c.EventBurst = 5, 5 })
	bystander := dial(t, hs)
	bystander.joinAs("bystander", "lobby")
	cl := dial(t, hs)
	// One frame of 60 events: the first 5 pass, then rate_limited errors,
	// then the close.
	var frame []byte
	for range 60 {
		frame = wire.AppendFrame(frame, wire.Encode(wire.Event{Type: wire.TypeHello, Name: "flood"}))
	}
	cl.sendRaw(websocket.MessageText, frame)
	for range 5 {
		cl.next(wire.TypeWelcome)
	}
	if e := cl.next(wire.TypeError); e.Code != wire.CodeRateLimited {
		t.Fatalf("first refused event: %+v, want %s", e, wire.CodeRateLimited)
	}
	if got := cl.closed(); got != websocket.StatusPolicyViolation {
		t.Fatalf("flood closed with %v, want 1008", got)
	}
	bystander.stillServed("lobby")
}

func TestOriginCheck(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.Origins = []string{"chat.example.org"} })
	try := func(origin string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h := http.Header{}
		h.Set("Origin", origin)
		c, res, err := websocket.Dial(ctx, wsURL(hs), &websocket.DialOptions{HTTPHeader: h})
		if err == nil {
			c.CloseNow()
			return http.StatusSwitchingProtocols
		}
		if res == nil {
			t.Fatalf("dial with Origin %s: %v", origin, err)
		}
		return res.StatusCode
	}
	if got := try(hs.URL); got != http.StatusSwitchingProtocols {
		t.Errorf("same-host Origin: %d, want 101", got)
	}
	if got := try("https://chat.example.org"); got != http.StatusSwitchingProtocols {
		t.Errorf("Origin listed in -origins: %d, want 101", got)
	}
	if got := try("https://evil.example.com"); got != http.StatusForbidden {
		t.Errorf("cross-site Origin: %d, want 403", got)
	}
	if res := get(t, hs.URL+"/ws"); res.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("plain GET /ws: %s, want 426", res.Status)
	}
}

func TestMaxConnsAnswers503BeforeTheUpgrade(t *testing.T) {
	s, hs := startServer(t, func(c *Config) { c.MaxConns = 3 })
	var cls []*client
	for range 3 {
		cls = append(cls, dial(t, hs))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, wsURL(hs), nil)
	if err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("4th connection over -max-conns 3: err %v, response %v; want 503", err, res)
	}
	// A seat frees when someone leaves.
	cls[0].c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for s.Conns() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("open connections %d after one left, want 2", s.Conns())
		}
		time.Sleep(5 * time.Millisecond)
	}
	dial(t, hs)
	for _, cl := range cls[1:] {
		cl.send(wire.Event{Type: wire.TypeHello, Name: "still"})
		cl.next(wire.TypeWelcome)
	}
}

// TestClientThatStopsReadingIsDroppedOthersGetEverything: a busy room (100
// broadcasts of 2 KB a second) with a client that stops reading. That client
// is dropped within 10 s; a healthy client meanwhile gets every broadcast,
// none of them late: were the fan-out ever to wait on the stalled socket,
// the healthy client would wait seconds.
func TestClientThatStopsReadingIsDroppedOthersGetEverything(t *testing.T) {
	s, hs := startServer(t, nil)
	reader := dial(t, hs)
	reader.joinAs("reader", "lobby")
	stalled := dialStalled(t, hs) // a raw TCP client with a tiny receive buffer that never reads
	defer stalled.Close()
	waitClients(t, s, 2)

	const rate = 100
	pad := strings.Repeat("x", 2000)
	start := time.Now()
	stop := make(chan struct{})
	sent := make(chan int, 1)
	go func() {
		tick := time.NewTicker(time.Second / rate)
		defer tick.Stop()
		n := 0
		defer func() { sent <- n }()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				text := strconv.FormatInt(time.Now().UnixNano(), 10) + " " + pad
				if s.broker.Broadcast(context.Background(), text) != nil {
					return
				}
				n++
			}
		}
	}()
	var dropped time.Duration
	var worst time.Duration
	received := 0
	for dropped == 0 || received < 100 {
		ev := reader.next(wire.TypeBroadcast)
		sentAt, _ := strconv.ParseInt(strings.Fields(ev.Text)[0], 10, 64)
		worst = max(worst, time.Since(time.Unix(0, sentAt)))
		received++
		if dropped == 0 && s.Hub().Stats().Clients == 1 {
			dropped = time.Since(start)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("stalled client not dropped after 20 s: %+v", s.Hub().Stats())
		}
	}
	close(stop)
	total := <-sent
	for received < total {
		reader.next(wire.TypeBroadcast)
		received++
	}
	st := s.Hub().Stats()
	t.Logf("stalled client dropped after %v (slow consumer %d, write timeout %d); healthy client got %d of %d, the latest %v after it was sent",
		dropped.Round(time.Millisecond), st.SlowConsumers, st.WriteTimeouts, received, total, worst.Round(time.Millisecond))
	if dropped > 10*time.Second {
		t.Errorf("stalled client dropped after %v, want within 10 s", dropped)
	}
	if worst > time.Second {
		t.Errorf("a healthy client waited %v for a broadcast while another one stalled", worst)
	}
}

func TestErrorsNameTheRoomOrMessageTheyAreAbout(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.Hub = &hub.Options{MaxRoomsPerClient: 2} })
	cl := dial(t, hs)
	cl.send(wire.Event{Type: wire.TypeJoin, Room: "Bad Room"})
	if e := cl.next(wire.TypeError); e.Code != wire.CodeBadRoom || e.Room != "Bad Room" {
		t.Fatalf("bad room: %+v", e)
	}
	cl.joinAfter("second", 0) // the lobby is the first
	cl.send(wire.Event{Type: wire.TypeJoin, Room: "third"})
	if e := cl.next(wire.TypeError); e.Code != wire.CodeTooMany || e.Room != "third" {
		t.Fatalf("too many rooms: %+v", e)
	}
	cl.send(wire.Event{Type: wire.TypeSend, Room: "third", ID: "m-1", Text: "x"})
	if e := cl.next(wire.TypeError); e.Code != wire.CodeNotJoined || e.Room != "third" || e.ID != "m-1" {
		t.Fatalf("send to a room not joined: %+v", e)
	}
}

func TestMaxConnsPerIP(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.MaxConnsPerIP = 2 })
	a, b := dial(t, hs), dial(t, hs)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, wsURL(hs), nil)
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection from one address: %v %v, want 429", err, res)
	}
	a.c.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, _, err := websocket.Dial(ctx, wsURL(hs), nil)
		if err == nil {
			c.CloseNow()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a seat never freed after one left: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.send(wire.Event{Type: wire.TypeHello, Name: "still"})
	b.next(wire.TypeWelcome)
}

func TestAcceptRateSpreadsAReconnectStorm(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.AcceptRate = 5 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	accepted, refused := 0, 0
	for range 20 { // a storm: far more than 5 at once
		c, res, err := websocket.Dial(ctx, wsURL(hs), nil)
		switch {
		case err == nil:
			accepted++
			defer c.CloseNow()
		case res != nil && res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") != "":
			refused++
		default:
			t.Fatalf("dial: %v", err)
		}
	}
	if accepted < 5 || accepted > 7 || refused == 0 {
		t.Fatalf("20 at once at 5 a second: %d accepted, %d refused", accepted, refused)
	}
	// A client that waits as told gets in.
	time.Sleep(time.Second)
	c, _, err := websocket.Dial(ctx, wsURL(hs), nil)
	if err != nil {
		t.Fatalf("after a second's wait: %v", err)
	}
	c.CloseNow()
}
