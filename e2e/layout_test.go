package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"chat/server"
	"chat/wire"
)

// dayOverTextJS names the first message text that a day label covers, in
// the part of the list on screen, or is "".
const dayOverTextJS = `(() => {
	const view = document.getElementById("timeline").getBoundingClientRect();
	const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
	for (const day of document.querySelectorAll("#messages li.day span")) {
		const d = day.getBoundingClientRect();
		if (d.bottom <= view.top || d.top >= view.bottom) continue;
		for (const text of document.querySelectorAll("#messages li.msg .text")) {
			const r = text.getBoundingClientRect();
			if (r.bottom > view.top && r.top < view.bottom && overlap(d, r)) return day.textContent + " covers " + JSON.stringify(text.textContent);
		}
	}
	return "";
})()`

// TestPhoneLayout is issue 6 at a phone's width: a list at its end keeps
// to its end when the window narrows to 375 px and as messages come in;
// no day label covers a message's text, wherever the list is scrolled; and
// the room field takes at most wire.MaxRoomLen characters, with a refusal
// that wraps inside the drawer.
func TestPhoneLayout(t *testing.T) {
	t.Parallel()
	app := startAppWith(t, func(c *server.Config) { c.EventRate, c.EventBurst = 10000, 10000 })
	bot := dialBot(t, app, "bot", "lobby")
	for i := 1; i <= 40; i++ {
		bot.send(wire.Event{Type: wire.TypeSend, Room: "lobby", ID: "wrap-" + strconv.Itoa(i),
			Text: "Line of chat that is long enough to wrap onto a second line on a phone, number " + strconv.Itoa(i)})
	}
	browser := newBrowser(t)
	ana := newPage(t, browser)
	openChat(t, ana, app.URL)
	waitMessage(t, ana, "bot", "Line of chat that is long enough to wrap onto a second line on a phone, number 40")
	waitFor(t, ana, "the list at its end", fromEndJS+" < 2")

	do(t, ana, "narrow the window to a phone's", chromedp.EmulateViewport(375, 740, chromedp.EmulateScale(2)))
	waitFor(t, ana, "the list still at its end at 375 px", fromEndJS+" < 2")
	bot.say("lobby", "after-the-resize", 1, 1)
	waitMessage(t, ana, "bot", "after-the-resize 1")
	waitFor(t, ana, "the list follows the new message", fromEndJS+" < 2")
	if got := eval[string](t, ana, dayOverTextJS); got != "" {
		t.Errorf("at the end of the list: %s", got)
	}
	colorScheme(t, ana, "light")
	settled(t, ana)
	shootPage(t, ana, "phone-375-history-light")
	colorScheme(t, ana, "dark")
	settled(t, ana)
	shootPage(t, ana, "phone-375-history-dark")
	for _, top := range []int{200, 600, 1000} {
		do(t, ana, "scroll up the list", evalVoid(`document.getElementById("timeline").scrollTop = `+strconv.Itoa(top)))
		if got := eval[string](t, ana, dayOverTextJS); got != "" {
			t.Errorf("scrolled to %d: %s", top, got)
		}
	}

	// The room field, in the drawer.
	colorScheme(t, ana, "light")
	do(t, ana, "open the drawer", chromedp.Click(chromedp.ID("menu-toggle")))
	waitFor(t, ana, "drawer open", `document.querySelector(".app.menu-open") !== null`)
	settled(t, ana)
	checkRoomField(t, ana)
	shootPage(t, ana, "phone-375-room-error-light")
	colorScheme(t, ana, "dark")
	settled(t, ana)
	shootPage(t, ana, "phone-375-room-error-dark")
}

// TestDesktopRoomField is the room field at 1280 px: at most
// wire.MaxRoomLen characters, and a refusal that quotes a long name wraps
// inside the sidebar instead of running into the messages.
func TestDesktopRoomField(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana := newPage(t, browser)
	openChat(t, ana, app.URL)
	do(t, ana, "desktop size", chromedp.EmulateViewport(1280, 800))
	checkRoomField(t, ana)
	colorScheme(t, ana, "light")
	settled(t, ana)
	shootPage(t, ana, "desktop-1280-room-error-light")
	colorScheme(t, ana, "dark")
	settled(t, ana)
	shootPage(t, ana, "desktop-1280-room-error-dark")
}

// checkRoomField types 64 characters into #room-name (32 are taken), then
// a bad name of 32, and checks that the refusal stays inside the sidebar.
func checkRoomField(tb testing.TB, page context.Context) {
	tb.Helper()
	do(tb, page, "type a 64-character room name",
		evalVoid(`document.getElementById("room-name").value = ""`),
		chromedp.SendKeys(chromedp.ID("room-name"), strings.Repeat("abcdefgh", 8)))
	if n := eval[int](tb, page, `document.getElementById("room-name").value.length`); n != 32 {
		tb.Errorf("the room field took %d characters, want 32 (wire.MaxRoomLen)", n)
	}
	bad := "Bad!" + strings.Repeat("x", 28)
	do(tb, page, "submit a bad 32-character name",
		evalVoid(`document.getElementById("room-name").value = ""`),
		chromedp.SendKeys(chromedp.ID("room-name"), bad+"\r"))
	waitFor(tb, page, "the refusal", `document.getElementById("room-error").textContent.includes("may hold only")`)
	inside := eval[string](tb, page, `(() => {
		const side = document.getElementById("sidebar"), err = document.getElementById("room-error");
		const s = side.getBoundingClientRect(), e = err.getBoundingClientRect();
		if (e.right > s.right) return "the refusal ends " + Math.round(e.right - s.right) + " px past the sidebar";
		if (err.scrollWidth > err.clientWidth) return "the refusal overflows its box by " + (err.scrollWidth - err.clientWidth) + " px";
		if (side.scrollWidth > side.clientWidth) return "the sidebar scrolls sideways by " + (side.scrollWidth - side.clientWidth) + " px";
		return "";
	})()`)
	if inside != "" {
		tb.Error(inside)
	}
}
