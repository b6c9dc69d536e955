// Package e2e drives the real app.wasm in headless Chromium (Debian's
// chromium, through chromedp) against a real server on loopback.
package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	chatapp "chat/app"
	"chat/server"
)

// webDir is the repo's web/ folder: make builds app.wasm there.
var webDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "web")
}()

func TestMain(m *testing.M) {
	chatapp.Register()
	os.Exit(m.Run())
}

// chromiumPath finds the browser. On CI (CI=true) a missing browser fails
// the run; on a developer machine the test says it was skipped and why.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "no chromium on PATH: install it with `apt-get install -y chromium` (.ci/run does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip("browser test skipped: " + why)
	return ""
}

// requireWasm fails unless make has built the UI.
func requireWasm(t *testing.T) {
	t.Helper()
	for _, f := range []string{"app.wasm", "app.wasm.gz", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join(webDir, f)); err != nil {
			t.Fatalf("%s missing in %s: run `make build` (make test does it first)", f, webDir)
		}
	}
}

// startApp runs a real chat server with the UI on a loopback port.
func startApp(t *testing.T) (*server.Server, string) {
	t.Helper()
	requireWasm(t)
	cfg := server.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.WebDir = webDir
	cfg.Version = "test"
	cfg.PresenceEvery = 200 * time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.UI = func(v string) http.Handler { return chatapp.Handler(v) }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, hs.URL
}

// newBrowser starts one headless Chromium for the test; each page it opens
// gets its own browser context (own storage, like a separate person).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts the browser, with no deadline
		t.Fatalf("start chromium: %v", err)
	}
	return browser
}

// newPage opens a tab in a fresh browser context.
func newPage(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	page, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first run opens the tab and binds it to the context it is given:
	// give it one with no deadline, so that per-step deadlines do not close it.
	if err := chromedp.Do(page); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return page
}

// do runs steps with a deadline, failing the test with what was being done.
func do(t *testing.T, page context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(page, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value, with a deadline.
func value[T any](t *testing.T, page context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(page, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

const connected = `#status[data-state="connected"]`

// openChat loads the app and waits until it is connected.
func openChat(t *testing.T, page context.Context, url string) {
	t.Helper()
	do(t, page, "open the app and connect",
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(connected)),
	)
}

func setName(t *testing.T, page context.Context, name string) {
	t.Helper()
	do(t, page, "set name "+name,
		chromedp.WaitVisible(chromedp.ID("name")),
		// chromedp's SetValue cannot set an empty value; clear it in the page.
		chromedp.Evaluate[chromedp.Void](`document.getElementById("name").value = ""`),
		chromedp.SendKeys(chromedp.ID("name"), name+"\r"),
		chromedp.WaitVisible(chromedp.CSS(connected)),
	)
}

func say(t *testing.T, page context.Context, text string) {
	t.Helper()
	do(t, page, "type and send "+text,
		chromedp.WaitVisible(chromedp.ID("composer-text")),
		chromedp.SendKeys(chromedp.ID("composer-text"), text+"\r"),
	)
}

// waitMessage waits until a chat message with this sender and text is listed.
func waitMessage(t *testing.T, page context.Context, from, text string) {
	t.Helper()
	js := fmt.Sprintf(`[...document.querySelectorAll("#messages li.msg")].some(li =>
		li.querySelector(".from")?.textContent.trim() === %q &&
		li.querySelector(".text")?.textContent === %q)`, from, text)
	do(t, page, fmt.Sprintf("wait for %s: %s", from, text),
		chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(20*time.Second)))
}

func TestTwoPagesChat(t *testing.T) {
	_, url := startApp(t)
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	openChat(t, ana, url)
	openChat(t, bo, url)
	setName(t, ana, "ana")
	setName(t, bo, "bo")

	say(t, ana, "hello from ana")
	waitMessage(t, bo, "ana", "hello from ana")
	waitMessage(t, ana, "ana", "hello from ana")

	say(t, bo, "hi ana, bo here")
	waitMessage(t, ana, "bo", "hi ana, bo here")

	do(t, ana, "wait for 2 online",
		chromedp.Poll[chromedp.Void](`document.querySelector("#online").textContent.includes("2")`, chromedp.WithPollingTimeout(10*time.Second)))
	online := value(t, ana, "read the online count", chromedp.Text(chromedp.ID("online")))
	if !strings.Contains(online, "2") {
		t.Errorf("#online = %q, want 2 people", online)
	}
}
