package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// TestPrecompressWritesCopiesThatDecodeToTheFile, and keeps a copy that
// still does (touched, so it is newer than the file), and replaces one
// that does not.
func TestPrecompressWritesCopiesThatDecodeToTheFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "app.wasm")
	src := bytes.Repeat([]byte("\x00asm wasm bytes, much the same again and again "), 2000)
	if err := os.WriteFile(name, src, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := precompress(name, &out); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		gz, err := os.ReadFile(name + ".gz")
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, src) {
			t.Fatalf(".gz does not decode to the file: %v", err)
		}
		if zr.Name != "" || !zr.ModTime.IsZero() {
			t.Errorf(".gz header holds name %q, time %v: the same input should give the same bytes", zr.Name, zr.ModTime)
		}
		br, err := os.ReadFile(name + ".br")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br))); err != nil || !bytes.Equal(got, src) {
			t.Fatalf(".br does not decode to the file: %v", err)
		}
		if len(br) >= len(src)/10 || len(gz) >= len(src)/10 {
			t.Errorf("repetitive %d bytes compressed to gzip %d, brotli %d", len(src), len(gz), len(br))
		}
	}
	check()
	if s := out.String(); !strings.Contains(s, ".gz ") || !strings.Contains(s, ".br ") || strings.Contains(s, "unchanged") {
		t.Errorf("report: %q", s)
	}

	// A rebuild with the same bytes: kept, and made newer than the file.
	old := time.Now().Add(-time.Hour)
	for _, f := range []string{name + ".gz", name + ".br"} {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if err := precompress(name, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "unchanged") != 2 {
		t.Errorf("same input, report: %q", out.String())
	}
	for _, f := range []string{name + ".gz", name + ".br"} {
		if fi, err := os.Stat(f); err != nil || fi.ModTime().Before(old.Add(time.Minute)) {
			t.Errorf("%s kept but not touched: %v", f, err)
		}
	}

	// A new build: both copies are made again.
	src = append(src, "one more line"...)
	if err := os.WriteFile(name, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := precompress(name, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "unchanged") {
		t.Errorf("changed input, report: %q", out.String())
	}
	check()
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
