// Package uitest makes a built UI for tests: an app.wasm and its real
// gzip and brotli copies, as make builds them, and reads them back.
package uitest

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
)

// Built is a UI as make builds it: an app.wasm (incompressible enough to
// tell the copies apart) and its real gzip and brotli copies, and the
// other files.
func Built(t testing.TB) (fstest.MapFS, []byte) {
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

// Decode undoes the content coding of a body: br, gzip or none.
func Decode(t testing.TB, coding string, body []byte) []byte {
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
