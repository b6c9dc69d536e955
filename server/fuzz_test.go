package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"chat/wire"
)

// FuzzClientFrame sends one arbitrary text frame to a real server, then a
// hello. The server must answer the hello (a bad event costs an error
// event, not the connection), or have closed the connection with the code
// the frame deserved: 1007 for invalid UTF-8, 1009 for one too big.
func FuzzClientFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","name":"ana"}`,
		`{"type":"join","room":"tea","after":3}` + "\n" + `{"type":"send","room":"tea","id":"f1","text":"hi"}`,
		`{"type":"send","room":"lobby","id":"f2","text":"` + "\u0000" + `"}`,
		`{"type":"history","room":"lobby","before":1}`,
		`{"type":"leave","room":"lobby"}`,
		`{"type":"join","room":"a","after":18446744073709551615}`,
		"{\"type\":\"hello\",\"name\":\"\xff\"}",
		`{}`, `[`, "\n\n", `{"type":"join","room":["x"]}`,
	} {
		f.Add([]byte(seed))
	}
	// One real server for all the inputs (each fuzzing worker process runs
	// this setup for itself).
	_, hs := startServer(f, func(c *Config) {
		c.EventRate, c.EventBurst = 1e6, 1e6
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	url := wsURL(hs)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		if err := c.Write(ctx, websocket.MessageText, data); err != nil {
			t.Fatal(err)
		}
		_ = c.Write(ctx, websocket.MessageText, wire.Encode(wire.Event{Type: wire.TypeHello, Name: "fuzz-ok"}))
		for {
			_, frame, err := c.Read(ctx)
			if err != nil {
				code := websocket.CloseStatus(err)
				switch {
				case !utf8.Valid(data) && code == websocket.StatusInvalidFramePayloadData:
				case len(data) > wire.MaxFrame && code == websocket.StatusMessageTooBig:
				default:
					t.Fatalf("connection ended (%v, close %d) after %q", err, code, data)
				}
				return
			}
			for line := range wire.Lines(frame) {
				ev, err := wire.Decode(line)
				if err != nil {
					t.Fatalf("the server sent an undecodable event %q: %v", line, err)
				}
				if ev.Type == wire.TypeWelcome && ev.Name == "fuzz-ok" {
					return
				}
			}
		}
	})
}
