package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// createPrivateRoom makes a private room through the sidebar's dialog and
// waits until it is on screen; it returns the room's id.
func createPrivateRoom(tb testing.TB, page context.Context, title string) string {
	tb.Helper()
	do(tb, page, "new private room "+title,
		chromedp.Click(chromedp.ID("new-private")),
		chromedp.WaitVisible(chromedp.ID("dialog-input")),
		chromedp.SendKeys(chromedp.ID("dialog-input"), title+"\r"))
	waitRoomTitle(tb, page, title)
	return eval[string](tb, page, `document.querySelector("#private-rooms li.current").dataset.room`)
}

// waitRoomTitle waits until the header shows a private room's title, with
// the room current in #private-rooms.
func waitRoomTitle(tb testing.TB, page context.Context, title string) {
	tb.Helper()
	waitFor(tb, page, title+" on screen", fmt.Sprintf(
		`document.querySelector(".room-name")?.textContent === %q &&
		 document.querySelector("#private-rooms li.current .room-label")?.textContent === %q`, title, title))
}

// openPanel opens the room's settings and waits for its members.
func openPanel(tb testing.TB, page context.Context) {
	tb.Helper()
	do(tb, page, "open the room's settings", chromedp.Click(chromedp.ID("room-settings")))
	waitFor(tb, page, "the members", `document.querySelectorAll("#members li").length > 0`)
}

// TestPrivateRoomByInvitation: ana makes a private room; its invitation
// link brings bo in, who signs up from it; cy, who has an account, opens a
// second link and is let in at once; both chat with ana there. dan, not
// invited, sees nothing of it and is refused it by id. Removed, cy loses
// the room at once.
func TestPrivateRoomByInvitation(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana, bo, cy, dan := newPage(t, browser), newPage(t, browser), newPage(t, browser), newPage(t, browser)
	signUp(t, ana, app.URL, "ana")
	signUp(t, cy, app.URL, "cy")
	signUp(t, dan, app.URL, "dan")
	room := createPrivateRoom(t, ana, "Plans")

	openPanel(t, ana)
	if !eval[bool](t, ana, `[...document.querySelectorAll("#members li")].some(li => li.textContent.includes("ana") && li.querySelector(".role-badge")?.textContent === "owner")`) {
		t.Error("ana is not listed as the owner")
	}
	invite := func() string {
		t.Helper()
		do(t, ana, "copy an invite link", evalVoid(`document.getElementById("invite-link") && (document.getElementById("invite-link").value = "")`),
			chromedp.Click(chromedp.ID("copy-invite")))
		waitFor(t, ana, "the link", `document.getElementById("invite-link")?.value.includes("/invite/")`)
		return eval[string](t, ana, `document.getElementById("invite-link").value`)
	}

	// bo has no account: the link offers to make one, which lands in the room.
	link := invite()
	do(t, bo, "open the invitation", chromedp.Navigate(link))
	waitFor(t, bo, "the offer", `document.getElementById("page-title")?.textContent === "You're invited to Plans" &&
		document.getElementById("invite-signup") !== null`)
	do(t, bo, "create an account from it", chromedp.Click(chromedp.ID("invite-signup")))
	waitFor(t, bo, "the sign-up page says so", `document.querySelector('#signup[data-ready="true"] #page-title')?.textContent === "You're invited to Plans"`)
	do(t, bo, "sign up", chromedp.SendKeys(chromedp.ID("signup-name"), "bo"),
		chromedp.SendKeys(chromedp.ID("signup-password"), testPassword+"\r"))
	waitRoomTitle(t, bo, "Plans")
	waitConnected(t, bo)

	// cy has an account: the link lets her in at once.
	link = invite()
	do(t, cy, "open the second invitation", chromedp.Navigate(link))
	waitRoomTitle(t, cy, "Plans")

	say(t, ana, "welcome to Plans")
	waitMessage(t, bo, "ana", "welcome to Plans")
	waitMessage(t, cy, "ana", "welcome to Plans")
	say(t, bo, "thanks, bo here")
	waitMessage(t, ana, "bo", "thanks, bo here")
	waitFor(t, ana, "three members", `document.querySelectorAll("#members li").length === 3`)

	// dan: not in the list, and no access by id.
	if n := eval[int](t, dan, `document.querySelectorAll("#private-rooms li").length`); n != 0 {
		t.Errorf("dan lists %d private rooms", n)
	}
	do(t, dan, "join the room by its id",
		chromedp.SendKeys(chromedp.ID("room-name"), room+"\r"))
	waitFor(t, dan, "no access", `document.getElementById("error").textContent === "You don't have access to this room."`)
	waitFor(t, dan, "the room dropped", fmt.Sprintf(`document.querySelector('li[data-room=%q]') === null && document.querySelector(".room-name").textContent === "#lobby"`, room))
	if n := eval[int](t, dan, messagesJS("ana", "welcome to Plans")); n != 0 {
		t.Error("dan sees the room's messages")
	}

	// ana removes cy, whose page loses the room at once.
	do(t, ana, "remove cy", chromedp.Click(chromedp.CSS(`#members li .remove-member[data-name="cy"]`)))
	waitFor(t, ana, "two members", `document.querySelectorAll("#members li").length === 2`)
	waitFor(t, cy, "cy told", `document.getElementById("error").textContent === "You don't have access to this room."`)
	waitFor(t, cy, "the room gone from cy's list", fmt.Sprintf(`document.querySelector('li[data-room=%q]') === null`, room))

	// The owner sets the topic; bo leaves.
	do(t, ana, "set the topic",
		evalVoid(`document.getElementById("topic-text").value = ""`),
		chromedp.SendKeys(chromedp.ID("topic-text"), "Q3 launch\r"))
	waitFor(t, ana, "the topic in the header", `document.getElementById("room-topic")?.textContent === "Q3 launch"`)
	openPanel(t, bo)
	if n := eval[int](t, bo, `document.querySelectorAll("#topic-form, #copy-invite, .remove-member").length`); n != 0 {
		t.Error("a member is offered the owner's controls")
	}
	do(t, bo, "leave the room", chromedp.Click(chromedp.ID("leave-room")))
	waitFor(t, bo, "the room gone", fmt.Sprintf(`document.querySelector('li[data-room=%q]') === null && document.querySelector(".room-name").textContent === "#lobby"`, room))
	do(t, ana, "close the panel", chromedp.Click(chromedp.ID("panel-close")))
	// The header widens as the panel goes: a click aimed before that lands
	// on whatever moved under it (the search button).
	waitFor(t, ana, "the panel closed", `document.getElementById("room-panel") === null`)
	openPanel(t, ana)
	waitFor(t, ana, "one member left", `document.querySelectorAll("#members li").length === 1`)
}

// TestDirectMessage: ana starts a direct message with bo by name (a name
// that is no account is refused in the dialog); it is named for bo on
// ana's side and for ana on bo's, whose page lists it at once.
func TestDirectMessage(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	// The dialog with the keyboard: focus in its field, the page behind
	// inert, Escape closes it and gives the focus back.
	do(t, ana, "open the dialog", chromedp.Click(chromedp.ID("new-direct")))
	waitFor(t, ana, "the field focused, the page inert", `document.activeElement?.id === "dialog-input" &&
		document.querySelector(".pane").inert && document.getElementById("sidebar").inert`)
	do(t, ana, "Escape", chromedp.KeyEvent("\x1b"))
	waitFor(t, ana, "closed, focus back", `document.getElementById("room-dialog") === null &&
		document.activeElement?.id === "new-direct" && !document.querySelector(".pane").inert`)
	do(t, ana, "new direct message",
		chromedp.Click(chromedp.ID("new-direct")),
		chromedp.WaitVisible(chromedp.ID("dialog-input")),
		chromedp.SendKeys(chromedp.ID("dialog-input"), "nobody-here\r"))
	waitFor(t, ana, "refused", `document.getElementById("dialog-error").textContent.includes("nobody-here")`)
	do(t, ana, "with bo",
		evalVoid(`document.getElementById("dialog-input").value = ""`),
		chromedp.SendKeys(chromedp.ID("dialog-input"), "bo\r"))
	waitFor(t, ana, "the conversation on screen", `document.querySelector(".room-name")?.textContent === "bo" &&
		document.querySelector("#direct-rooms li.current") !== null`)
	say(t, ana, "just between us")

	// bo's page hears of it (the server's rooms event), with no reload.
	waitFor(t, bo, "the conversation listed as ana", `document.querySelector("#direct-rooms li .room-label")?.textContent === "ana"`)
	do(t, bo, "open it", chromedp.Click(chromedp.CSS("#direct-rooms li button")))
	waitMessage(t, bo, "ana", "just between us")
}

// TestDeleteOwnMessage: ana deletes her message, confirming in place with
// the keyboard; it disappears from bo's page too. bo is offered no delete
// on ana's messages.
func TestDeleteOwnMessage(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	say(t, ana, "oops, wrong room")
	say(t, ana, "this one stays")
	waitMessage(t, bo, "ana", "this one stays")
	if n := eval[int](t, bo, `document.querySelectorAll("#messages .delete-msg").length`); n != 0 {
		t.Errorf("bo is offered %d delete buttons on ana's messages", n)
	}
	target := `[...document.querySelectorAll("#messages li.msg")].find(li => li.querySelector(".text")?.textContent === "oops, wrong room")`
	do(t, ana, "focus the delete button and press Enter",
		evalVoid(target+`.querySelector(".delete-msg").focus()`),
		chromedp.KeyEvent("\r"))
	waitFor(t, ana, "the confirmation, focused", `document.activeElement?.id === "confirm-delete"`)
	do(t, ana, "confirm", chromedp.KeyEvent("\r"))
	waitFor(t, bo, "gone at bo", messagesJS("ana", "oops, wrong room")+" === 0")
	waitFor(t, ana, "gone at ana", messagesJS("ana", "oops, wrong room")+" === 0")
	if n := eval[int](t, bo, messagesJS("ana", "this one stays")); n != 1 {
		t.Error("the other message went too")
	}
	// Still gone after a reload (history is served without it).
	do(t, bo, "reload", chromedp.Reload())
	waitConnected(t, bo)
	waitMessage(t, bo, "ana", "this one stays")
	if n := eval[int](t, bo, messagesJS("ana", "oops, wrong room")); n != 0 {
		t.Error("the deleted message is back after a reload")
	}
}
