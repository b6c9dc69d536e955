package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMessageActionsScreenshots photographs a conversation with reactions,
// an edited message, a reply and the typing line, at phone and desktop
// widths, light and dark, for review (msgactions-*.png).
func TestMessageActionsScreenshots(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	logConsole(t, ana, "ana")
	waitPresent(t, ana, "bo")

	say(t, bo, "Lunch at the usual place at noon?")
	waitMessage(t, ana, "bo", "Lunch at the usual place at noon?")
	say(t, ana, "Sure, I'll book a tabel for four.")
	waitMessage(t, ana, "ana", "Sure, I'll book a tabel for four.")
	waitFor(t, ana, "stored", msgJS("ana", "Sure, I'll book a tabel for four.")+`?.dataset.seq > 0`)
	clickIn(t, ana, "ana", "Sure, I'll book a tabel for four.", ".edit-msg")
	waitFor(t, ana, "the editor", `document.activeElement?.id === "edit-text"`)
	do(t, ana, "fix the typo",
		evalVoid(`document.getElementById("edit-text").value = ""`),
		chromedp.SendKeys(chromedp.ID("edit-text"), "Sure, I'll book a table for four.\r"),
	)
	waitFor(t, bo, "the edit", msgJS("ana", "Sure, I'll book a table for four.")+`?.querySelector(".edited") != null`)

	for _, emoji := range []string{"👍", "🎉"} {
		clickIn(t, bo, "bo", "Lunch at the usual place at noon?", ".react-msg")
		do(t, bo, "pick "+emoji, chromedp.Click(chromedp.CSS(`#react-picker .pick[data-emoji="`+emoji+`"]`)))
		waitFor(t, ana, "bo's "+emoji, chipJS("bo", "Lunch at the usual place at noon?", emoji)+` === "1"`)
	}
	clickIn(t, ana, "bo", "Lunch at the usual place at noon?", `.chip[data-emoji="👍"]`)
	waitFor(t, ana, "two 👍", chipJS("bo", "Lunch at the usual place at noon?", "👍")+` === "2 mine"`)

	clickIn(t, bo, "ana", "Sure, I'll book a table for four.", ".reply-msg")
	say(t, bo, "Perfect, thanks @ana! Cy and Dee are coming too.")
	waitFor(t, ana, "the reply", msgJS("bo", "Perfect, thanks @ana! Cy and Dee are coming too.")+`?.querySelector(".quote") != null`)
	clickIn(t, ana, "bo", "Perfect, thanks @ana! Cy and Dee are coming too.", ".react-msg")
	do(t, ana, "pick ❤️", chromedp.Click(chromedp.CSS(`#react-picker .pick[data-emoji="❤️"]`)))
	waitFor(t, ana, "ana's ❤️", chipJS("bo", "Perfect, thanks @ana! Cy and Dee are coming too.", "❤️")+` === "1 mine"`)
	// ana starts answering a message too: the quote bar over the composer.
	clickIn(t, ana, "bo", "Perfect, thanks @ana! Cy and Dee are coming too.", ".reply-msg")
	waitFor(t, ana, "the quote bar", `document.getElementById("reply-bar") !== null`)

	// bo types; the line holds for a few seconds after each key.
	typing := func() {
		t.Helper()
		do(t, bo, "bo types", evalVoid(`document.getElementById("composer-text").value = ""`),
			chromedp.SendKeys(chromedp.ID("composer-text"), "see y"))
		waitFor(t, ana, "bo typing", `document.getElementById("typing").textContent === "bo is typing…"`)
	}
	// Pointer off the messages: their buttons show on hover only.
	do(t, ana, "focus the composer", chromedp.Focus(chromedp.ID("composer-text")))

	for _, size := range []struct {
		name   string
		width  int64
		height int64
		scale  float64
	}{{"desktop-1280", 1280, 800, 1}, {"phone-375", 375, 740, 2}} {
		do(t, ana, size.name, chromedp.EmulateViewport(size.width, size.height, chromedp.EmulateScale(size.scale)))
		for _, scheme := range []string{"light", "dark"} {
			colorScheme(t, ana, scheme)
			settled(t, ana)
			typing()
			shootPage(t, ana, "msgactions-"+size.name+"-"+scheme)
		}
	}
	// The picker open, on a phone.
	clickIn(t, ana, "bo", "Lunch at the usual place at noon?", ".react-msg")
	waitFor(t, ana, "the picker", `document.getElementById("react-picker") !== null`)
	colorScheme(t, ana, "light")
	settled(t, ana)
	shootPage(t, ana, "msgactions-phone-375-picker")

	// The public rooms to browse, on a desktop.
	do(t, ana, "close the picker", chromedp.KeyEvent("\x1b"))
	joinRoom(t, bo, "design", "design")
	do(t, bo, "clear the composer", evalVoid(`document.getElementById("composer-text").value = ""`))
	say(t, bo, "mockups")
	waitFor(t, bo, "stored", msgJS("bo", "mockups")+`?.dataset.seq > 0`)
	do(t, ana, "desktop", chromedp.EmulateViewport(1280, 800))
	do(t, ana, "Browse rooms", chromedp.Click(chromedp.ID("browse-rooms")))
	waitFor(t, ana, "design listed", `document.querySelector('#public-rooms li[data-room="design"]') !== null`)
	settled(t, ana)
	shootPage(t, ana, "msgactions-desktop-1280-browse")
}
