package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// joinRoom types a room's name in #room-form and waits until it is on
// screen.
func joinRoom(tb testing.TB, page context.Context, typed, name string) {
	tb.Helper()
	do(tb, page, "join "+typed,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("room-name").value = ""`),
		chromedp.SendKeys(chromedp.ID("room-name"), typed+"\r"),
	)
	waitCurrentRoom(tb, page, name)
}

// switchRoom clicks a room in #rooms.
func switchRoom(tb testing.TB, page context.Context, name string) {
	tb.Helper()
	do(tb, page, "switch to "+name,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#rooms li[data-room=%q] button`, name))))
	waitCurrentRoom(tb, page, name)
}

func waitCurrentRoom(tb testing.TB, page context.Context, name string) {
	tb.Helper()
	waitFor(tb, page, "room "+name+" on screen", fmt.Sprintf(
		`document.querySelector(".room-name")?.textContent === "#"+%q &&
		 document.querySelector('#rooms li[data-room=%q].current') !== null`, name, name))
}

// waitPresent waits until the room on screen lists a person in #presence;
// then the server has them in the room, and they get its messages.
func waitPresent(tb testing.TB, page context.Context, name string) {
	tb.Helper()
	waitFor(tb, page, name+" in #presence", fmt.Sprintf(
		`[...document.querySelectorAll("#presence .person-name")].some(e => e.textContent === %q)`, name))
}

// unreadJS reads a room's unread badge: its number, or 0 without one.
func unreadJS(room string) string {
	return fmt.Sprintf(`Number(document.querySelector('#rooms li[data-room=%q] .unread')?.textContent ?? 0)`, room)
}

// TestRooms covers the room list: a refused name, create and join, unread
// counts for a room not on screen, switching clears them, and leaving.
func TestRooms(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)

	// A name that cannot be a room is refused with the reason, and nothing
	// is joined.
	do(t, ana, "type a bad room name",
		chromedp.SendKeys(chromedp.ID("room-name"), "Bad Room!\r"))
	waitFor(t, ana, "the refusal", `document.getElementById("room-error").textContent.includes("may hold only") &&
		document.getElementById("room-name").getAttribute("aria-invalid") === "true"`)
	if n := eval[int](t, ana, `document.querySelectorAll("#rooms li").length`); n != 1 {
		t.Errorf("%d rooms listed after a refused name, want 1", n)
	}

	// What a person types is normalized: "Design Team" is design-team.
	joinRoom(t, ana, "Design Team", "design-team")
	joinRoom(t, bo, "design-team", "design-team")
	waitPresent(t, ana, "bo")
	waitPresent(t, bo, "ana")
	if got := eval[string](t, ana, `document.getElementById("online").textContent`); !strings.HasPrefix(got, "2 ") {
		t.Errorf("#online in design-team = %q, want 2", got)
	}

	// bo reads the lobby; ana writes in design-team: bo's badge counts.
	switchRoom(t, bo, "lobby")
	switchRoom(t, bo, "design-team") // still joined: switching does not leave
	switchRoom(t, bo, "lobby")
	say(t, ana, "first in design")
	say(t, ana, "second in design")
	waitFor(t, bo, "2 unread in design-team", unreadJS("design-team")+" === 2")
	if n := eval[int](t, bo, unreadJS("lobby")); n != 0 {
		t.Errorf("lobby, on screen, shows %d unread", n)
	}
	if title := eval[string](t, bo, `document.title`); title != "(2) Chat" {
		t.Errorf("title = %q, want (2) Chat", title)
	}
	// ana's own messages are not unread for ana, and the lobby message
	// below is on bo's screen.
	switchRoom(t, ana, "lobby")
	say(t, bo, "in the lobby")
	waitMessage(t, ana, "bo", "in the lobby")
	if n := eval[int](t, ana, unreadJS("design-team")); n != 0 {
		t.Errorf("ana's own messages counted as unread: %d", n)
	}

	switchRoom(t, bo, "design-team")
	waitMessage(t, bo, "ana", "second in design")
	waitFor(t, bo, "the badge cleared", unreadJS("design-team")+" === 0 && document.title === 'Chat'")
	if n := eval[int](t, bo, messagesJS("ana", "first in design")); n != 1 {
		t.Errorf("first message listed %d times", n)
	}

	// Leaving: the room goes from the list, the lobby comes on screen,
	// and the lobby itself has no leave button.
	do(t, bo, "leave design-team", chromedp.Click(chromedp.ID("leave")))
	waitCurrentRoom(t, bo, "lobby")
	waitFor(t, bo, "design-team gone", `document.querySelector('#rooms li[data-room="design-team"]') === null &&
		document.getElementById("leave") === null`)
	// ana sees bo go.
	switchRoom(t, ana, "design-team")
	waitFor(t, ana, "bo gone from design-team", `![...document.querySelectorAll("#presence .person-name")].some(e => e.textContent === "bo")`)

	// The room list survives a reload.
	do(t, ana, "reload", chromedp.Reload())
	waitCurrentRoom(t, ana, "design-team")
	waitConnected(t, ana)
	waitMessage(t, ana, "ana", "second in design")
}

// TestKeyboard drives the narrow layout with keys only: the menu button
// opens the drawer with the room on screen focused, Escape closes it and
// gives the focus back, Enter on a room switches to it.
func TestKeyboard(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	page := newPage(t, browser)
	openChat(t, page, app.URL)
	joinRoom(t, page, "kb", "kb")
	do(t, page, "a phone-sized window", chromedp.EmulateViewport(375, 740))
	waitFor(t, page, "the drawer shut on a phone", `getComputedStyle(document.getElementById("sidebar")).visibility === "hidden" &&
		getComputedStyle(document.getElementById("menu-toggle")).display !== "none"`)

	do(t, page, "focus the menu button and press Enter",
		chromedp.Focus(chromedp.ID("menu-toggle")),
		chromedp.KeyEvent("\r"))
	waitFor(t, page, "the drawer open, the current room focused",
		`document.activeElement?.dataset.room === "kb" &&
		 document.getElementById("menu-toggle").getAttribute("aria-expanded") === "true"`)
	do(t, page, "Escape", chromedp.KeyEvent("\x1b"))
	waitFor(t, page, "the drawer shut, focus back on the button",
		`document.activeElement?.id === "menu-toggle" &&
		 getComputedStyle(document.getElementById("sidebar")).visibility === "hidden"`)

	do(t, page, "open again", chromedp.KeyEvent("\r"))
	waitFor(t, page, "drawer open", `document.activeElement?.dataset.room === "kb"`)
	do(t, page, "focus the lobby and press Enter",
		chromedp.Focus(chromedp.CSS(`#rooms li[data-room="lobby"] button`)),
		chromedp.KeyEvent("\r"))
	waitCurrentRoom(t, page, "lobby")
	waitFor(t, page, "the composer focused, the drawer shut", `document.activeElement?.id === "composer-text" &&
		getComputedStyle(document.getElementById("sidebar")).visibility === "hidden"`)
}
