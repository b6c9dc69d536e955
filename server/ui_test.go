package server

import (
	"bytes"
	"chat/internal/uitest"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// TestNoAppWasmSaysSo: a binary built without make build (no app.wasm to
// embed) still runs, serves the other files, and says why the page will
// not load.
func TestNoAppWasmSaysSo(t *testing.T) {
	var log bytes.Buffer
	var mu sync.Mutex
	_, hs := startServer(t, func(c *Config) {
		c.Web = fstest.MapFS{"chat.css": {Data: []byte("body{}")}}
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &log}, nil))
	})
	mu.Lock()
	logged := log.String()
	mu.Unlock()
	if !strings.Contains(logged, "no app.wasm: the UI will not load; run make build") || !strings.Contains(logged, "source=embedded") {
		t.Errorf("log: %s", logged)
	}
	if resp, _ := fetchAsset(t, hs.URL, "/web/app.wasm"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("app.wasm: %d, want 404", resp.StatusCode)
	}
	if resp, body := fetchAsset(t, hs.URL, "/web/chat.css"); resp.StatusCode != 200 || string(body) != "body{}" {
		t.Errorf("chat.css: %d %q", resp.StatusCode, body)
	}
}

// TestServerServesTheUIItIsGiven: a real server given the UI as an FS (as
// chat serve gives it the embedded one) serves every file of it, app.wasm
// in the coding each client allows, and names its version after it.
func TestServerServesTheUIItIsGiven(t *testing.T) {
	ui, wasm := uitest.Built(t)
	_, hs := startServer(t, func(c *Config) {
		c.Web = ui
		c.Version = "v1"
		c.UI = func(version string) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, version) })
		}
	})

	_, page := fetchAsset(t, hs.URL, "/")
	if want := "v1-" + UIHash(ui); string(page) != want {
		t.Errorf("the UI's version %q, want %q", page, want)
	}
	for path, want := range map[string]string{"/web/chat.css": "body{}", "/web/early.js": "1", "/web/icon.svg": "<svg/>", "/wasm_exec.js": "// the toolchain's", "/web/wasm_exec.js": "// the toolchain's"} {
		resp, body := fetchAsset(t, hs.URL, path)
		if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("ETag") == "" {
			t.Errorf("%s: %d %q, ETag %q", path, resp.StatusCode, body, resp.Header.Get("ETag"))
			continue
		}
		if again, _ := fetchAsset(t, hs.URL, path, "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
			t.Errorf("%s again with its ETag: %d, want 304", path, again.StatusCode)
		}
	}
	if resp, _ := fetchAsset(t, hs.URL, "/wasm_exec.js"); !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("/wasm_exec.js Content-Type %q", resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/web/", "/web/nope.css", "/web/app.wasm.br", "/web/app.wasm.gz"} {
		if resp, _ := fetchAsset(t, hs.URL, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404 (no listing, and the copies only as app.wasm)", path, resp.StatusCode)
		}
	}

	etags := map[string]string{}
	for _, c := range []struct{ accept, coding string }{
		{"gzip, deflate, br, zstd", "br"}, // Chromium over HTTPS
		{"gzip, deflate", "gzip"},         // any browser over HTTP
		{"", ""},
		{"br;q=0, gzip", "gzip"},
		{"gzip;q=0", ""},
		{"identity", ""},
	} {
		resp, body := fetchAsset(t, hs.URL, "/web/app.wasm", "Accept-Encoding", c.accept)
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Encoding") != c.coding {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", c.accept, resp.StatusCode, h.Get("Content-Encoding"), c.coding)
			continue
		}
		if !bytes.Equal(uitest.Decode(t, c.coding, body), wasm) {
			t.Errorf("Accept-Encoding %q: the body is not app.wasm", c.accept)
		}
		if h.Get("Vary") != "Accept-Encoding" || h.Get("Content-Type") != "application/wasm" || h.Get("X-Wasm-Content-Length") != strconv.Itoa(len(wasm)) {
			t.Errorf("Accept-Encoding %q: Vary %q, Content-Type %q, X-Wasm-Content-Length %q (want %d)",
				c.accept, h.Get("Vary"), h.Get("Content-Type"), h.Get("X-Wasm-Content-Length"), len(wasm))
		}
		if other, seen := etags[h.Get("ETag")]; seen && other != c.coding {
			t.Errorf("ETag %s for both %q and %q: a cache would mix the codings", h.Get("ETag"), other, c.coding)
		}
		etags[h.Get("ETag")] = c.coding
		if again, _ := fetchAsset(t, hs.URL, "/web/app.wasm", "Accept-Encoding", c.accept, "If-None-Match", h.Get("ETag")); again.StatusCode != http.StatusNotModified {
			t.Errorf("Accept-Encoding %q again with its ETag: %d, want 304", c.accept, again.StatusCode)
		}
	}
	if resp, body := fetchAsset(t, hs.URL, "/web/app.wasm", "Accept-Encoding", "br", "Range", "bytes=0-9"); resp.StatusCode != http.StatusPartialContent || len(body) != 10 {
		t.Errorf("a range of the brotli copy: %d, %d bytes", resp.StatusCode, len(body))
	}
}

// fetchAsset fetches path from hs with the header pairs given, as a browser
// would, without Go's transparent decompression.
func fetchAsset(t *testing.T, base, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
