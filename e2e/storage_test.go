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
	t.Parallel()
	app := startAppWith(t, func(c *server.Config) { c.EventRate, c.EventBurst = 10000, 10000 })
	bot := dialBot(t, app, "bot", "lobby")
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	signUp(t, ana, app.URL, "ana")
	openChat(t, bo, app.URL)
	bot.sayLong("lobby", "m", 1, 100, 1500)
	waitFor(t, ana, "the lobby's history", `document.querySelectorAll("#messages li.msg").length >= 100`)
	waitShellCached(t, ana)
	if n := fillStorage(t, ana); n == 0 {
		t.Fatal("localStorage took nothing: the page cannot be filling it")
	}

	app.stop()
	waitState(t, ana, "unreachable")
	texts := []string{"first while full", "second while full", "third while full"}
	for _, text := range texts {
		say(t, ana, text)
		waitFor(t, ana, "pending "+text, pendingJS(text)+" === 1")
	}
	do(t, ana, "reload with the server down", chromedp.Reload())
	waitState(t, ana, "unreachable")
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

// newSameContextTab opens another tab in page's browser context: the same
// person in a second tab, sharing localStorage and the service worker.
func newSameContextTab(tb testing.TB, page context.Context) context.Context {
	tb.Helper()
	tab, cancel := chromedp.NewContext(page)
	tb.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		tb.Fatalf("open a second tab: %v", err)
	}
	return tab
}

// TestTwoTabsKeepEachOthersOutbox: two tabs of one browser, both offline,
// each with a message typed: neither tab's save drops the other's, so a
// reload of either shows both, and each is delivered once when the server
// is back.
func TestTwoTabsKeepEachOthersOutbox(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	ana2 := newSameContextTab(t, ana)
	openChat(t, ana2, app.URL)
	if name := eval[string](t, ana2, `document.getElementById("me-name").textContent`); name != "ana" {
		t.Fatalf("the second tab is %q, not ana: not the same browser context", name)
	}
	waitShellCached(t, ana)

	app.stop()
	waitState(t, ana, "unreachable")
	waitState(t, ana2, "unreachable")
	say(t, ana, "typed in the first tab")
	waitFor(t, ana, "pending in the first tab", pendingJS("typed in the first tab")+" === 1")
	say(t, ana2, "typed in the second tab")
	waitFor(t, ana2, "pending in the second tab", pendingJS("typed in the second tab")+" === 1")

	// The second tab wrote last; the first tab's message must be there too.
	do(t, ana, "reload the first tab", chromedp.Reload())
	waitState(t, ana, "unreachable")
	waitFor(t, ana, "both pending after the reload", pendingJS("typed in the first tab")+" === 1 && "+pendingJS("typed in the second tab")+" === 1")

	app.start()
	waitConnected(t, ana)
	waitConnected(t, ana2)
	waitMessage(t, bo, "ana", "typed in the first tab")
	waitMessage(t, bo, "ana", "typed in the second tab")
	waitFor(t, ana, "the first tab's outbox empty", `document.querySelector("#messages li.pending") === null`)
	waitFor(t, ana2, "the second tab's outbox empty", `document.querySelector("#messages li.pending") === null`)
	// Both tabs sent the second tab's message; anything stored twice comes
	// before a later message.
	say(t, ana, "and a last one")
	waitMessage(t, bo, "ana", "and a last one")
	for _, text := range []string{"typed in the first tab", "typed in the second tab"} {
		if n := eval[int](t, bo, messagesJS("ana", text)); n != 1 {
			t.Errorf("bo sees %q %d times, want once", text, n)
		}
	}
	// And storage is left with nothing to send.
	waitFor(t, ana, "the stored outbox empty", `JSON.parse(localStorage.getItem("chat.outbox") || "[]").length === 0`)
}

// TestRoomOfAnotherTabAfterReload: a room joined in one tab, with the room
// list written last by another tab that never joined it, still shows with
// its last messages after a reload with the server down.
func TestRoomOfAnotherTabAfterReload(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	ana2 := newSameContextTab(t, ana)
	openChat(t, ana2, app.URL)
	joinRoom(t, ana, "ops", "ops")
	joinRoom(t, bo, "ops", "ops")
	waitPresent(t, ana, "bo")
	say(t, bo, "only in ops")
	waitMessage(t, ana, "bo", "only in ops")
	// The second tab writes the room list last, without ops.
	joinRoom(t, ana2, "design", "design")
	waitFor(t, ana2, "the list saved without ops", `!JSON.parse(localStorage.getItem("chat.rooms")).rooms.includes("ops")`)
	waitShellCached(t, ana2)

	app.stop()
	waitState(t, ana2, "unreachable")
	do(t, ana2, "reload the second tab with the server down", chromedp.Reload())
	waitState(t, ana2, "unreachable")
	switchRoom(t, ana2, "ops")
	waitMessage(t, ana2, "bo", "only in ops")
}
