package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"
)

// shownNotification is what the service worker shows, as
// getNotifications reads it.
type shownNotification struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	Path  string `json:"path"`
}

// notificationsJS lists the notifications of the page's service worker
// registration, which go-app's worker and the page both show through. A
// read while one is being shown deletes that one from the list: read it
// when none is (notificationWatch.wait).
const notificationsJS = `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns =>
	JSON.stringify(ns.map(n => ({title: n.title, body: n.body, path: n.data?.goapp?.path ?? ""}))))`

// shownNotifications reads them.
func shownNotifications(tb testing.TB, page context.Context) []shownNotification {
	tb.Helper()
	raw := value(tb, page, "read the notifications", chromedp.Evaluate[string](notificationsJS, chromedp.EvalAwaitPromise))
	var list []shownNotification
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		tb.Fatalf("notifications %s: %v", raw, err)
	}
	return list
}

func notifications(t *testing.T, app *chatServer, ana, bo context.Context) {
	t.Helper()
	origin := strings.TrimSuffix(app.URL, "/")
	allowNotifications(t, bo, origin)
	// Counted as the browser displays them, page's and worker's alike
	// (notify_watch_test.go): reading the list while one is being shown
	// would lose it.
	seen := watchNotifications(t, bo, origin)

	do(t, bo, "open the bell", chromedp.Click(chromedp.ID("notify-toggle")))
	waitFor(t, bo, "the room's setting, the default", `document.getElementById("notify-level-mentions")?.checked === true`)
	do(t, bo, "turn notifications on", chromedp.Click(chromedp.ID("notify-on")))
	waitFor(t, bo, "on", `document.getElementById("notify-toggle").dataset.on === "true" &&
		document.getElementById("notify-off") !== null && document.getElementById("notify-note").textContent !== ""`)
	shootSizes(t, bo, "notify-setting", nil)
	do(t, bo, "desktop size", chromedp.EmulateViewport(1280, 800))

	// bo's tab goes to the background. Headless Chromium has no window to
	// hide, and Emulation has no visibility override: the page's own
	// document.visibilityState and hidden are overridden and the event
	// fired, which is what the app reads.
	do(t, bo, "hide bo's tab", evalVoid(`Object.defineProperty(document, "visibilityState", {get: () => "hidden", configurable: true});
		Object.defineProperty(document, "hidden", {get: () => true, configurable: true});
		document.dispatchEvent(new Event("visibilitychange"))`))

	say(t, ana, "Lunch is at noon today")
	say(t, ana, "@bo the release is out")
	waitMessage(t, bo, "ana", "@bo the release is out")
	waitFor(t, ana, "stored", msgJS("ana", "@bo the release is out")+`?.dataset.seq > 0`)
	seq := eval[string](t, ana, msgJS("ana", "@bo the release is out")+`.dataset.seq`)
	list := seen.wait(t, 1)
	want := shownNotification{Title: "ana in #lobby", Body: "@bo the release is out", Path: "/?room=lobby&seq=" + seq}
	if list[0] != want {
		t.Errorf("the mention's notification: %+v, want %+v (and none for the message that names nobody)", list[0], want)
	}

	// Every message of the lobby, from now on: the page follows the choice.
	do(t, bo, "choose every message", chromedp.Click(chromedp.ID("notify-level-all")))
	waitFor(t, bo, "saved", `document.getElementById("notify-note").textContent === "Saved."`)
	saved := value(t, bo, "the server's record", chromedp.Evaluate[string](`fetch("/api/rooms/lobby/notify").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if !strings.Contains(saved, `"level":"all"`) {
		t.Errorf("GET /api/rooms/lobby/notify = %s after choosing every message", saved)
	}
	say(t, ana, "Coffee is ready")
	list = seen.wait(t, 2)
	if list[1].Body != "Coffee is ready" {
		t.Errorf("second notification %+v, want the plain message", list[1])
	}

	// A direct message: "every message" by default, a room whose choice
	// bo's page has not asked for yet (it asks, then shows).
	do(t, ana, "a direct message to bo",
		chromedp.Click(chromedp.ID("new-direct")),
		chromedp.WaitVisible(chromedp.ID("dialog-input")),
		chromedp.SendKeys(chromedp.ID("dialog-input"), "bo\r"))
	waitFor(t, ana, "the conversation on screen", `document.querySelector("#direct-rooms li.current") !== null`)
	waitPresent(t, ana, "bo") // bo's page joined it: what comes now is live
	say(t, ana, "Are you free at three?")
	list = seen.wait(t, 3)
	if got := list[2]; got.Title != "ana" || got.Body != "Are you free at three?" || !strings.HasPrefix(got.Path, "/?room=dm-") {
		t.Errorf("the direct message's notification: %+v", got)
	}

	// A Web Push as the push service would hand it to the service worker
	// (the server's payload), through DevTools: go-app's worker shows it.
	registrations := make(chan serviceworker.RegistrationID, 8)
	events := chromedp.Events(bo, serviceworker.WorkerRegistrationUpdated)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			for _, r := range ev.Registrations {
				if !r.IsDeleted && strings.HasPrefix(r.ScopeURL, origin) {
					registrations <- r.RegistrationID
				}
			}
		}
	}()
	if _, err := chromedp.Call(bo, serviceworker.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	var reg serviceworker.RegistrationID
	select {
	case reg = <-registrations:
	case <-time.After(10 * time.Second):
		t.Fatal("no service worker registration reported for " + origin)
	}
	payload := `{"title":"ana in #town","body":"The deploy is done","path":"/?room=town&seq=5","icon":"/web/icon-192.png"}`
	if _, err := chromedp.Call(bo, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
		Origin: origin, RegistrationID: reg, Data: payload,
	}); err != nil {
		t.Fatal(err)
	}
	list = seen.wait(t, 4)
	if got := list[3]; got != (shownNotification{Title: "ana in #town", Body: "The deploy is done", Path: "/?room=town&seq=5"}) {
		t.Errorf("the push shows %+v", got)
	}
	do(t, bo, "show bo's tab again", evalVoid(`delete document.visibilityState; delete document.hidden;
		document.dispatchEvent(new Event("visibilitychange"))`))

	// A click on a notification, with the page open: go-app's worker
	// posts its path to the page, whose goappNav navigates in place. The
	// page opens the room bo is not in yet, at the message.
	joinRoom(t, ana, "town", "town")
	say(t, ana, "Town hall at six")
	waitFor(t, ana, "stored", msgJS("ana", "Town hall at six")+`?.dataset.seq > 0`)
	townSeq := eval[string](t, ana, msgJS("ana", "Town hall at six")+`.dataset.seq`)
	do(t, bo, "click the notification", evalVoid(`goappNav("/?room=town&seq=`+townSeq+`")`))
	waitCurrentRoom(t, bo, "town")
	waitFor(t, bo, "at the message", msgJS("ana", "Town hall at six")+`?.classList.contains("flash") && location.search === ""`)
	switchRoom(t, bo, "lobby")
}
