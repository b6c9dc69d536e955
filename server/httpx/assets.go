package httpx

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Assets serves the built UI under /web/ from an fs.FS: the copy embedded
// in the binary, or a directory on disk (-web).
// Every file is read once, when the server starts, and served from memory
// with an ETag of its content: an embedded file has no modification time
// to revalidate by, and one source read once means one behaviour whichever
// the source, and a UI version (uiHash) that is true of what is served.
//
// app.wasm is compressed once, at build time (app.wasm.br, app.wasm.gz),
// and each client gets the best copy its Accept-Encoding allows; its
// uncompressed length goes in X-Wasm-Content-Length so that go-app's
// loading progress stays right whatever the encoding.
type Assets struct {
	files map[string]*asset // by name, app.wasm and its copies aside
	wasm  *asset            // nil when the UI was built without app.wasm
	// wasmEncoded are the compressed copies of app.wasm, by content coding
	// ("br", "gzip"), each present only when its file is.
	wasmEncoded map[string]*asset
	hash        string // of the UI's files (see uiHash); "" without app.wasm
}

// asset is one file as served: its bytes and an ETag over them.
type asset struct {
	name string
	body []byte
	etag string
}

// wasmEncodings are app.wasm's precompressed copies, best first: the file
// suffix and the content coding it is served as. Browsers offer br over
// HTTPS only; gzip covers plain HTTP.
var wasmEncodings = []struct{ suffix, coding string }{
	{".br", "br"},
	{".gz", "gzip"},
}

// NewAssets reads the UI in fsys, once; source names it in the log.
func NewAssets(fsys fs.FS, source string, log *slog.Logger) *Assets {
	a := &Assets{files: map[string]*asset{}, wasmEncoded: map[string]*asset{}}
	entries, err := fs.ReadDir(fsys, ".") // sorted by name, as uiHash needs
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Warn("cannot read the UI's files", "source", source, "err", err)
	}
	var others []*asset // what uiHash covers beside app.wasm, by name
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || leftOutOfUI(name) {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			log.Warn("cannot read a file of the UI", "source", source, "file", name, "err", err)
			continue
		}
		f := &asset{name: name, body: b, etag: etagOf(b)}
		switch {
		case name == "app.wasm":
			a.wasm = f
		case strings.HasPrefix(name, "app.wasm."):
			// Compressed copies are app.wasm again: not in the hash, and
			// served only as app.wasm (below).
		default:
			a.files[name] = f
			others = append(others, f)
		}
	}
	if a.wasm == nil {
		log.Warn("no app.wasm: the UI will not load; run make build", "source", source)
		return a
	}
	a.hash = uiHash(a.wasm.body, others)
	for _, enc := range wasmEncodings {
		name := "app.wasm" + enc.suffix
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			log.Warn("no "+name+": app.wasm goes without "+enc.coding+" to clients that ask for it; run make build", "source", source)
			continue
		}
		if olderThan(fsys, name, "app.wasm") {
			// On disk, app.wasm was built again and its copy was not: it
			// would serve the old UI under the new one's version.
			log.Warn(name+" is older than app.wasm, not served; run make build", "source", source)
			continue
		}
		a.wasmEncoded[enc.coding] = &asset{name: name, body: b, etag: strings.TrimSuffix(a.wasm.etag, `"`) + "-" + enc.coding + `"`}
	}
	log.Info("UI", "source", source, "hash", a.hash, "app.wasm", len(a.wasm.body),
		"br", len(a.bodyOf("br")), "gzip", len(a.bodyOf("gzip")))
	return a
}

func (a *Assets) bodyOf(coding string) []byte {
	if f := a.wasmEncoded[coding]; f != nil {
		return f.body
	}
	return nil
}

// leftOutOfUI is true of the names go:embed leaves out of a directory
// (dot and underscore files, such as the precompressor's temporary ones),
// so that -web DIR serves what embedding DIR would.
func leftOutOfUI(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// olderThan reports whether file a was modified before file b; never for
// an embedded file, which has no modification time.
func olderThan(fsys fs.FS, a, b string) bool {
	fa, errA := fs.Stat(fsys, a)
	fb, errB := fs.Stat(fsys, b)
	if errA != nil || errB != nil || fa.ModTime().IsZero() || fb.ModTime().IsZero() {
		return false
	}
	return fa.ModTime().Before(fb.ModTime().Add(-time.Second)) // coarse file-system clocks
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// uiHash is the first 12 hex digits of a sha256 over app.wasm and every
// other file of the UI (stylesheets, scripts, icons; not app.wasm's
// compressed copies, which are app.wasm again), by name and content, in
// the order of their names: a change to any of them is a new version of
// the UI for the service worker to fetch. The same files give the same
// hash whether embedded or read from a directory.
func uiHash(wasm []byte, others []*asset) string {
	h := sha256.New()
	h.Write(wasm)
	for _, f := range others {
		h.Write([]byte("\x00" + f.name + "\x00"))
		h.Write(f.body)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// UIHash is the hash of the UI in fsys that the server puts in the UI's
// version (see Version), "" when fsys holds no app.wasm: `chat version`
// prints it, so that a binary can be matched to what its pages run.
func UIHash(fsys fs.FS) string {
	return NewAssets(fsys, "", slog.New(slog.NewTextHandler(io.Discard, nil))).hash
}

// Version is the version go-app compares to offer an update: the build's
// version plus the UI files' hash, so it changes exactly when the UI does
// (not at every restart, and also for an uncommitted rebuild).
func (a *Assets) Version(build string) string {
	if a.hash == "" {
		return build
	}
	return build + "-" + a.hash
}

func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/web/")
	if name == "app.wasm" && a.wasm != nil {
		a.serveWasm(w, r)
		return
	}
	f := a.files[name]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	serveAsset(w, r, f)
}

func (a *Assets) serveWasm(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Wasm-Content-Length", strconv.Itoa(len(a.wasm.body)))
	f := a.wasm
	if coding := chooseEncoding(r.Header.Get("Accept-Encoding"), a.offered()); coding != "" {
		h.Set("Content-Encoding", coding)
		f = a.wasmEncoded[coding]
	}
	serveAsset(w, r, f)
}

// offered are the codings app.wasm has a copy in, best first.
func (a *Assets) offered() []string {
	var c []string
	for _, enc := range wasmEncodings {
		if a.wasmEncoded[enc.coding] != nil {
			c = append(c, enc.coding)
		}
	}
	return c
}

// serveAsset answers with f, or 304 to a client that has it (ETag), and
// ranges. no-cache: the browser asks again every time, and the ETag makes
// that a 304 until the file changes.
func serveAsset(w http.ResponseWriter, r *http.Request, f *asset) {
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}

// WasmExec serves the wasm_exec.js of the Go toolchain that built app.wasm
// (copied next to it by make): go-app's bundled copy can lag the toolchain,
// and a mismatch breaks the page (go-app#569).
func (a *Assets) WasmExec() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := a.files["wasm_exec.js"]
		if f == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		serveAsset(w, r, f)
	})
}
