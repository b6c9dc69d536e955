// Package e2e drives the real app.wasm in headless Chromium (Debian's
// chromium, through chromedp) against a real server on loopback.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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
	code := m.Run()
	shared.close()
	os.Exit(code)
}

// chromiumPath finds the browser. On CI (CI=true) a missing browser fails
// the run; on a developer machine the test says it was skipped and why.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "no chromium on PATH: install it with `apt-get install -y chromium` (.ci/run does)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(why)
	}
	tb.Skip("browser test skipped: " + why)
	return ""
}

// requireWasm fails unless make has built the UI.
func requireWasm(tb testing.TB) {
	tb.Helper()
	for _, f := range []string{"app.wasm", "app.wasm.gz", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join(webDir, f)); err != nil {
			tb.Fatalf("%s missing in %s: run `make build` (make test does it first)", f, webDir)
		}
	}
}

// chatServer is a real chat server with the UI on a loopback port that
// stays the same across stop and start, as does its data directory: a
// restarted server is the same server to the pages, with the same history.
type chatServer struct {
	tb      testing.TB
	addr    string // 127.0.0.1:port
	URL     string // http://127.0.0.1:port/
	dir     string
	Version string // cfg.Version of the next start

	configure func(*server.Config) // changes to the defaults, for every start

	srv *server.Server
	hs  *http.Server
}

// startApp starts a server on a free port, stopped at the end of the test.
func startApp(tb testing.TB) *chatServer {
	tb.Helper()
	return startAppWith(tb, nil)
}

// startAppWith is startApp with changes to the server's configuration.
func startAppWith(tb testing.TB, configure func(*server.Config)) *chatServer {
	tb.Helper()
	requireWasm(tb)
	ln := listenBelowEphemeral(tb)
	a := &chatServer{tb: tb, addr: ln.Addr().String(), dir: tb.TempDir(), Version: "test", configure: configure}
	a.URL = "http://" + a.addr + "/"
	a.serve(ln)
	tb.Cleanup(a.stop)
	return a
}

// listenBelowEphemeral listens on a loopback port below Linux's ephemeral
// range (32768 and up by default). A port from that range, left free while
// the server is down, can be taken by any outgoing connection (the page's
// own reconnect attempts, say), and the restart would then fail.
func listenBelowEphemeral(tb testing.TB) net.Listener {
	tb.Helper()
	var err error
	for range 100 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))); err == nil {
			return ln
		}
	}
	tb.Fatalf("no free port: %v", err)
	return nil
}

// start serves again on the same address, with a.Version.
func (a *chatServer) start() {
	a.tb.Helper()
	var ln net.Listener
	var err error
	// The old socket may linger for a moment after the stop.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ln, err = net.Listen("tcp", a.addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		a.tb.Fatalf("listen again on %s: %v", a.addr, err)
	}
	a.serve(ln)
}

func (a *chatServer) serve(ln net.Listener) {
	a.tb.Helper()
	cfg := server.DefaultConfig()
	cfg.Addr = a.addr
	cfg.DataDir = a.dir
	cfg.WebDir = webDir
	cfg.Version = a.Version
	cfg.PresenceEvery = 200 * time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(testOutput{a.tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.UI = func(v string) http.Handler { return chatapp.Handler(v) }
	if a.configure != nil {
		a.configure(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := server.New(ctx, cfg)
	if err != nil {
		ln.Close()
		a.tb.Fatal(err)
	}
	a.srv = s
	a.hs = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go a.hs.Serve(ln)
}

// stop closes the listener and every connection, WebSockets included, as a
// server going down does. It may be called twice.
func (a *chatServer) stop() {
	if a.srv == nil {
		return
	}
	a.hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.srv.Shutdown(ctx)
	a.srv, a.hs = nil, nil
}

// testOutput sends the server's warnings to the test's log.
type testOutput struct{ tb testing.TB }

func (o testOutput) Write(p []byte) (int, error) {
	o.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// newBrowser returns the headless Chromium the tests share. Each page a
// test opens gets its own browser context (own storage, cookies and
// permissions, like a separate person), so tests run side by side in one
// browser: a browser started for each test cost its start-up and its own
// GPU, network and utility processes, for nothing the tests look at.
func newBrowser(tb testing.TB) context.Context {
	tb.Helper()
	path := chromiumPath(tb)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "e2e-chromium-")
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = dir
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserOptions(path, dir)...)
		ctx, cancel := chromedp.NewContext(alloc)
		shared.ctx, shared.cancel = ctx, func() { cancel(); cancelAlloc() }
		shared.err = chromedp.Do(ctx) // starts the browser, with no deadline
	})
	if shared.err != nil {
		tb.Fatalf("start chromium: %v", shared.err)
	}
	return shared.ctx
}

// shared is the browser of newBrowser, started by the first test that asks.
var shared sharedBrowser

type sharedBrowser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	dir    string // its profile
	err    error
}

func (b *sharedBrowser) close() {
	if b.cancel != nil {
		b.cancel()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// newBrowserWith starts a Chromium of the test's own, with more flags (a
// certificate to trust), or for what needs the browser's own profile (an
// installation).
func newBrowserWith(tb testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	opts := append(browserOptions(chromiumPath(tb), tb.TempDir()), extra...)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	tb.Cleanup(cancel)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	tb.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts the browser, with no deadline
		tb.Fatalf("start chromium: %v", err)
	}
	return browser
}

// browserOptions are the flags of every browser the tests start.
func browserOptions(path, profile string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
}

// newPage opens a tab in a fresh browser context.
func newPage(tb testing.TB, browser context.Context) context.Context {
	tb.Helper()
	page, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	tb.Cleanup(cancel)
	// The first run opens the tab and binds it to the context it is given:
	// give it one with no deadline, so that per-step deadlines do not close it.
	if err := chromedp.Do(page); err != nil {
		tb.Fatalf("open a tab: %v", err)
	}
	return page
}

// newProfileTab opens a tab in the browser's own profile rather than a
// fresh browser context: Chromium offers no installation in the latter,
// which it treats as incognito.
func newProfileTab(tb testing.TB, browser context.Context) context.Context {
	tb.Helper()
	tab, cancel := chromedp.NewContext(browser)
	tb.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		tb.Fatalf("open a tab: %v", err)
	}
	return tab
}

// do runs steps with a deadline, failing the test with what was being done.
func do(tb testing.TB, page context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(page, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value, with a deadline.
func value[T any](tb testing.TB, page context.Context, what string, action chromedp.Action[T]) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(page, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	return v
}

// evalVoid runs JavaScript for its effect.
func evalVoid(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](js)
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](tb testing.TB, page context.Context, js string) T {
	tb.Helper()
	return value(tb, page, "evaluate "+js, chromedp.Evaluate[T](js))
}

// waitFor polls a JavaScript condition until it holds, for up to 20 s. A
// navigation under way (a reload the page started itself) ends a poll with
// the page's old JavaScript context; the poll then starts again in the new.
func waitFor(tb testing.TB, page context.Context, what, js string) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithDeadline(page, deadline.Add(5*time.Second))
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		switch {
		case err == nil:
			return
		case errors.Is(err, chromedp.ErrPollingTimeout) || errors.Is(err, context.DeadlineExceeded) || time.Now().After(deadline):
			tb.Fatalf("timed out waiting for %s (%s): %v", what, js, err)
		case strings.Contains(err.Error(), "context with specified id") || strings.Contains(err.Error(), "context was destroyed"):
			continue
		default:
			tb.Fatalf("waiting for %s: %v", what, err)
		}
	}
}

const connected = `#status[data-state="connected"]`

// openChat loads the app and waits until it is connected.
func openChat(tb testing.TB, page context.Context, url string) {
	tb.Helper()
	do(tb, page, "open the app and connect",
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(connected)),
	)
}

// waitConnected waits for the status to say connected.
func waitConnected(tb testing.TB, page context.Context) {
	tb.Helper()
	waitFor(tb, page, "connected", `document.querySelector('`+connected+`') !== null`)
}

// signUp makes an account through /signup in this page and waits until
// the chat is connected as it.
func signUp(tb testing.TB, page context.Context, base, name string) {
	tb.Helper()
	signUpAt(tb, page, base+"signup", name)
	waitFor(tb, page, "signed up as "+name, `document.getElementById("me-name")?.textContent === `+jsString(name))
	waitConnected(tb, page)
}

// signUpAt fills the sign-up form at url (which may carry ?invite=) with
// name and testPassword, and submits it.
func signUpAt(tb testing.TB, page context.Context, url, name string) {
	tb.Helper()
	do(tb, page, "sign up as "+name,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`#signup[data-ready="true"] #signup-name`)),
		chromedp.SendKeys(chromedp.ID("signup-name"), name),
		chromedp.SendKeys(chromedp.ID("signup-password"), testPassword+"\r"),
	)
}

// signIn signs in through /login (with ?next= in url when wanted).
func signIn(tb testing.TB, page context.Context, url, name string) {
	tb.Helper()
	do(tb, page, "sign in as "+name,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`#login[data-ready="true"] #login-name`)),
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), testPassword+"\r"),
	)
}

// testPassword is every test account's.
const testPassword = "correct horse battery"

func say(tb testing.TB, page context.Context, text string) {
	tb.Helper()
	do(tb, page, "type and send "+text,
		chromedp.WaitVisible(chromedp.ID("composer-text")),
		chromedp.SendKeys(chromedp.ID("composer-text"), text+"\r"),
	)
}

// jsString quotes s for JavaScript (a Go quoted string is valid JS for the
// text the tests use).
func jsString(s string) string { return fmt.Sprintf("%q", s) }

// messagesJS counts the chat messages with this sender and text.
func messagesJS(from, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#messages li.msg")].filter(li =>
		li.querySelector(".from")?.textContent.trim() === %q &&
		li.querySelector(".text")?.textContent === %q).length`, from, text)
}

// waitMessage waits until a chat message with this sender and text is listed.
func waitMessage(tb testing.TB, page context.Context, from, text string) {
	tb.Helper()
	waitFor(tb, page, fmt.Sprintf("%s: %s", from, text), messagesJS(from, text)+" > 0")
}

// anaAndBo starts the app and two people in their own browser contexts,
// each signed up with an account (ana and bo) and connected: the cast of
// most browser tests.
func anaAndBo(t *testing.T) (app *chatServer, ana, bo context.Context) {
	t.Helper()
	app = startApp(t)
	browser := newBrowser(t)
	ana, bo = newPage(t, browser), newPage(t, browser)
	signUp(t, ana, app.URL, "ana")
	signUp(t, bo, app.URL, "bo")
	return app, ana, bo
}

func TestTwoPagesChat(t *testing.T) {
	_, ana, bo := anaAndBo(t)

	say(t, ana, "hello from ana")
	waitMessage(t, bo, "ana", "hello from ana")
	waitMessage(t, ana, "ana", "hello from ana")

	say(t, bo, "hi ana, bo here")
	waitMessage(t, ana, "bo", "hi ana, bo here")

	waitFor(t, ana, "2 online", `document.querySelector("#online").textContent.includes("2")`)
	online := value(t, ana, "read the online count", chromedp.Text(chromedp.ID("online")))
	if !strings.Contains(online, "2") {
		t.Errorf("#online = %q, want 2 people", online)
	}
}
