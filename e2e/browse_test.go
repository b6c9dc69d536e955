package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowseRooms: a room ana made is in bo's list of public rooms, and
// its Join button puts bo in it.
func TestBrowseRooms(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	joinRoom(t, ana, "plans", "plans")
	say(t, ana, "the plan")
	waitMessage(t, ana, "ana", "the plan")
	// Presence reaches the server's aggregate at its own pace (up to a
	// second): ana's page shows it once it is there.
	waitFor(t, ana, "ana counted in plans", `document.getElementById("online").textContent === "1 online"`)

	do(t, bo, "Browse rooms", chromedp.Click(chromedp.ID("browse-rooms")))
	waitFor(t, bo, "plans listed", `document.querySelector('#public-rooms li[data-room="plans"] .public-counts')?.textContent === "1 online · active now"`)
	if got := eval[string](t, bo, `document.querySelector('#public-rooms li[data-room="plans"] button').textContent`); got != "Join" {
		t.Errorf("the button says %q, want Join", got)
	}
	do(t, bo, "Join", chromedp.Click(chromedp.CSS(`#public-rooms li[data-room="plans"] button`)))
	waitCurrentRoom(t, bo, "plans")
	waitMessage(t, bo, "ana", "the plan")
	waitFor(t, bo, "the dialog closed", `document.getElementById("browse-dialog") === null`)

	// Escape closes it.
	do(t, bo, "Browse rooms", chromedp.Click(chromedp.ID("browse-rooms")))
	waitFor(t, bo, "the dialog", `document.getElementById("browse-dialog") !== null`)
	do(t, bo, "Escape", chromedp.KeyEvent("\x1b"))
	waitFor(t, bo, "the dialog closed", `document.getElementById("browse-dialog") === null && document.activeElement?.id === "browse-rooms"`)
}
