package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// msgJS is the li.msg of the message from this sender with this text.
func msgJS(from, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#messages li.msg")].find(li =>
		li.querySelector(".from")?.textContent.trim() === %q &&
		li.querySelector(".text")?.textContent === %q)`, from, text)
}

// clickIn clicks the element the selector names inside a message.
func clickIn(tb testing.TB, page context.Context, from, text, selector string) {
	tb.Helper()
	waitFor(tb, page, selector+" in "+text, msgJS(from, text)+`?.querySelector(`+jsString(selector)+`) != null`)
	do(tb, page, "click "+selector+" of "+text, evalVoid(msgJS(from, text)+`.querySelector(`+jsString(selector)+`).click()`))
}

// chipJS reads a message's chip for an emoji: "count mine" or "".
func chipJS(from, text, emoji string) string {
	return fmt.Sprintf(`(() => { const c = %s?.querySelector('.chip[data-emoji=%q]');
		return c ? c.querySelector(".chip-count").textContent + (c.classList.contains("mine") ? " mine" : "") : "" })()`, msgJS(from, text), emoji)
}

// TestEditReactReply: ana edits her message (ArrowUp in the empty
// composer, Enter saves) and bo sees the new text marked (edited); bo
// reacts, ana sees the count and adds hers by clicking the chip, bo takes
// his back; bo replies, ana sees the quote and clicking it highlights the
// original.
func TestEditReactReply(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	logConsole(t, ana, "ana")
	logConsole(t, bo, "bo")
	say(t, ana, "helo wrld")
	waitMessage(t, bo, "ana", "helo wrld")
	waitFor(t, ana, "the message stored", msgJS("ana", "helo wrld")+`?.dataset.seq > 0`)

	// Edit with the keyboard.
	do(t, ana, "ArrowUp in the empty composer",
		chromedp.Focus(chromedp.ID("composer-text")),
		chromedp.KeyEvent(kb.ArrowUp),
	)
	waitFor(t, ana, "the inline editor", `document.activeElement?.id === "edit-text" && document.activeElement.value === "helo wrld"`)
	// Escape cancels.
	do(t, ana, "Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, ana, "the editor closed", `document.getElementById("edit-text") === null && `+msgJS("ana", "helo wrld")+` != null`)
	clickIn(t, ana, "ana", "helo wrld", ".edit-msg")
	waitFor(t, ana, "the inline editor", `document.activeElement?.id === "edit-text"`)
	do(t, ana, "type the new text and Enter",
		evalVoid(`document.getElementById("edit-text").value = ""`),
		chromedp.SendKeys(chromedp.ID("edit-text"), "hello world\r"),
	)
	for _, page := range []context.Context{ana, bo} {
		waitFor(t, page, "the edit, marked", msgJS("ana", "hello world")+`?.querySelector(".edited")?.textContent === "(edited)"`)
	}
	if n := eval[int](t, bo, messagesJS("ana", "helo wrld")); n != 0 {
		t.Errorf("bo still shows the old text %d times", n)
	}

	// Reactions: bo picks 👍, ana sees it and adds hers, bo takes his back.
	clickIn(t, bo, "ana", "hello world", ".react-msg")
	waitFor(t, bo, "the picker", `document.querySelectorAll("#react-picker .pick").length === 8`)
	do(t, bo, "pick 👍", chromedp.Click(chromedp.CSS(`#react-picker .pick[data-emoji="👍"]`)))
	waitFor(t, bo, "bo's chip", chipJS("ana", "hello world", "👍")+` === "1 mine"`)
	waitFor(t, ana, "bo's reaction for ana", chipJS("ana", "hello world", "👍")+` === "1"`)
	if title := eval[string](t, ana, msgJS("ana", "hello world")+`.querySelector(".chip").title`); title != "bo" {
		t.Errorf("chip title = %q, want bo", title)
	}
	clickIn(t, ana, "ana", "hello world", `.chip[data-emoji="👍"]`)
	waitFor(t, bo, "two", chipJS("ana", "hello world", "👍")+` === "2 mine"`)
	waitFor(t, ana, "two, ana's too", chipJS("ana", "hello world", "👍")+` === "2 mine"`)
	clickIn(t, bo, "ana", "hello world", `.chip[data-emoji="👍"]`)
	waitFor(t, ana, "bo's taken back", chipJS("ana", "hello world", "👍")+` === "1 mine"`)
	waitFor(t, bo, "bo's taken back", chipJS("ana", "hello world", "👍")+` === "1"`)

	// A reply.
	clickIn(t, bo, "ana", "hello world", ".reply-msg")
	waitFor(t, bo, "the quote bar", `document.querySelector("#reply-bar .reply-text")?.textContent === "hello world" && document.activeElement?.id === "composer-text"`)
	say(t, bo, "indeed")
	waitFor(t, bo, "the bar gone", `document.getElementById("reply-bar") === null`)
	waitFor(t, ana, "the reply with its quote", msgJS("bo", "indeed")+`?.querySelector(".quote .quote-text")?.textContent === "hello world" &&
		`+msgJS("bo", "indeed")+`.querySelector(".quote .quote-from").textContent === "ana"`)
	clickIn(t, ana, "bo", "indeed", ".quote")
	waitFor(t, ana, "the original highlighted", msgJS("ana", "hello world")+`?.classList.contains("flash")`)

	// Escape and × cancel a reply.
	clickIn(t, ana, "bo", "indeed", ".reply-msg")
	waitFor(t, ana, "the quote bar", `document.getElementById("reply-bar") !== null`)
	do(t, ana, "Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, ana, "the bar gone", `document.getElementById("reply-bar") === null`)
	clickIn(t, ana, "bo", "indeed", ".reply-msg")
	do(t, ana, "×", chromedp.Click(chromedp.ID("reply-cancel")))
	waitFor(t, ana, "the bar gone", `document.getElementById("reply-bar") === null`)

	// Someone new gets it all from the history: the last text, edited,
	// the reaction, the quote.
	cy := newPage(t, newBrowser(t))
	signUp(t, cy, app.URL, "cy")
	waitFor(t, cy, "the history with its state", msgJS("ana", "hello world")+`?.querySelector(".edited") != null && `+
		chipJS("ana", "hello world", "👍")+` === "1" && `+msgJS("bo", "indeed")+`?.querySelector(".quote-text")?.textContent === "hello world"`)
}

// TestTypingAndReadState: ana typing shows on bo's page and goes; ana's
// messages in a room bo has not open are unread on both of bo's tabs, and
// reading them on one clears the other.
func TestTypingAndReadState(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	waitPresent(t, bo, "ana")

	do(t, ana, "type without sending", chromedp.SendKeys(chromedp.ID("composer-text"), "still typ"))
	waitFor(t, bo, "ana typing", `document.getElementById("typing").textContent === "ana is typing…"`)
	if got := eval[string](t, ana, `document.getElementById("typing").textContent`); got != "" {
		t.Errorf("ana sees her own typing: %q", got)
	}
	waitFor(t, bo, "the typing line gone", `document.getElementById("typing").textContent === ""`)

	joinRoom(t, ana, "side", "side")
	joinRoom(t, bo, "side", "side")
	waitPresent(t, ana, "bo")
	switchRoom(t, bo, "lobby")

	// bo's second tab: the same browser, the same session and rooms.
	bo2, cancel := chromedp.NewContext(bo)
	t.Cleanup(cancel)
	if err := chromedp.Do(bo2); err != nil {
		t.Fatal(err)
	}
	openChat(t, bo2, app.URL)
	waitCurrentRoom(t, bo2, "lobby")

	say(t, ana, "one in side")
	say(t, ana, "two in side")
	for _, page := range []context.Context{bo, bo2} {
		waitFor(t, page, "2 unread in side", unreadJS("side")+" === 2")
	}
	switchRoom(t, bo, "side")
	waitMessage(t, bo, "ana", "two in side")
	waitFor(t, bo2, "read on the other tab", unreadJS("side")+" === 0")

	// Opening the room again with news: the line stands above it.
	switchRoom(t, bo, "lobby")
	say(t, ana, "three in side")
	waitFor(t, bo, "1 unread", unreadJS("side")+" === 1")
	switchRoom(t, bo, "side")
	waitFor(t, bo, "the new-messages line above three", `document.getElementById("unread-line")?.nextElementSibling?.querySelector(".text")?.textContent === "three in side"`)
	waitFor(t, bo2, "read on the other tab", unreadJS("side")+" === 0")
}

// logConsole logs what a page says on its console: a panic in app.wasm
// shows there and nowhere else.
func logConsole(t *testing.T, page context.Context, who string) {
	go func() {
		for m, err := range chromedp.Console(page) {
			if err != nil {
				return
			}
			if text := m.String(); (m.IsException() || strings.Contains(text, "panic")) && !strings.Contains(text, "already exited") {
				t.Log(who, "console:", text)
			}
		}
	}()
}
