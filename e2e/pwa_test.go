package e2e

import (
	"encoding/json"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

type manifest struct {
	Name            string `json:"name"`
	ShortName       string `json:"short_name"`
	StartURL        string `json:"start_url"`
	Scope           string `json:"scope"`
	Display         string `json:"display"`
	ThemeColor      string `json:"theme_color"`
	BackgroundColor string `json:"background_color"`
	Icons           []struct {
		Src     string `json:"src"`
		Type    string `json:"type"`
		Sizes   string `json:"sizes"`
		Purpose string `json:"purpose"`
	} `json:"icons"`
}

// TestInstallable checks what makes Chromium offer to install the app: the
// manifest's fields, icons that are what the manifest says, a service
// worker in control, and Chromium's own verdict (no installability
// errors).
func TestInstallable(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	res, err := http.Get(app.URL + "manifest.webmanifest")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	err = json.NewDecoder(res.Body).Decode(&m)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if m.Name == "" || m.ShortName == "" || m.StartURL != "/" || m.Display != "standalone" ||
		!strings.HasPrefix(m.ThemeColor, "#") || !strings.HasPrefix(m.BackgroundColor, "#") {
		t.Errorf("manifest = %+v", m)
	}
	sizes := map[string]bool{}
	maskable := false
	for _, icon := range m.Icons {
		if icon.Type != "image/png" {
			continue
		}
		w, h := pngSize(t, app.URL+strings.TrimPrefix(icon.Src, "/"))
		if got := strconv.Itoa(w) + "x" + strconv.Itoa(h); got != icon.Sizes {
			t.Errorf("%s is %s, the manifest says %s", icon.Src, got, icon.Sizes)
		}
		sizes[icon.Sizes] = true
		maskable = maskable || icon.Purpose == "maskable"
	}
	if !sizes["192x192"] || !sizes["512x512"] || !maskable {
		t.Errorf("icons: sizes %v, maskable %v; want 192 and 512 and a maskable one", sizes, maskable)
	}

	// A browser of its own: the installation is in the browser's profile.
	browser := newBrowserWith(t)
	tab := newProfileTab(t, browser)
	openChat(t, tab, app.URL)
	waitShellCached(t, tab)
	if !eval[bool](t, tab, `document.querySelector('link[rel="manifest"]') !== null`) {
		t.Error("no <link rel=manifest>")
	}
	got, err := chromedp.Call(tab, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got.InstallabilityErrors {
		t.Errorf("installability error %s %v", e.ErrorID, e.ErrorArguments)
	}
	// Chromium offers the install (beforeinstallprompt): the app says so.
	waitFor(t, tab, "the install button", `document.getElementById("install")?.textContent === "Install"`)
}

func pngSize(t *testing.T, url string) (int, int) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	cfg, err := png.DecodeConfig(res.Body)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return cfg.Width, cfg.Height
}

// TestUpdateBanner: when the server comes back with a new version, the open
// page reconnects, asks its service worker for an update, shows the banner,
// and its Reload runs the new version.
func TestUpdateBanner(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	tab := newPage(t, browser)
	openChat(t, tab, app.URL)
	waitShellCached(t, tab)
	if v := eval[string](t, tab, `document.getElementById("chat").dataset.version`); !strings.HasPrefix(v, "test-") {
		t.Fatalf("version %q, want test-<wasm hash>", v)
	}
	if eval[bool](t, tab, `document.getElementById("update-banner") !== null`) {
		t.Fatal("an update banner before any update")
	}

	app.stop()
	app.Version = "v2"
	app.start()
	waitFor(t, tab, "the update banner", `document.getElementById("update-banner") !== null`)
	do(t, tab, "reload from the banner", chromedp.Click(chromedp.ID("update-reload")))
	waitFor(t, tab, "the new version running", `document.getElementById("chat")?.dataset.version.startsWith("v2-") &&
		document.querySelector('`+connected+`') !== null`)
}

// loaderScript records every text go-app's loading label shows, from the
// first one: it runs before the page's own scripts.
const loaderScript = `
window.__progress = [];
new MutationObserver(() => {
	const l = document.getElementById("app-wasm-loader-label");
	if (l && l.textContent !== window.__progress[window.__progress.length - 1]) window.__progress.push(l.textContent);
}).observe(document, {subtree: true, childList: true, characterData: true});`

// TestLoadingProgress checks go-app's "Loading chat… N%" label counts up to
// 100 % and never past it, both from the network (gzip, where the progress
// must count the uncompressed size that X-Wasm-Content-Length gives) and
// from the service worker's cache.
func TestLoadingProgress(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	tab := newPage(t, browser)
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: loaderScript}); err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		labels := eval[[]string](t, tab, `window.__progress`)
		last := -1
		for _, l := range labels {
			pct := strings.TrimSuffix(strings.TrimPrefix(l, "Loading chat… "), "%")
			n, err := strconv.Atoi(pct)
			if err != nil || n < last || n > 100 {
				t.Errorf("%s: labels %q: %q out of order or range", what, labels, l)
				return
			}
			last = n
		}
		if last != 100 {
			t.Errorf("%s: labels %q never reach 100%%", what, labels)
		}
	}
	openChat(t, tab, app.URL)
	check("from the network")
	waitShellCached(t, tab)
	do(t, tab, "reload from the cache", chromedp.Reload())
	waitConnected(t, tab)
	check("from the cache")
}
