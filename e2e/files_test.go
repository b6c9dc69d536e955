package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"chat/server"
)

// fileMax is the test server's limit on one file: small, so that a
// too-big file is cheap to make.
const fileMax = 64 << 10

// TestFilesNotificationsBots is files, notifications and bots in one
// browser session (each start of a browser and two sign-ups cost seconds):
// ana (the admin) pastes a screenshot, picks a text file and one too big,
// sees the server's refusal next to it and a file still uploading, sends;
// bo sees the image laid out at its size before it loads, then loaded,
// and the file card; a file dropped on the chat goes alone. bo turns
// notifications on; with his tab hidden, a mention raises one and a plain
// message does not, until he chooses "every message" for the room; a Web
// Push delivered to the service worker shows too, and a notification's
// path opens its room at the message. Last, ana makes a bot on /admin, whose post bo sees
// with a bot badge, gives it a new token and revokes it. Screenshots of
// each part at 1280 and 375 px, light and dark.
func TestFilesNotificationsBots(t *testing.T) {
	t.Parallel()
	app := startAppWith(t, func(c *server.Config) { c.FileMax = fileMax })
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	logConsole(t, ana, "ana")
	logConsole(t, bo, "bo")
	code, err := app.srv.SetupInvite(context.Background())
	if err != nil || code == "" {
		t.Fatalf("setup invite: %q, %v", code, err)
	}
	signUpAt(t, ana, app.URL+"signup?invite="+code, "ana")
	waitFor(t, ana, "signed up as ana", `document.getElementById("me-name")?.textContent === "ana"`)
	waitConnected(t, ana)
	signUp(t, bo, app.URL, "bo")
	waitPresent(t, ana, "bo")

	start := time.Now()
	sendFiles(t, ana, bo)
	t.Logf("files: %.1f s", time.Since(start).Seconds())

	start = time.Now()
	notifications(t, app, ana, bo)
	t.Logf("notifications: %.1f s", time.Since(start).Seconds())

	start = time.Now()
	bots(t, app, ana, bo)
	t.Logf("bots: %.1f s", time.Since(start).Seconds())
}

// attachmentJS is the state of the composer's chip for a file name:
// uploading, done, failed, or "" for none.
func attachmentJS(name string) string {
	return fmt.Sprintf(`([...document.querySelectorAll("#attachments li.attachment")].find(li =>
		li.querySelector(".attachment-name")?.textContent === %q)?.dataset.state ?? "")`, name)
}

// pasteScreenshotJS draws a 600×360 PNG (under the 640 px past which the
// server makes a thumbnail, slow under the race detector) in the page and pastes it into the
// composer as a real paste event would carry a screenshot: a File in the
// event's DataTransfer. It reports whether the app took the event (its
// default prevented: no text was pasted).
const pasteScreenshotJS = `(async () => {
	const c = document.createElement("canvas");
	c.width = 600; c.height = 360;
	const g = c.getContext("2d");
	g.fillStyle = "#0ea5e9"; g.fillRect(0, 0, 600, 360);
	g.fillStyle = "#ffffff"; g.font = "bold 56px sans-serif"; g.fillText("Build #42 passed", 40, 110);
	g.fillStyle = "#0f172a"; g.fillRect(40, 170, 520, 36); g.fillRect(40, 240, 380, 36);
	const blob = await new Promise(r => c.toBlob(r, "image/png"));
	const dt = new DataTransfer();
	dt.items.add(new File([blob], "screenshot.png", {type: "image/png"}));
	const field = document.getElementById("composer-text");
	field.focus();
	const ev = new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true});
	return !field.dispatchEvent(ev);
})()`

func sendFiles(t *testing.T, ana, bo context.Context) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notes := write("notes.txt", []byte("release notes: the build is green\n"))
	big := write("big.bin", make([]byte, fileMax+40_000))
	report := write("report.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 30_000)...))

	if !value(t, ana, "paste a screenshot", chromedp.Evaluate[bool](pasteScreenshotJS, chromedp.EvalAwaitPromise)) {
		t.Error("the paste of a screenshot was not taken by the app (its default was not prevented)")
	}
	waitFor(t, ana, "the screenshot uploaded", attachmentJS("screenshot.png")+` === "done"`)
	if src := eval[string](t, ana, `document.querySelector("#attachments .attachment-thumb")?.src ?? ""`); !strings.HasPrefix(src, "blob:") {
		t.Errorf("the screenshot's chip shows %q, want its own preview (a blob: URL)", src)
	}

	do(t, ana, "pick a text file and one too big",
		chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{notes, big}, chromedp.NodeReady))
	waitFor(t, ana, "the text file uploaded", attachmentJS("notes.txt")+` === "done"`)
	waitFor(t, ana, "the big one refused", attachmentJS("big.bin")+` === "failed"`)
	refusal := eval[string](t, ana, `[...document.querySelectorAll("#attachments li.attachment")].find(li =>
		li.querySelector(".attachment-name")?.textContent === "big.bin")?.querySelector('.attachment-error[role="alert"]')?.textContent ?? ""`)
	if !strings.Contains(refusal, "too big") || !strings.Contains(refusal, "64 KiB") {
		t.Errorf("the too-big file says %q, want the server's reason with its limit", refusal)
	}

	// A slow upload, to see its progress bar move and to photograph it
	// beside the refusal: the network is throttled for ana's tab. The
	// server's answer is held until the photographs and the refused send
	// are done: the upload is still under way then however long they take
	// (on a busy machine they outlasted its 5 s, and it was done).
	throttle(t, ana, 6000)
	answerHeld, answerGo := holdResponses(t, ana, "*/files?name=report.pdf*")
	do(t, ana, "pick a file on a slow network", chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{report}, chromedp.NodeReady))
	waitFor(t, ana, "report.pdf under way", attachmentJS("report.pdf")+` === "uploading" && (() => {
		const p = document.querySelector("#attachments .attachment-progress"); return p !== null && p.value > 0 && p.value < 100; })()`)
	do(t, ana, "type the message", chromedp.SendKeys(chromedp.ID("composer-text"), "Screenshot of the green build, and the notes"))
	shot := time.Now()
	shootSizes(t, ana, "files-composer", nil)
	do(t, ana, "desktop size", chromedp.EmulateViewport(1280, 800))
	t.Log("shots", time.Since(shot))
	if state := eval[string](t, ana, attachmentJS("report.pdf")); state != "uploading" {
		t.Errorf("report.pdf is %q after the screenshots, want still uploading (they show it done)", state)
	}

	// Sending waits for what is not ready: the text stays.
	do(t, ana, "send with a refused file there", chromedp.Click(chromedp.ID("composer-send")))
	waitFor(t, ana, "told to remove it", `document.getElementById("error").textContent.includes("still uploading") ||
		document.getElementById("error").textContent.includes("could not be uploaded")`)
	if text := eval[string](t, ana, `document.getElementById("composer-text").value`); text != "Screenshot of the green build, and the notes" {
		t.Errorf("the composer holds %q after a refused send, want the text kept", text)
	}
	// The slow one goes through; the refused one is taken out.
	answerHeld()
	answerGo()
	waitFor(t, ana, "report.pdf uploaded", attachmentJS("report.pdf")+` === "done"`)
	throttle(t, ana, -1)
	do(t, ana, "remove big.bin", chromedp.Click(chromedp.CSS(`#attachments button[aria-label="Remove big.bin"]`)))
	waitFor(t, ana, "big.bin gone", attachmentJS("big.bin")+` === ""`)

	// bo's browser holds the thumbnail's request: the image's box must be
	// there before its bytes are.
	bypassServiceWorker(t, bo)
	waitHeld, release := holdRequests(t, bo, "*/thumb*")
	do(t, ana, "send", chromedp.Click(chromedp.ID("composer-send")))
	waitFor(t, ana, "the composer emptied", `document.getElementById("attachments") === null && document.getElementById("composer-text").value === ""`)
	waitMessage(t, bo, "ana", "Screenshot of the green build, and the notes")
	waitHeld()
	img := msgJS("ana", "Screenshot of the green build, and the notes") + `.querySelector("img.image")`
	box := eval[string](t, bo, `(() => { const i = `+img+`; const r = i.getBoundingClientRect();
		return i.getAttribute("width") + "x" + i.getAttribute("height") + " " + Math.round(r.width) + "x" + Math.round(r.height) + " natural " + i.naturalWidth; })()`)
	if box != "320x192 320x192 natural 0" {
		t.Errorf("the image before it loads: %s, want 320x192 set and laid out, nothing loaded", box)
	}
	release()
	waitFor(t, bo, "the image loaded", img+`.complete && `+img+`.naturalWidth === 600`)
	if h := eval[int](t, bo, `Math.round(`+img+`.getBoundingClientRect().height)`); h != 192 {
		t.Errorf("the loaded image is %d px high, want the 192 it had before (no jump)", h)
	}
	link := eval[string](t, bo, img+`.closest("a").getAttribute("href") + " " + `+img+`.closest("a").target`)
	if !strings.HasPrefix(link, "/files/") || !strings.HasSuffix(link, " _blank") || strings.Contains(link, "/thumb") {
		t.Errorf("the image links to %q, want the full image /files/{id} in a new tab", link)
	}

	card := msgJS("ana", "Screenshot of the green build, and the notes") + `.querySelector("a.file-card")`
	got := eval[string](t, bo, card+`.querySelector(".file-name").textContent + " | " + `+card+`.querySelector(".file-meta").textContent + " | " + `+card+`.getAttribute("download")`)
	if got != "notes.txt | 34 B · text/plain | notes.txt" {
		t.Errorf("the file card says %q", got)
	}
	body := value(t, bo, "download the file", chromedp.Evaluate[string](`fetch(`+card+`.getAttribute("href")).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if body != "release notes: the build is green\n" {
		t.Errorf("the card's link gives %q", body)
	}

	// A message of files alone, dropped on the chat: a real drop event
	// carrying a File, as a drag from the desktop gives.
	if !value(t, ana, "drop a file", chromedp.Evaluate[bool](`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(["dropped on the chat\n"], "dropped.txt", {type: "text/plain"}));
		const over = new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true});
		const taken = !document.getElementById("timeline").dispatchEvent(over);
		document.getElementById("timeline").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return taken;
	})()`)) {
		t.Error("a dragover with files was not taken (its default not prevented): the browser would open the file")
	}
	waitFor(t, ana, "uploaded", attachmentJS("dropped.txt")+` === "done"`)
	do(t, ana, "send it without text", chromedp.Click(chromedp.ID("composer-send")))
	waitFor(t, bo, "a message of a file alone", `[...document.querySelectorAll("#messages li.msg")].some(li =>
		li.querySelector(".text") === null && li.querySelector(".file-card .file-name")?.textContent === "dropped.txt")`)
	shootSizes(t, bo, "files-message", nil)
	do(t, bo, "desktop size", chromedp.EmulateViewport(1280, 800))
}

// holdRequests makes the browser hold the page's requests that match the
// pattern until release lets them go; waitHeld waits for the first.
func holdRequests(tb testing.TB, tab context.Context, pattern string) (waitHeld func(), release func()) {
	tb.Helper()
	return holdAt(tb, tab, pattern, fetch.RequestStageRequest)
}

// holdResponses is holdRequests for the server's answers: the requests go
// out whole (an upload's bytes, its progress), and the page gets no answer
// until release.
func holdResponses(tb testing.TB, tab context.Context, pattern string) (waitHeld func(), release func()) {
	tb.Helper()
	return holdAt(tb, tab, pattern, fetch.RequestStageResponse)
}

func holdAt(tb testing.TB, tab context.Context, pattern string, stage fetch.RequestStage) (waitHeld func(), release func()) {
	tb.Helper()
	held := make(chan fetch.RequestID, 16)
	events := chromedp.Events(tab, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			held <- ev.RequestID
		}
	}()
	if _, err := chromedp.Call(tab, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern, RequestStage: stage}}}); err != nil {
		tb.Fatal(err)
	}
	var first fetch.RequestID
	waitHeld = func() {
		tb.Helper()
		select {
		case first = <-held:
		case <-time.After(20 * time.Second):
			tb.Fatal("the page never asked for " + pattern)
		}
	}
	release = func() {
		tb.Helper()
		for id := first; id != ""; {
			if _, err := chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
				tb.Fatal(err)
			}
			select {
			case id = <-held:
			default:
				id = ""
			}
		}
		if _, err := chromedp.Call(tab, fetch.Disable, struct{}{}); err != nil {
			tb.Fatal(err)
		}
	}
	return waitHeld, release
}

// throttle limits a tab's uploads to bytesPerSecond (-1: no limit). It
// slows only requests the tab makes itself: one the service worker made
// for it would not be slowed, and the upload test sees that the worker
// leaves uploads to the page (app/worker.go), as their progress needs.
func throttle(tb testing.TB, tab context.Context, bytesPerSecond float64) {
	tb.Helper()
	if _, err := chromedp.Call(tab, emulateNetworkConditionsByRule, conditionsByRule{
		MatchedNetworkConditions: []*network.Conditions{{UploadThroughput: bytesPerSecond, DownloadThroughput: -1}},
	}); err != nil {
		tb.Fatalf("throttle the uploads to %v B/s: %v", bytesPerSecond, err)
	}
}

// conditionsByRule is Network.emulateNetworkConditionsByRule's params with
// offline at the top as well: Chromium 148 requires it there (and refuses
// the command without it, "Invalid parameters"), while the protocol
// cdproto v0.159.0 was made from has it in each rule only. Each browser
// reads the field it knows.
type conditionsByRule struct {
	Offline                  bool                  `json:"offline"`
	MatchedNetworkConditions []*network.Conditions `json:"matchedNetworkConditions"`
}

var emulateNetworkConditionsByRule = cdp.Command[conditionsByRule, network.EmulateNetworkConditionsByRuleResult]{
	Method: network.CommandEmulateNetworkConditionsByRule,
}

// bypassServiceWorker makes a tab's requests go to the network itself,
// not through go-app's service worker (which fetches the GETs it does not
// cache): only then does the tab's interception see them.
func bypassServiceWorker(tb testing.TB, tab context.Context) {
	tb.Helper()
	if _, err := chromedp.Call(tab, network.SetBypassServiceWorker, network.SetBypassServiceWorkerParams{Bypass: true}); err != nil {
		tb.Fatal(err)
	}
}
