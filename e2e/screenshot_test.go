package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// screenshotDir is where TestScreenshots writes its images for a person to
// look at; e2e/.gitignore keeps them out of git.
var screenshotDir = filepath.Join("testdata", "screenshots")

// TestScreenshots fills two rooms with a conversation and photographs the
// app at desktop and phone widths, in light and dark, with the drawer open
// and offline. It checks only that the layout holds (nothing wider than the
// window); the images are for review.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	joinRoom(t, ana, "design", "design")
	joinRoom(t, bo, "design", "design")
	joinRoom(t, ana, "random", "random")
	switchRoom(t, ana, "lobby")
	switchRoom(t, bo, "lobby")
	waitPresent(t, ana, "bo")

	say(t, bo, "Morning! Is the build green again?")
	say(t, bo, "The deploy from last night looked stuck.")
	waitMessage(t, ana, "bo", "The deploy from last night looked stuck.")
	say(t, ana, "Yes, fixed it an hour ago: a flaky test in the NATS suite.")
	say(t, ana, "I'll post the details in #design.")
	waitMessage(t, bo, "ana", "I'll post the details in #design.")
	say(t, bo, `Great. And <b>this</b> stays text, <script>alert(1)</script> too.`)
	waitMessage(t, ana, "bo", `Great. And <b>this</b> stays text, <script>alert(1)</script> too.`)
	switchRoom(t, bo, "design")
	say(t, bo, "New mockups are up, have a look when you can.")
	waitFor(t, ana, "design unread", unreadJS("design")+" === 1")

	shoot := func(name string) { t.Helper(); shootPage(t, ana, name) }
	scheme := func(s string) { t.Helper(); colorScheme(t, ana, s) }
	settle := func() { t.Helper(); settled(t, ana) }

	scheme("light")
	do(t, ana, "desktop size", chromedp.EmulateViewport(1280, 800))
	settle()
	shoot("desktop-1280-light")
	scheme("dark")
	settle()
	shoot("desktop-1280-dark")

	scheme("light")
	do(t, ana, "phone size", chromedp.EmulateViewport(375, 740, chromedp.EmulateScale(2)))
	settle()
	shoot("phone-375-light")
	do(t, ana, "open the drawer", chromedp.Click(chromedp.ID("menu-toggle")))
	waitFor(t, ana, "drawer open", `document.querySelector(".app.menu-open") !== null`)
	settle()
	shoot("phone-375-drawer")
	do(t, ana, "close the drawer", chromedp.KeyEvent("\x1b"))
	waitFor(t, ana, "drawer shut", `document.querySelector(".app.menu-open") === null`)
	scheme("dark")
	settle()
	shoot("phone-375-dark")

	// Offline, with a message waiting in the outbox.
	scheme("light")
	app.stop()
	waitFor(t, ana, "unreachable", `document.querySelector('#status[data-state="unreachable"]') !== null`)
	say(t, ana, "This one waits for the connection.")
	waitFor(t, ana, "pending", `document.querySelector("li.pending.queued") !== null`)
	settle()
	shoot("phone-375-offline")
}

// shootPage writes a screenshot of the page to screenshotDir as name.png,
// after checking that nothing is wider than the window.
func shootPage(tb testing.TB, page context.Context, name string) {
	tb.Helper()
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if w := eval[int](tb, page, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		tb.Errorf("%s: the page is %d px wider than the window", name, w)
	}
	png := value(tb, page, "screenshot "+name, chromedp.CaptureScreenshot())
	path := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("wrote %s", path)
}

// colorScheme makes the page prefer a light or a dark scheme.
func colorScheme(tb testing.TB, page context.Context, scheme string) {
	tb.Helper()
	_, err := chromedp.Call(page, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// settled waits out the drawer's slide: every transition done (the status
// dot's pulse never ends, and is not waited for).
func settled(tb testing.TB, page context.Context) {
	tb.Helper()
	waitFor(tb, page, "transitions done", `document.getAnimations().every(a => a.effect?.getTiming().iterations === Infinity)`)
}
