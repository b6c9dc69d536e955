package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// shootSizes photographs the page at 1280 and 375 px, light and dark, as
// name-1280-light.png and so on, after waiting out transitions; wait runs
// after each resize (a layout may move things about).
func shootSizes(t *testing.T, page context.Context, name string, wait func()) {
	t.Helper()
	for _, size := range []struct {
		label string
		w, h  int64
		phone bool
	}{{"1280", 1280, 800, false}, {"375", 375, 740, true}} {
		if size.phone {
			do(t, page, "phone size", chromedp.EmulateViewport(size.w, size.h, chromedp.EmulateScale(2)))
		} else {
			do(t, page, "desktop size", chromedp.EmulateViewport(size.w, size.h))
		}
		if wait != nil {
			wait()
		}
		for _, scheme := range []string{"light", "dark"} {
			colorScheme(t, page, scheme)
			settled(t, page)
			shootPage(t, page, name+"-"+size.label+"-"+scheme)
		}
	}
}

// TestScreenshotsAccounts photographs the pages of accounts: the chat as a
// guest, an account in a private room with the members panel open, and
// the sign-in and sign-up pages, each at 1280 and 375 px in light and
// dark. It checks that nothing is wider than the window; the images are
// for review.
func TestScreenshotsAccounts(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana, bo, guest := newPage(t, browser), newPage(t, browser), newPage(t, browser)

	// The sign-in and sign-up pages, with a refusal on the first.
	do(t, guest, "open the sign-in page", chromedp.Navigate(app.URL+"login"),
		chromedp.WaitVisible(chromedp.CSS(`#login[data-ready="true"] #login-name`)),
		chromedp.SendKeys(chromedp.ID("login-name"), "nobody"),
		chromedp.SendKeys(chromedp.ID("login-password"), "wrong password\r"))
	waitFor(t, guest, "refused", `document.getElementById("login-error").textContent.length > 0`)
	shootSizes(t, guest, "login", nil)
	do(t, guest, "open the sign-up page", chromedp.Navigate(app.URL+"signup"),
		chromedp.WaitVisible(chromedp.CSS(`#signup[data-ready="true"] #signup-name`)))
	shootSizes(t, guest, "signup", nil)

	// Two accounts in a private room with a topic, and a guest's message
	// in the lobby.
	signUp(t, ana, app.URL, "ana")
	signUp(t, bo, app.URL, "bo")
	openChat(t, guest, app.URL)
	guestName := eval[string](t, guest, `document.getElementById("me-name").textContent`)
	say(t, guest, "Hi all, just looking around before I sign up.")
	waitMessage(t, ana, guestName, "Hi all, just looking around before I sign up.")
	say(t, ana, "Welcome! Ask away.")
	waitMessage(t, guest, "ana", "Welcome! Ask away.")
	do(t, guest, "desktop size", chromedp.EmulateViewport(1280, 800))
	shootSizes(t, guest, "guest-chat", nil)

	createPrivateRoom(t, ana, "Launch plans")
	openPanel(t, ana)
	do(t, ana, "set the topic",
		chromedp.SendKeys(chromedp.ID("topic-text"), "Q3 launch: dates, owners, risks\r"))
	waitFor(t, ana, "the topic", `document.getElementById("room-topic")?.textContent.startsWith("Q3")`)
	do(t, ana, "add bo", chromedp.SendKeys(chromedp.ID("add-member-name"), "bo\r"))
	waitFor(t, ana, "two members", `document.querySelectorAll("#members li").length === 2`)
	waitFor(t, bo, "bo has the room", `document.querySelector("#private-rooms li .room-label")?.textContent === "Launch plans"`)
	do(t, bo, "open it", chromedp.Click(chromedp.CSS("#private-rooms li button")))
	waitRoomTitle(t, bo, "Launch plans")
	say(t, ana, "Draft timeline is in the doc; launch is the 14th.")
	waitMessage(t, bo, "ana", "Draft timeline is in the doc; launch is the 14th.")
	say(t, bo, "Looks good. I'll take the release notes.")
	waitMessage(t, ana, "bo", "Looks good. I'll take the release notes.")
	say(t, ana, "Thanks! I'll book the review for Thursday.")
	do(t, ana, "make an invite link", chromedp.Click(chromedp.ID("copy-invite")))
	waitFor(t, ana, "the link", `document.getElementById("invite-link")?.value.includes("/invite/")`)
	shootSizes(t, ana, "private-room-panel", func() {
		waitFor(t, ana, "the panel open", `document.getElementById("room-panel") !== null`)
	})
	do(t, ana, "close the panel", chromedp.Click(chromedp.ID("panel-close")))
	shootSizes(t, ana, "private-room", nil)
}
