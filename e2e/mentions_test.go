package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestMentions: bo completes @a to @ana from the room's people; ana's page
// marks the mention, and counts it on the room's badge while she is
// elsewhere.
func TestMentions(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	logConsole(t, bo, "bo")
	joinRoom(t, ana, "team", "team")
	joinRoom(t, bo, "team", "team")
	waitPresent(t, bo, "ana")
	switchRoom(t, ana, "lobby")

	do(t, bo, "type @a", chromedp.SendKeys(chromedp.ID("composer-text"), "hey @a"))
	waitFor(t, bo, "ana offered", `document.querySelector('#mention-list .mention-option[aria-selected="true"]')?.textContent === "@ana"`)
	do(t, bo, "Tab picks", chromedp.KeyEvent(kb.Tab))
	waitFor(t, bo, "completed", `document.getElementById("composer-text").value === "hey @ana " && document.getElementById("mention-list") === null`)
	do(t, bo, "finish and send", chromedp.SendKeys(chromedp.ID("composer-text"), "look\r"))
	waitMessage(t, bo, "bo", "hey @ana look")
	say(t, bo, "and no mention")

	waitFor(t, ana, "1 mention of 2 unread", `document.querySelector('#rooms li[data-room="team"] .mentioned')?.textContent === "@1" && `+unreadJS("team")+` === 2`)
	switchRoom(t, ana, "team")
	waitFor(t, ana, "the mention marked", msgJS("bo", "hey @ana look")+`?.querySelector(".mention.me")?.textContent === "@ana"`)
}
