package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/wire"
)

func TestSocketURL(t *testing.T) {
	tests := []struct{ page, want string }{
		{"http://localhost:8080/", "ws://localhost:8080/ws"},
		{"https://chat.example.com/some/page?x=1#y", "wss://chat.example.com/ws"},
		{"http://127.0.0.1:8099", "ws://127.0.0.1:8099/ws"},
		{"https://[::1]:443/", "wss://[::1]:443/ws"},
	}
	for _, tt := range tests {
		got, err := socketURL(tt.page)
		if err != nil || got != tt.want {
			t.Errorf("socketURL(%q) = %q, %v; want %q", tt.page, got, err, tt.want)
		}
	}
}

func TestDecodeFrame(t *testing.T) {
	frame := []byte(`{"type":"msg","seq":1}` + "\n" + `not json` + "\n\n" + `{"type":"presence","count":2}` + "\n")
	events := decodeFrame(frame)
	if len(events) != 2 || events[0].Seq != 1 || events[1].Count != 2 {
		t.Errorf("events = %+v", events)
	}
}

// TestSocketReconnects runs the loop against a real WebSocket server that
// answers the first frame of each connection and then hangs up.
func TestSocketReconnects(t *testing.T) {
	firstFrames := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		_, frame, err := c.Read(r.Context())
		if err != nil {
			return
		}
		firstFrames <- string(frame)
		reply := wire.AppendFrame(wire.Encode(wire.Event{Type: wire.TypeWelcome, Name: "ana"}),
			wire.Encode(wire.Event{Type: wire.TypeMsg, Room: "lobby", Seq: 5, ID: "m5", Text: "hi"}))
		c.Write(r.Context(), websocket.MessageText, reply)
		c.Close(websocket.StatusNormalClosure, "")
	}))
	defer srv.Close()

	url, _ := socketURL(srv.URL)
	sock := newSocket(url)
	sock.backoff.min, sock.backoff.max = time.Millisecond, 2*time.Millisecond

	// The callbacks stand in for the page: they run on the loop's goroutine
	// and hand state changes to this one, as ctx.Dispatch would.
	st := newChatState("ana")
	updates := make(chan func(), 100)
	sock.opened = func(sess *session) {
		updates <- func() {
			st.connected()
			for _, f := range st.takeFrames() {
				sess.send(f)
			}
		}
	}
	sock.received = func(evs []wire.Event) {
		updates <- func() {
			for _, ev := range evs {
				st.apply(ev)
			}
		}
	}
	closes := 0
	sock.closed = func(err error, wait time.Duration) { updates <- func() { closes++; st.disconnected() } }

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sock.run(ctx); close(done) }()

	var frames []string
	timeout := time.After(10 * time.Second)
	for len(frames) < 2 {
		select {
		case f := <-updates:
			f()
		case fr := <-firstFrames:
			frames = append(frames, fr)
		case <-timeout:
			t.Fatalf("timed out; frames %q", frames)
		}
	}
	cancel()
	for {
		select {
		case f := <-updates:
			f()
			continue
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("run did not return after cancel")
		}
		break
	}

	if !strings.HasPrefix(frames[0], `{"type":"hello","name":"ana"}`+"\n"+`{"type":"join","room":"lobby"}`) {
		t.Errorf("first connection sent %q", frames[0])
	}
	if !strings.Contains(frames[1], `{"type":"join","room":"lobby","after":5}`) {
		t.Errorf("second connection did not resume after 5: %q", frames[1])
	}
	if len(st.cur().items) != 1 || closes == 0 {
		t.Errorf("items %v, closes %d", listing(st.cur()), closes)
	}
}
