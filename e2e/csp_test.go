package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestAppRunsUnderItsContentSecurityPolicy: the page is served with the
// CSP and the other security headers, and the real app.wasm loads, connects
// and chats under it in Chromium with no violation reported.
func TestAppRunsUnderItsContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	res, err := http.Get(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "'unsafe-eval'") || strings.Contains(strings.SplitN(csp, "style-src", 2)[0], "'unsafe-inline'") {
		t.Errorf("CSP %q lets scripts eval or run inline", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	browser := newBrowser(t)
	tab := newPage(t, browser)
	// Collect violations from before the page's first script.
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.__csp = [];
		document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`}); err != nil {
		t.Fatal(err)
	}
	openChat(t, tab, app.URL)
	time.Sleep(500 * time.Millisecond) // the service worker and late loads
	if v := eval[[]string](t, tab, `window.__csp`); len(v) != 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
