package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// waitShellCached waits until the service worker controls the page and its
// cache holds the shell: then a reload works with the server down. (go-app's
// worker fills its cache without waitUntil, so "activated" alone does not
// say the cache is full.)
func waitShellCached(tb testing.TB, page context.Context) {
	tb.Helper()
	waitFor(tb, page, "the service worker and its cache", `(() => {
		caches.keys()
			.then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.keys()))))
			.then(all => { window.__cached = all.flat().map(r => new URL(r.url).pathname) });
		const c = window.__cached || [];
		return navigator.serviceWorker.controller !== null &&
			["/", "/web/app.wasm", "/app.js", "/wasm_exec.js", "/web/base.css", "/web/chat.css", "/web/stats.css"].every(p => c.includes(p));
	})()`)
}

func waitState(tb testing.TB, page context.Context, state string) {
	tb.Helper()
	waitFor(tb, page, "status "+state, fmt.Sprintf(`document.querySelector('#status[data-state=%q]') !== null`, state))
}

// TestOfflineReloadAndResume: with the server down, a reload shows the app
// from the service worker's cache, with the rooms and their last messages
// from localStorage, and says it is offline; when the server is back, the
// page reconnects by itself and resumes each room where it stopped.
func TestOfflineReloadAndResume(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	joinRoom(t, ana, "ops", "ops")
	joinRoom(t, bo, "ops", "ops")
	waitPresent(t, ana, "bo")
	say(t, bo, "before the outage")
	waitMessage(t, ana, "bo", "before the outage")
	waitShellCached(t, ana)

	app.stop()
	waitState(t, ana, "unreachable")
	do(t, ana, "reload with the server down", chromedp.Reload())
	waitState(t, ana, "unreachable")
	waitCurrentRoom(t, ana, "ops")
	waitMessage(t, ana, "bo", "before the outage")
	if !eval[bool](t, ana, `document.getElementById("offline") !== null && document.querySelector('#rooms li[data-room="lobby"]') !== null`) {
		t.Error("offline: no #offline notice, or the room list was not restored")
	}

	app.start()
	waitConnected(t, ana)
	waitConnected(t, bo)
	// Live again, in the room that was resumed.
	waitPresent(t, ana, "bo")
	say(t, bo, "after the outage")
	waitMessage(t, ana, "bo", "after the outage")
	if n := eval[int](t, ana, messagesJS("bo", "before the outage")); n != 1 {
		t.Errorf("the message from before the outage is listed %d times", n)
	}
	if eval[bool](t, ana, `document.getElementById("offline") !== null`) {
		t.Error("#offline still shown once connected")
	}
}

// TestOutboxDeliveredOnce is issue 4 in the browser: a message typed while
// the server is down is shown as pending, kept across a reload, and
// delivered exactly once when the server is back; then it shows as sent.
func TestOutboxDeliveredOnce(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	say(t, ana, "while connected")
	waitMessage(t, bo, "ana", "while connected")
	waitShellCached(t, ana)

	app.stop()
	waitState(t, ana, "unreachable")
	const text = "typed while the server was down"
	say(t, ana, text)
	waitFor(t, ana, "a queued pending message", `document.querySelector("#messages li.pending.queued .text")?.textContent === `+jsString(text))
	id := eval[string](t, ana, `document.querySelector("#messages li.pending").dataset.id`)

	// The outbox outlives the page.
	do(t, ana, "reload while offline", chromedp.Reload())
	waitState(t, ana, "unreachable")
	waitFor(t, ana, "the pending message after the reload", fmt.Sprintf(`document.querySelector('#messages li.pending[data-id=%q]') !== null`, id))

	app.start()
	waitConnected(t, ana)
	sentJS := fmt.Sprintf(`document.querySelectorAll('#messages li.msg[data-id=%q]').length`, id)
	waitFor(t, ana, "pending turned to sent", sentJS+` === 1 && document.querySelector("#messages li.pending") === null`)
	waitMessage(t, bo, "ana", text)

	// Anything stored twice would come before a later message: after it,
	// the count is final.
	waitConnected(t, bo)
	say(t, ana, "and one more")
	waitMessage(t, bo, "ana", "and one more")
	waitMessage(t, ana, "ana", "and one more")
	if n := eval[int](t, bo, messagesJS("ana", text)); n != 1 {
		t.Errorf("bo sees the offline message %d times, want once", n)
	}
	if n := eval[int](t, ana, sentJS); n != 1 {
		t.Errorf("ana lists it %d times, want once", n)
	}
	// And a reload, now from the server's history, still shows it once.
	do(t, bo, "reload bo", chromedp.Reload())
	waitConnected(t, bo)
	waitMessage(t, bo, "ana", "and one more")
	if n := eval[int](t, bo, messagesJS("ana", text)); n != 1 {
		t.Errorf("after a reload bo sees it %d times, want once", n)
	}
}

// TestFirstDayOfflineReload is a visitor who has only been in the lobby:
// with the server down, the last head count is not shown as live, and a
// reload shows the lobby's messages from storage, not an empty room, with
// the head count unknown rather than 0.
func TestFirstDayOfflineReload(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	say(t, bo, "hello lobby")
	waitMessage(t, ana, "bo", "hello lobby")
	waitFor(t, ana, "2 online", `document.getElementById("online").textContent === "2 online"`)
	waitShellCached(t, ana)

	app.stop()
	waitState(t, ana, "unreachable")
	waitFor(t, ana, "the head count marked as not live", `(() => {
		const o = document.getElementById("online");
		return o.classList.contains("stale") && /^2 online at \d\d:\d\d$/.test(o.textContent) &&
			document.getElementById("presence").classList.contains("stale");
	})()`)

	do(t, ana, "reload with the server down", chromedp.Reload())
	waitState(t, ana, "unreachable")
	waitMessage(t, ana, "bo", "hello lobby")
	if eval[bool](t, ana, `document.querySelector("#messages .empty") !== null`) {
		t.Error(`"No messages yet" shown over the lobby's stored messages`)
	}
	if got := eval[string](t, ana, `document.getElementById("online").textContent`); got != "Online: unknown" {
		t.Errorf("#online after a reload offline = %q, want Online: unknown", got)
	}
}

// setNetwork makes the browser say it has, or has not, a network
// (navigator.onLine and its online and offline events), as turning Wi-Fi
// off does; the server on loopback stays reachable.
func setNetwork(tb testing.TB, page context.Context, up bool) {
	tb.Helper()
	if _, err := chromedp.Call(page, network.Enable, network.EnableParams{}); err != nil {
		tb.Fatal(err)
	}
	if _, err := chromedp.Call(page, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: !up, DownloadThroughput: -1, UploadThroughput: -1,
	}); err != nil {
		tb.Fatal(err)
	}
}

// statusJS reads what #status, the banner and #error say, as
// state|label|banner|error.
const statusJS = `[document.getElementById("status").dataset.state, document.querySelector("#status .status-text").textContent,
	document.getElementById("offline")?.textContent ?? "", document.getElementById("error").textContent].join("|")`

// TestStatusSaysWhatIsTrue: with the server down, a page whose connection
// dropped and a page loaded since say the same thing (the server cannot be
// reached, with a retry); a page whose browser has no network says that
// instead, and back online it is like the others again.
func TestStatusSaysWhatIsTrue(t *testing.T) {
	t.Parallel()
	app, ana, bo := anaAndBo(t)
	waitShellCached(t, bo)
	app.stop()
	waitState(t, ana, "unreachable")
	do(t, bo, "reload bo with the server down", chromedp.Reload())
	waitState(t, bo, "unreachable")
	dropped, loaded := eval[string](t, ana, statusJS), eval[string](t, bo, statusJS)
	if dropped != loaded {
		t.Errorf("with the server down, the page whose connection dropped says %q, the page loaded since %q", dropped, loaded)
	}
	if !strings.HasPrefix(dropped, "unreachable|Server unreachable|") || !eval[bool](t, ana, `document.getElementById("reconnect") !== null`) {
		t.Errorf("server down: %q, want it said unreachable with a retry", dropped)
	}

	do(t, ana, "desktop size", chromedp.EmulateViewport(1280, 800))
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ana, scheme)
		settled(t, ana)
		shootPage(t, ana, "desktop-1280-unreachable-"+scheme)
	}

	setNetwork(t, bo, false)
	waitState(t, bo, "offline")
	if got := eval[string](t, bo, statusJS); !strings.HasPrefix(got, "offline|Offline|You are offline") {
		t.Errorf("no network: %q", got)
	}
	say(t, bo, "typed without a network")
	waitFor(t, bo, "the waiting message says why", `document.querySelector("#messages li.pending.queued .note")?.textContent === "Will be sent when you are back online."`)
	do(t, bo, "phone size", chromedp.EmulateViewport(375, 740, chromedp.EmulateScale(2)))
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, bo, scheme)
		settled(t, bo)
		shootPage(t, bo, "phone-375-no-network-"+scheme)
	}
	setNetwork(t, bo, true)
	waitState(t, bo, "unreachable")
	if got := eval[string](t, bo, statusJS); got != eval[string](t, ana, statusJS) {
		t.Errorf("network back, server still down: %q, while the other page says %q", got, eval[string](t, ana, statusJS))
	}
	waitFor(t, bo, "the waiting message says why", `document.querySelector("#messages li.pending.queued .note")?.textContent === "Will be sent when the server is back."`)

	app.start()
	waitConnected(t, ana)
	waitConnected(t, bo)
	waitMessage(t, ana, "bo", "typed without a network")
}
