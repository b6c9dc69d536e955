package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"chat/server"
	"chat/wire"
)

// hitsJS lists the search results as "room|from|text|marked words".
const hitsJS = `[...document.querySelectorAll("#search-results .search-hit")].map(b =>
	b.querySelector(".hit-room").textContent + "|" + b.querySelector(".hit-from").textContent + "|" +
	b.querySelector(".hit-text").textContent + "|" + [...b.querySelectorAll(".hit-text mark")].map(m => m.textContent).join(","))`

// inViewJS says whether an element is inside the timeline's view.
func inViewJS(el string) string {
	return fmt.Sprintf(`(() => { const el = %s; if (!el) return false;
		const r = el.getBoundingClientRect(), v = document.getElementById("timeline").getBoundingClientRect();
		return r.top >= v.top - 1 && r.bottom <= v.bottom + 1 })()`, el)
}

// search opens the search with Ctrl+K and types a query.
func search(tb testing.TB, page context.Context, q string) {
	tb.Helper()
	do(tb, page, "Ctrl+K", chromedp.KeyEvent("k", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitFor(tb, page, "the search field focused", `document.activeElement?.id === "search-text"`)
	do(tb, page, "type "+q, evalVoid(`document.getElementById("search-text").value = ""`),
		chromedp.SendKeys(chromedp.ID("search-text"), q))
}

// TestSearchUnreadAndKeys, in one session of three people to keep the
// suite's time: search finds a public room's message and the searcher's
// private room's, marks the words, says when nothing matches and when the
// server refuses; a person outside the private room does not get its
// message; a result older than what the room holds opens the room at it,
// highlighted and in view, by keyboard (the arrows from the field down
// the results, Enter). "/" opens the search, Escape closes it. A room
// opened with unread messages far above shows "Jump to first unread",
// which takes the reader to the new-messages line and goes. The emoji
// picker works by keyboard (arrows, Tab, Enter) and the mention list by
// arrows (then Enter or Tab inserts the name selected). On a new device
// with more unread than a join brings, the pill loads older history until
// the first unread message is there.
func TestSearchUnreadAndKeys(t *testing.T) {
	t.Parallel()
	start := time.Now()
	app := startAppWith(t, func(c *server.Config) { c.EventRate, c.EventBurst = 10000, 10000 })
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	logConsole(t, ana, "ana")
	logConsole(t, bo, "bo")
	signUp(t, ana, app.URL, "ana")
	signUp(t, bo, app.URL, "bo")
	bot := dialBot(t, app, "bob", "lobby")
	bot.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "bot-needle", Text: "an ancient needle"})
	bot.say("lobby", "filler", 1, 150)
	waitMessage(t, ana, "bob", "filler 150")
	createPrivateRoom(t, ana, "Plans")
	say(t, ana, "our secret needle plan")
	waitFor(t, ana, "stored", msgJS("ana", "our secret needle plan")+`?.dataset.seq > 0`)

	// ana finds both, newest first, the word marked; bo only the public one.
	search(t, ana, "NEEDLE")
	waitFor(t, ana, "two results", hitsJS+`.join("\n") === "Plans|ana|our secret needle plan|needle\n#lobby|bob|an ancient needle|needle"`)
	// The arrows go down the results and back up to the field.
	hitJS := func(i int) string {
		return fmt.Sprintf(`document.querySelectorAll("#search-results .search-hit")[%d]`, i)
	}
	do(t, ana, "↓ ↓ ↓", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	waitFor(t, ana, "on the last result", `document.activeElement === `+hitJS(1))
	do(t, ana, "↑ ↑", chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.ArrowUp))
	waitFor(t, ana, "back in the field", `document.activeElement?.id === "search-text"`)
	search(t, bo, "needle")
	waitFor(t, bo, "one result", hitsJS+`.join("\n") === "#lobby|bob|an ancient needle|needle"`)
	search(t, bo, "nowhere to be found")
	waitFor(t, bo, "the empty state", `document.getElementById("search-empty")?.textContent === "No messages match “nowhere to be found”." && document.querySelectorAll("#search-results li").length === 0`)
	search(t, bo, "a b c d e f g h i j k")
	waitFor(t, bo, "the error state", `document.getElementById("search-error")?.textContent.startsWith("Search failed: ")`)
	do(t, bo, "Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, bo, "closed, focus back on the button", `document.getElementById("search-panel") === null && document.activeElement?.id === "search-open"`)
	do(t, bo, "/ from outside a field", evalVoid(`document.activeElement.blur()`), chromedp.KeyEvent("/"))
	waitFor(t, bo, "open again, the last query back", `document.activeElement?.id === "search-text" && document.activeElement.value === "a b c d e f g h i j k"`)
	do(t, bo, "Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, bo, "closed", `document.getElementById("search-panel") === null`)
	if n := eval[int](t, ana, messagesJS("bob", "an ancient needle")); n != 0 {
		t.Fatalf("the old message is loaded already (%d): the jump would show nothing", n)
	}

	// The screenshots of the panel, at both widths, light and dark.
	shootSizes(t, ana, "search", nil)
	do(t, ana, "desktop size", chromedp.EmulateViewport(1280, 800))

	do(t, ana, "↓ ↓ Enter on the lobby's result", evalVoid(`document.getElementById("search-text").focus()`),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	waitFor(t, ana, "on the lobby's result", `document.activeElement?.dataset.room === "lobby"`)
	do(t, ana, "Enter", chromedp.KeyEvent(kb.Enter))
	waitCurrentRoom(t, ana, "lobby")
	waitFor(t, ana, "the old message fetched, highlighted and in view", msgJS("bob", "an ancient needle")+`?.classList.contains("flash") && `+inViewJS(msgJS("bob", "an ancient needle")))
	waitFor(t, ana, "still in view as history fills in", `document.querySelectorAll("#messages li.msg").length > 110 && `+inViewJS(msgJS("bob", "an ancient needle")))

	// Jump to first unread: 60 messages come while bo is in another room.
	joinRoom(t, bo, "side", "side")
	bot.say("lobby", "news", 1, 60)
	waitFor(t, bo, "60 unread", unreadJS("lobby")+" === 60")
	switchRoom(t, bo, "lobby")
	waitMessage(t, bo, "bob", "news 60")
	waitFor(t, bo, "the pill, the line above the view", `document.getElementById("jump-unread") !== null && !`+inViewJS(`document.getElementById("unread-line")`))
	shootSizes(t, bo, "unread-pill", nil)
	do(t, bo, "desktop size", chromedp.EmulateViewport(1280, 800))
	waitFor(t, bo, "the pill still there", `document.getElementById("jump-unread") !== null`)
	do(t, bo, "jump", chromedp.Click(chromedp.ID("jump-unread")))
	waitFor(t, bo, "the line in view, above news 1, the pill gone", inViewJS(`document.getElementById("unread-line")`)+` &&
		document.getElementById("unread-line").nextElementSibling?.querySelector(".text")?.textContent === "news 1" &&
		document.getElementById("unread-pill") === null`)
	do(t, bo, "back to the end", evalVoid(`document.getElementById("timeline").scrollTop = 1e9`))
	time.Sleep(300 * time.Millisecond)
	if eval[bool](t, bo, `document.getElementById("unread-pill") !== null`) {
		t.Error("the pill came back once the line was seen")
	}

	// The picker by keyboard: Enter on the react button, arrows and Tab
	// along, Enter picks.
	react := msgJS("bob", "news 60") + `.querySelector(".react-msg")`
	do(t, bo, "focus react and Enter", evalVoid(react+`.focus()`), chromedp.KeyEvent(kb.Enter))
	waitFor(t, bo, "the picker, on 👍", `document.activeElement?.dataset.emoji === "👍"`)
	do(t, bo, "→ → ←", chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowLeft))
	waitFor(t, bo, "on ❤️", `document.activeElement?.dataset.emoji === "❤️"`)
	do(t, bo, "End, Home, Tab", chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.Home), chromedp.KeyEvent(kb.Tab))
	waitFor(t, bo, "on ❤️ again", `document.activeElement?.dataset.emoji === "❤️"`)
	do(t, bo, "Tab, Enter", chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
	waitFor(t, bo, "😂 picked, the focus back on react", chipJS("bob", "news 60", "😂")+` === "1 mine" && document.activeElement === `+react)

	// Mentions by arrows: "@b" offers bo and bob.
	optionsJS := `[...document.querySelectorAll("#mention-list .mention-option")].map(o => o.textContent + (o.getAttribute("aria-selected") === "true" ? "*" : "")).join(" ")`
	for _, pick := range []string{kb.Enter, kb.Tab} {
		do(t, ana, "type @b", evalVoid(`document.getElementById("composer-text").value = ""`), chromedp.SendKeys(chromedp.ID("composer-text"), "hi @b"))
		waitFor(t, ana, "two offered, the first selected", optionsJS+` === "@bo* @bob"`)
		do(t, ana, "↓", chromedp.KeyEvent(kb.ArrowDown))
		waitFor(t, ana, "the second selected", optionsJS+` === "@bo @bob*"`)
		do(t, ana, "↓ wraps", chromedp.KeyEvent(kb.ArrowDown))
		waitFor(t, ana, "the first again", optionsJS+` === "@bo* @bob"`)
		do(t, ana, "↑ wraps", chromedp.KeyEvent(kb.ArrowUp))
		waitFor(t, ana, "the second again", optionsJS+` === "@bo @bob*"`)
		do(t, ana, "pick", chromedp.KeyEvent(pick))
		waitFor(t, ana, "@bob inserted", `document.getElementById("composer-text").value === "hi @bob " && document.getElementById("mention-list") === null`)
	}
	// On a new device, more unread than a join brings: the pill loads
	// the older pages until the line is there, and takes bo to it.
	switchRoom(t, bo, "side")
	bot.say("lobby", "later", 1, 130)
	waitFor(t, bo, "99+ unread", `document.querySelector('#rooms li[data-room="lobby"] .unread')?.textContent === "99+"`)
	bo2 := newPage(t, browser)
	logConsole(t, bo2, "bo2")
	signIn(t, bo2, app.URL+"login", "bo")
	waitConnected(t, bo2)
	waitMessage(t, bo2, "bob", "later 130")
	if n := eval[int](t, bo2, messagesJS("bob", "later 1")); n != 0 {
		t.Fatalf("the first unread is loaded already (%d): nothing to load on demand", n)
	}
	waitFor(t, bo2, "the pill, no line yet", `document.getElementById("jump-unread") !== null && document.getElementById("unread-line") === null`)
	do(t, bo2, "jump", chromedp.Click(chromedp.ID("jump-unread")))
	waitFor(t, bo2, "loaded, the line in view above later 1, the pill gone", inViewJS(`document.getElementById("unread-line")`)+` &&
		document.getElementById("unread-line").nextElementSibling?.querySelector(".text")?.textContent === "later 1" &&
		document.getElementById("unread-pill") === null`)
	t.Logf("took %v", time.Since(start).Round(100*time.Millisecond))
}
