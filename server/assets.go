package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// assets serves the built UI files under /web/. app.wasm is compressed once,
// at build time (web/app.wasm.gz), and served with Content-Encoding from
// memory; its uncompressed length goes in X-Wasm-Content-Length so go-app's
// loading progress stays right.
type assets struct {
	dir    string
	files  http.Handler
	wasm   []byte // app.wasm as built, nil if missing
	wasmGz []byte // app.wasm.gz, nil if missing
	hash   string // of the UI's files, app.wasm first (see uiHash)
	mod    time.Time
	log    *slog.Logger
}

func newAssets(dir string, log *slog.Logger) *assets {
	a := &assets{dir: dir, files: http.StripPrefix("/web/", http.FileServer(http.Dir(dir))), log: log}
	wasmPath := filepath.Join(dir, "app.wasm")
	if fi, err := os.Stat(wasmPath); err == nil {
		a.mod = fi.ModTime()
	}
	var err error
	if a.wasm, err = os.ReadFile(wasmPath); err != nil {
		log.Warn("no app.wasm: the UI will not load; run make build", "path", wasmPath)
		return a
	}
	a.hash = uiHash(dir, a.wasm)
	if gz, err := os.ReadFile(wasmPath + ".gz"); err == nil {
		a.wasmGz = gz
	} else {
		log.Warn("no app.wasm.gz: serving app.wasm uncompressed", "path", wasmPath+".gz")
	}
	return a
}

// uiHash is the first 12 hex digits of a sha256 over app.wasm and every
// other file of the UI (stylesheets, scripts, icons; not app.wasm.gz, which
// is app.wasm again), by name and content: a change to any of them is a new
// version of the UI for the service worker to fetch.
func uiHash(dir string, wasm []byte) string {
	h := sha256.New()
	h.Write(wasm)
	entries, _ := os.ReadDir(dir) // sorted by name
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || name == "app.wasm" || name == "app.wasm.gz" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		h.Write([]byte("\x00" + name + "\x00"))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// uiVersion is the version go-app compares to offer an update: the build's
// version plus the UI files' hash, so it changes exactly when the UI does
// (not at every restart, and also for an uncommitted rebuild).
func (a *assets) uiVersion(build string) string {
	if a.hash == "" {
		return build
	}
	return build + "-" + a.hash
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/web/app.wasm" && a.wasm != nil {
		a.serveWasm(w, r)
		return
	}
	a.files.ServeHTTP(w, r)
}

func (a *assets) serveWasm(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Wasm-Content-Length", strconv.Itoa(len(a.wasm)))
	body := a.wasm
	etag := `"` + a.hash + `"`
	if a.wasmGz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.wasmGz
		etag = `"` + a.hash + `-gz"`
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "app.wasm", a.mod, bytes.NewReader(body))
}

// wasmExec serves the wasm_exec.js of the Go toolchain that built app.wasm
// (copied next to it by make): go-app's bundled copy can lag the toolchain,
// and a mismatch breaks the page (go-app#569).
func (a *assets) wasmExec() http.Handler {
	path := filepath.Join(a.dir, "wasm_exec.js")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, path)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
