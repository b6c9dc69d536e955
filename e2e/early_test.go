package e2e

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// holdWasm makes the browser hold the page's request for app.wasm until
// the returned func lets it go, as a slow network would: until then the
// page is the server's prerendering under the loading screen.
func holdWasm(tb testing.TB, tab context.Context) (waitHeld func(), release func()) {
	tb.Helper()
	return holdRequests(tb, tab, "*/web/app.wasm*")
}

// TestTypedBeforeTheAppRuns is issue 4: with app.wasm still loading, a
// person tabs into the prerendered composer, types a message and presses
// Enter, then types another without sending it. The page must not submit
// the plain-HTML way (a reload to /?text=…); when the app runs, the first
// message is sent and the second is back in the field, with the focus.
func TestTypedBeforeTheAppRuns(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	openChat(t, bo, app.URL)

	var navigations atomic.Int32
	if err := chromedp.Listen(ana, func(ev any) {
		if _, ok := ev.(*page.EventFrameRequestedNavigation); ok {
			navigations.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	waitHeld, release := holdWasm(t, ana)
	do(t, ana, "open the page", chromedp.Navigate(app.URL))
	waitHeld()
	if !eval[bool](t, ana, `document.getElementById("app-wasm-loader") !== null && document.getElementById("composer-text") !== null`) {
		t.Fatal("no prerendered composer under the loading screen")
	}
	url := eval[string](t, ana, `window.__marker = "same page"; location.href`)
	do(t, ana, "type and press Enter, then type more",
		chromedp.SendKeys(chromedp.ID("composer-text"), "typed before the app ran\r"),
		chromedp.SendKeys(chromedp.ID("composer-text"), "still typing"),
	)
	if n := navigations.Load(); n != 0 {
		t.Errorf("Enter in the prerendered composer asked for %d navigations", n)
	}

	release()
	waitConnected(t, ana)
	waitFor(t, bo, "the message at bo", `[...document.querySelectorAll("#messages li.msg .text")].some(e => e.textContent === "typed before the app ran")`)
	waitFor(t, ana, "the message sent", `[...document.querySelectorAll("#messages li.msg.mine .text")].some(e => e.textContent === "typed before the app ran")`)
	if got := eval[string](t, ana, `document.getElementById("composer-text").value`); got != "still typing" {
		t.Errorf("the composer holds %q after the app started, want the text typed before", got)
	}
	if !eval[bool](t, ana, `document.activeElement?.id === "composer-text"`) {
		t.Error("the focus is not back in the composer")
	}
	if got := eval[string](t, ana, `location.href`); got != url {
		t.Errorf("the address changed from %s to %s", url, got)
	}
	if eval[string](t, ana, `window.__marker ?? ""`) != "same page" || navigations.Load() != 0 {
		t.Error("the page was reloaded")
	}
}
