package httpx

import (
	"bytes"
	"chat/internal/uitest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
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
	version := func() string { return NewAssets(os.DirFS(dir), dir, discardLog()).Version("b") }
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

// TestAppWasmWithoutSomeCopies: a UI built without brotli (or without
// any copy) still serves app.wasm, in what it has.
func TestAppWasmWithoutSomeCopies(t *testing.T) {
	ui, wasm := uitest.Built(t)
	delete(ui, "app.wasm.br")
	var log bytes.Buffer
	a := NewAssets(ui, "test", slog.New(slog.NewTextHandler(&log, nil)))
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
	if coding, body := serve("gzip, deflate, br"); coding != "gzip" || !bytes.Equal(uitest.Decode(t, coding, body), wasm) {
		t.Errorf("without app.wasm.br, a client of br and gzip got %q", coding)
	}
	delete(ui, "app.wasm.gz")
	a = NewAssets(ui, "test", discardLog())
	if coding, body := serve("gzip, deflate, br"); coding != "" || !bytes.Equal(body, wasm) {
		t.Errorf("without copies, a client of br and gzip got %q", coding)
	}
}

// TestStaleCopyOnDiskIsNotServed: with -web DIR, an app.wasm built again by
// hand beside its old copies must not be served as the old UI.
func TestStaleCopyOnDiskIsNotServed(t *testing.T) {
	ui, wasm := uitest.Built(t)
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
	a := NewAssets(os.DirFS(dir), dir, slog.New(slog.NewTextHandler(&log, nil)))
	if !strings.Contains(log.String(), "app.wasm.br is older than app.wasm") {
		t.Errorf("no warning of the stale copy: %s", log.String())
	}
	req, _ := http.NewRequest(http.MethodGet, "/web/app.wasm", nil)
	req.Header.Set("Accept-Encoding", "br, gzip")
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if coding := rec.Header().Get("Content-Encoding"); coding != "gzip" || !bytes.Equal(uitest.Decode(t, coding, rec.Body.Bytes()), wasm) {
		t.Errorf("with a stale app.wasm.br, got %q", coding)
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
