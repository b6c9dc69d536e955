package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	chatapp "chat/app"
	"chat/server"
)

// TestBrotliOverHTTPS: browsers ask for brotli over HTTPS only, so this
// serves the built UI over TLS, given as an fs.FS the way chat serve gives
// its embedded copy, and checks that Chromium fetched app.wasm.br (its
// encoded size is the brotli copy's, its decoded size app.wasm's), that
// the loading progress still counts to 100 % of the uncompressed size, and
// that the app runs and connects.
func TestBrotliOverHTTPS(t *testing.T) {
	t.Parallel()
	requireWasm(t)
	br, err := os.Stat(filepath.Join(webDir, "app.wasm.br"))
	if err != nil {
		t.Fatalf("app.wasm.br missing in %s: run `make build`", webDir)
	}
	wasm, err := os.Stat(filepath.Join(webDir, "app.wasm"))
	if err != nil {
		t.Fatal(err)
	}

	cfg := server.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Web = os.DirFS(webDir)
	cfg.Version = "test"
	cfg.Logger = slog.New(slog.NewTextHandler(testOutput{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.UI = func(v string) http.Handler { return chatapp.Handler(v) }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.StartTLS()
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})

	// The test server's certificate is its own: Chromium is told to take it.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tab := newPage(t, browser)
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: loaderScript}); err != nil {
		t.Fatal(err)
	}
	openChat(t, tab, hs.URL+"/")

	type entry struct {
		Encoded float64 `json:"encoded"`
		Decoded float64 `json:"decoded"`
	}
	got := eval[entry](t, tab, `(() => {
		const e = performance.getEntriesByType("resource").find(e => new URL(e.name).pathname === "/web/app.wasm");
		return e ? {encoded: e.encodedBodySize, decoded: e.decodedBodySize} : {encoded: -1, decoded: -1};
	})()`)
	if int64(got.Encoded) != br.Size() || int64(got.Decoded) != wasm.Size() {
		t.Errorf("app.wasm came as %v bytes decoded to %v; want app.wasm.br's %d decoded to %d", got.Encoded, got.Decoded, br.Size(), wasm.Size())
	}
	labels := eval[[]string](t, tab, `window.__progress`)
	if len(labels) == 0 || !strings.HasSuffix(labels[len(labels)-1], " 100%") {
		t.Errorf("loading progress over brotli: %q, want it to end at 100%%", labels)
	}
}
