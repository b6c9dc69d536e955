package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
)

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestUIVersionFollowsEveryUIFile: a change to a stylesheet or a script
// alone is a new UI version, so that installed apps fetch it.
func TestUIVersionFollowsEveryUIFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	version := func() string { return newAssets(os.DirFS(dir), dir, discardLog()).uiVersion("b") }
	write("app.wasm", "wasm v1")
	write("app.wasm.gz", "gz of v1")
	write("chat.css", "body{}")
	write("early.js", "1")
	v1 := version()
	write("app.wasm.gz", "gz again")
	write("app.wasm.br", "br of v1")
	write(".app.wasm.br.123", "an interrupted build's leftover")
	if v := version(); v != v1 {
		t.Errorf("recompressing app.wasm changed the version: %s, was %s", v, v1)
	}
	for _, c := range []struct{ file, text string }{{"chat.css", "body{color:red}"}, {"early.js", "2"}, {"app.wasm", "wasm v2"}} {
		write(c.file, c.text)
		v := version()
		if v == v1 {
			t.Errorf("changing %s left the UI version at %s", c.file, v)
		}
		v1 = v
	}
}

// TestUIHashIsTheSameEmbeddedOrOnDisk: the same files give the same hash
// in a directory (-web) and in an in-memory FS like the embedded one, and
// the hash of a UI built before brotli copies existed (3896751e285b, by
// the code that read web/ from disk) is unchanged, so that installed apps
// see no new version when a server switches to the embedded UI.
func TestUIHashIsTheSameEmbeddedOrOnDisk(t *testing.T) {
	files := map[string]string{
		"app.wasm": "wasm v1", "app.wasm.gz": "gz", "chat.css": "body{}", "early.js": "1",
		"wasm_exec.js": "exec", "icon.svg": "<svg/>",
	}
	dir := t.TempDir()
	mem := fstest.MapFS{}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		mem[name] = &fstest.MapFile{Data: []byte(text)}
	}
	const before = "3896751e285b"
	if h := UIHash(os.DirFS(dir)); h != before {
		t.Errorf("from a directory: %s, want %s", h, before)
	}
	if h := UIHash(mem); h != before {
		t.Errorf("from memory: %s, want %s", h, before)
	}
	mem["app.wasm.br"] = &fstest.MapFile{Data: []byte("br")}
	if h := UIHash(mem); h != before {
		t.Errorf("with app.wasm.br: %s, want %s", h, before)
	}
	if h := UIHash(fstest.MapFS{"chat.css": {Data: []byte("body{}")}}); h != "" {
		t.Errorf("no app.wasm: hash %q, want none", h)
	}
}

// builtUI is a UI as make builds it: an app.wasm (incompressible enough to
// tell the copies apart) and its real gzip and brotli copies, and the
// other files.
func builtUI(t *testing.T) (fstest.MapFS, []byte) {
	t.Helper()
	wasm := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range wasm {
		wasm[i] = "\x00asm wasm ab"[r.IntN(12)]
	}
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(wasm)
	zw.Close()
	bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
	bw.Write(wasm)
	bw.Close()
	return fstest.MapFS{
		"app.wasm":     {Data: wasm},
		"app.wasm.gz":  {Data: gz.Bytes()},
		"app.wasm.br":  {Data: br.Bytes()},
		"wasm_exec.js": {Data: []byte("// the toolchain's")},
		"chat.css":     {Data: []byte("body{}")},
		"early.js":     {Data: []byte("1")},
		"icon.svg":     {Data: []byte("<svg/>")},
	}, wasm
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

func decode(t *testing.T, coding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch coding {
	case "br":
		r = brotli.NewReader(r)
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", coding, err)
	}
	return b
}

// TestServerServesTheUIItIsGiven: a real server given the UI as an FS (as
// chat serve gives it the embedded one) serves every file of it, app.wasm
// in the coding each client allows, and names its version after it.
func TestServerServesTheUIItIsGiven(t *testing.T) {
	ui, wasm := builtUI(t)
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
		if !bytes.Equal(decode(t, c.coding, body), wasm) {
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

// TestAppWasmWithoutSomeCopies: a UI built without brotli (or without
// any copy) still serves app.wasm, in what it has.
func TestAppWasmWithoutSomeCopies(t *testing.T) {
	ui, wasm := builtUI(t)
	delete(ui, "app.wasm.br")
	var log bytes.Buffer
	a := newAssets(ui, "test", slog.New(slog.NewTextHandler(&log, nil)))
	if !strings.Contains(log.String(), "no app.wasm.br") {
		t.Errorf("no warning of the missing copy: %s", log.String())
	}
	serve := func(accept string) (coding string, body []byte) {
		req, _ := http.NewRequest(http.MethodGet, "/web/app.wasm", nil)
		req.Header.Set("Accept-Encoding", accept)
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		return rec.Header().Get("Content-Encoding"), rec.Body.Bytes()
	}
	if coding, body := serve("gzip, deflate, br"); coding != "gzip" || !bytes.Equal(decode(t, coding, body), wasm) {
		t.Errorf("without app.wasm.br, a client of br and gzip got %q", coding)
	}
	delete(ui, "app.wasm.gz")
	a = newAssets(ui, "test", discardLog())
	if coding, body := serve("gzip, deflate, br"); coding != "" || !bytes.Equal(body, wasm) {
		t.Errorf("without copies, a client of br and gzip got %q", coding)
	}
}

// TestStaleCopyOnDiskIsNotServed: with -web DIR, an app.wasm built again by
// hand beside its old copies must not be served as the old UI.
func TestStaleCopyOnDiskIsNotServed(t *testing.T) {
	ui, wasm := builtUI(t)
	dir := t.TempDir()
	for name, f := range ui {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "app.wasm.br"), old, old); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	a := newAssets(os.DirFS(dir), dir, slog.New(slog.NewTextHandler(&log, nil)))
	if !strings.Contains(log.String(), "app.wasm.br is older than app.wasm") {
		t.Errorf("no warning of the stale copy: %s", log.String())
	}
	req, _ := http.NewRequest(http.MethodGet, "/web/app.wasm", nil)
	req.Header.Set("Accept-Encoding", "br, gzip")
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if coding := rec.Header().Get("Content-Encoding"); coding != "gzip" || !bytes.Equal(decode(t, coding, rec.Body.Bytes()), wasm) {
		t.Errorf("with a stale app.wasm.br, got %q", coding)
	}
}

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

func TestChooseEncoding(t *testing.T) {
	both := []string{"br", "gzip"}
	for _, c := range []struct {
		accept  string
		offered []string
		want    string
	}{
		{"gzip, deflate, br, zstd", both, "br"},
		{"br, gzip", both, "br"},
		{"gzip, br", both, "br"}, // equal weights: the server's order
		{"gzip", both, "gzip"},
		{"GZIP", both, "gzip"},
		{"x-gzip", both, "gzip"},
		{"", both, ""},
		{"identity", both, ""},
		{"deflate", both, ""},
		{"br;q=0, gzip", both, "gzip"},
		{"br; q=0.000, gzip", both, "gzip"},
		{"br;q=0.5, gzip;q=0.8", both, "gzip"},
		{"br;q=1.0, gzip;q=0.8", both, "br"},
		{"gzip;q=0", both, ""},
		{"*", both, "br"},
		{"*;q=0", both, ""},
		{"br;q=0, *", both, "gzip"},
		{"br;q=0, *;q=0.1", both, "gzip"},
		{"br;q=abc, gzip", both, "gzip"}, // a malformed weight: that entry is left out
		{"br;q=2, gzip", both, "gzip"},
		{"br;level=5;q=0, gzip", both, "gzip"},
		{"gzip, deflate, br", []string{"gzip"}, "gzip"}, // no app.wasm.br
		{"br", []string{"gzip"}, ""},
		{"gzip, br", nil, ""},
		{" , ,br", both, "br"},
	} {
		if got := chooseEncoding(c.accept, c.offered); got != c.want {
			t.Errorf("Accept-Encoding %q of %v: %q, want %q", c.accept, c.offered, got, c.want)
		}
	}
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
