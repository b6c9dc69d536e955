package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/server"
	"chat/wire"
)

// botClient is a plain WebSocket client in the test, to fill a room faster
// than typing.
type botClient struct {
	tb   testing.TB
	conn *websocket.Conn
}

func dialBot(tb testing.TB, app *chatServer, name, room string) *botClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws://" + strings.TrimPrefix(strings.TrimSuffix(app.URL, "/"), "http://") + "/ws"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: map[string][]string{"Origin": {strings.TrimSuffix(app.URL, "/")}}})
	if err != nil {
		tb.Fatal(err)
	}
	conn.SetReadLimit(-1)
	tb.Cleanup(func() { conn.CloseNow() })
	// Keep reading, or the server would find the bot slow and close it.
	go func() {
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	b := &botClient{tb: tb, conn: conn}
	b.send(wire.Event{Type: wire.TypeHello, Name: name}, wire.Event{Type: wire.TypeJoin, Room: room})
	return b
}

func (b *botClient) send(events ...wire.Event) {
	b.tb.Helper()
	var frame []byte
	for _, ev := range events {
		frame = wire.AppendFrame(frame, wire.Encode(ev))
	}
	if err := b.conn.Write(context.Background(), websocket.MessageText, frame); err != nil {
		b.tb.Fatal(err)
	}
}

// say sends numbered messages "<prefix> <i>" for i in [from, to].
func (b *botClient) say(room, prefix string, from, to int) {
	b.tb.Helper()
	var events []wire.Event
	for i := from; i <= to; i++ {
		events = append(events, wire.Event{Type: wire.TypeSend, Room: room, ID: fmt.Sprintf("bot-%s-%d", prefix, i), Text: fmt.Sprintf("%s %d", prefix, i)})
		if len(events) == 20 {
			b.send(events...)
			events = nil
		}
	}
	if len(events) > 0 {
		b.send(events...)
	}
}

const fromEndJS = `(() => { const t = document.getElementById("timeline"); return t.scrollHeight - t.scrollTop - t.clientHeight })()`

// TestHistoryAndScrolling: a room with more history than a join brings
// shows its last 100 messages at the bottom; scrolling up loads the rest,
// keeping the reader's place, down to "the start"; a message that comes in
// while the reader is up the list shows the "new messages" marker instead
// of moving the list, and the marker takes the reader down.
func TestHistoryAndScrolling(t *testing.T) {
	t.Parallel()
	app := startAppWith(t, func(c *server.Config) { c.EventRate, c.EventBurst = 10000, 10000 })
	bot := dialBot(t, app, "bot", "lobby")
	bot.say("lobby", "m", 1, 160)
	browser := newBrowser(t)
	tab := newPage(t, browser)
	openChat(t, tab, app.URL)
	waitMessage(t, tab, "bot", "m 160")
	if n := eval[int](t, tab, `document.querySelectorAll("#messages li.msg").length`); n != 100 {
		t.Errorf("a join shows %d messages, want the last 100", n)
	}
	waitFor(t, tab, "the list at its end", fromEndJS+" < 2")

	// Up to the top: the 50 before come in, and the message that was at
	// the top is still where the reader left it.
	topSeq := eval[string](t, tab, `document.querySelector("#messages li.msg").dataset.seq`)
	do(t, tab, "scroll to the top", evalVoid(`document.getElementById("timeline").scrollTop = 0`))
	waitFor(t, tab, "50 older messages", `document.querySelectorAll("#messages li.msg").length === 150`)
	top := fmt.Sprintf(`document.querySelector('#messages li.msg[data-seq="%s"]').getBoundingClientRect().top - document.getElementById("timeline").getBoundingClientRect().top`, topSeq)
	if y := eval[float64](t, tab, top); y < 0 || y > 400 {
		t.Errorf("the former first message is %v px from the top of the list after loading older ones: the reader lost their place", y)
	}
	do(t, tab, "scroll to the top again", evalVoid(`document.getElementById("timeline").scrollTop = 0`))
	waitMessage(t, tab, "bot", "m 1")
	waitFor(t, tab, "the start of the room", `document.querySelector(".start")?.textContent.includes("start of #lobby") &&
		document.getElementById("load-older") === null`)

	// Reading in the middle: a new message does not move the list.
	do(t, tab, "scroll to the middle", evalVoid(`document.getElementById("timeline").scrollTop = 1500`))
	before := eval[float64](t, tab, `document.getElementById("timeline").scrollTop`)
	bot.say("lobby", "live", 1, 1)
	waitMessage(t, tab, "bot", "live 1")
	waitFor(t, tab, "the new messages marker", `document.getElementById("new-messages") !== null`)
	if after := eval[float64](t, tab, `document.getElementById("timeline").scrollTop`); after != before {
		t.Errorf("the list moved from %v to %v while the reader was up it", before, after)
	}
	do(t, tab, "click the marker", evalVoid(`document.getElementById("new-messages").click()`))
	waitFor(t, tab, "at the end, marker gone", fromEndJS+` < 2 && document.getElementById("new-messages") === null`)

	// At the end, the list follows new messages.
	bot.say("lobby", "live", 2, 2)
	waitMessage(t, tab, "bot", "live 2")
	waitFor(t, tab, "the list follows", fromEndJS+" < 2")
}
