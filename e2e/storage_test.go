package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"chat/server"
	"chat/wire"
)

// fillStorage fills the page's localStorage with junk until the browser
// refuses more, as a quota used up by other data does; it returns the
// bytes written.
func fillStorage(tb testing.TB, page context.Context) int {
	tb.Helper()
	return eval[int](tb, page, `(() => {
		let n = 0, bytes = 0;
		for (let size = 1 << 20; size >= 8; size >>= 1) {
			const chunk = "x".repeat(size);
			for (;;) {
				try { localStorage.setItem("filler-" + n, chunk) } catch (e) { break }
				n++; bytes += size;
			}
		}
		return bytes;
	})()`)
}

// pendingJS counts the pending messages with this text.
func pendingJS(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#messages li.pending")].filter(li => li.querySelector(".text")?.textContent === %q).length`, text)
}

// TestFullStorageKeepsTheOutbox: with localStorage full (of a room's cached
// history and of other data), messages typed while the server is down are
// still kept, because the room caches make room for them; a reload shows
// them and they are delivered when the server is back.
func TestFullStorageKeepsTheOutbox(t *testing.T) {
	app := startAppWith(t, func(c *server.Config) { c.EventRate, c.EventBurst = 10000, 10000 })
	bot := dialBot(t, app, "bot", "lobby")
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	openChat(t, ana, app.URL)
	openChat(t, bo, app.URL)
	setName(t, ana, "ana")
	bot.sayLong("lobby", "m", 1, 100, 1500)
	waitFor(t, ana, "the lobby's history", `document.querySelectorAll("#messages li.msg").length >= 100`)
	waitShellCached(t, ana)
	if n := fillStorage(t, ana); n == 0 {
		t.Fatal("localStorage took nothing: the page cannot be filling it")
	}

	app.stop()
	waitState(t, ana, "offline")
	texts := []string{"first while full", "second while full", "third while full"}
	for _, text := range texts {
		say(t, ana, text)
		waitFor(t, ana, "pending "+text, pendingJS(text)+" === 1")
	}
	do(t, ana, "reload with the server down", chromedp.Reload())
	waitState(t, ana, "offline")
	for _, text := range texts {
		waitFor(t, ana, "pending after the reload: "+text, pendingJS(text)+" === 1")
	}

	app.start()
	waitConnected(t, ana)
	for _, text := range texts {
		waitMessage(t, bo, "ana", text)
	}
	waitFor(t, ana, "the outbox empty", `document.querySelector("#messages li.pending") === null`)
}

// sayLong is say with texts padded to about size bytes, to fill storage.
func (b *botClient) sayLong(room, prefix string, from, to, size int) {
	b.tb.Helper()
	pad := strings.Repeat("·", size/2)
	for i := from; i <= to; i++ {
		b.send(wire.Event{Type: wire.TypeSend, Room: room, ID: fmt.Sprintf("bot-%s-%d", prefix, i), Text: fmt.Sprintf("%s %d %s", prefix, i, pad)})
	}
}
