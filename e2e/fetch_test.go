package e2e

import (
	"testing"

	"chat/server"
)

// TestReplyToAMessageNotLoaded: cy opens the room after a hundred
// messages, so the original of bo's reply is not among those loaded;
// clicking the quote fetches it, shows it in its place and highlights it.
func TestReplyToAMessageNotLoaded(t *testing.T) {
	t.Parallel()
	app := startAppWith(t, func(c *server.Config) { c.EventRate, c.EventBurst = 10000, 10000 })
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	signUp(t, ana, app.URL, "ana")
	signUp(t, bo, app.URL, "bo")
	say(t, ana, "the original")
	waitMessage(t, bo, "ana", "the original")
	// 99 more, faster than typing them, so that a join's last 100 leave
	// the original out.
	dialBot(t, app, "zed", "lobby").say("lobby", "filler", 1, 99)
	waitMessage(t, bo, "zed", "filler 99")
	clickIn(t, bo, "ana", "the original", ".reply-msg")
	say(t, bo, "answering the original")
	waitFor(t, bo, "the reply stored", msgJS("bo", "answering the original")+`?.dataset.seq > 0`)

	cy := newPage(t, newBrowser(t))
	logConsole(t, cy, "cy")
	signUp(t, cy, app.URL, "cy")
	waitMessage(t, cy, "bo", "answering the original")
	if n := eval[int](t, cy, messagesJS("ana", "the original")); n != 0 {
		t.Fatalf("the original is loaded already (%d): the test shows nothing", n)
	}
	clickIn(t, cy, "bo", "answering the original", ".quote")
	waitFor(t, cy, "the original fetched and highlighted", msgJS("ana", "the original")+`?.classList.contains("flash")`)
	// Older history still fills in below it, not before it.
	waitFor(t, cy, "the history between", messagesJS("zed", "filler 1")+` === 1`)
	waitFor(t, cy, "in order", `(() => { const s = [...document.querySelectorAll("#messages li.msg")].map(li => +li.dataset.seq);
		return s.every((v, i) => i === 0 || s[i-1] < v) })()`)
}
