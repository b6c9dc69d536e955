// Command precompress writes FILE.gz and FILE.br beside each FILE given, at
// the best quality of each (gzip -9, brotli 11), so that the server sends a
// compressed copy made once at build time instead of compressing per
// request. make runs it on web/app.wasm:
//
//	go run ./internal/tools/precompress web/app.wasm
//
// It is Go, not the gzip and brotli commands, so that building needs Go
// alone. Brotli at quality 11 takes half a minute for app.wasm, and go build
// rewrites app.wasm on every make even when nothing changed, so a copy that
// already decodes to FILE's bytes is kept (and touched, so it stays newer
// than FILE): only a changed UI pays for the compression.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// encodings are the copies written for each file, by suffix.
var encodings = []struct {
	suffix   string
	compress func(w io.Writer) io.WriteCloser
	decode   func(r io.Reader) (io.Reader, error)
}{
	{".gz", func(w io.Writer) io.WriteCloser {
		// No name or time in the header (gzip -n): the same input gives the
		// same bytes, and so the same embedded binary.
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression) // the level is valid
		return zw
	}, func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
	{".br", func(w io.Writer) io.WriteCloser {
		// The default window (22 bits, 4 MiB): the largest one (24) saved
		// 400 bytes of 1.6 MB on app.wasm and doubled the time.
		return brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestCompression})
	}, func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE...")
		os.Exit(2)
	}
	failed := false
	for _, name := range os.Args[1:] {
		if err := precompress(name, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// precompress writes every encoding of the file name, each in its own
// goroutine (brotli is the slow one), and reports the sizes to out.
func precompress(name string, out io.Writer) error {
	src, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	sizes := make([]string, len(encodings))
	errs := make([]error, len(encodings))
	var wg sync.WaitGroup
	for i, enc := range encodings {
		wg.Go(func() {
			sizes[i], errs[i] = writeEncoded(name+enc.suffix, src, enc.compress, enc.decode)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s: %d bytes", name, len(src))
	for i, enc := range encodings {
		fmt.Fprintf(out, ", %s %s", enc.suffix, sizes[i])
	}
	fmt.Fprintln(out)
	return nil
}

// writeEncoded writes src compressed to path, unless path already decodes
// to src. It writes a temporary file first and renames it, so that an
// interrupted build never leaves a truncated copy to be embedded and
// served; the temporary name starts with a dot, which go:embed leaves out.
func writeEncoded(path string, src []byte, compress func(io.Writer) io.WriteCloser, decode func(io.Reader) (io.Reader, error)) (string, error) {
	if old, err := os.ReadFile(path); err == nil && decodesTo(old, src, decode) {
		now := time.Now()
		return fmt.Sprintf("%d bytes (unchanged)", len(old)), os.Chtimes(path, now, now)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	var buf bytes.Buffer
	w := compress(&buf)
	if _, err := w.Write(src); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d bytes", buf.Len()), os.Rename(tmp.Name(), path)
}

func decodesTo(compressed, want []byte, decode func(io.Reader) (io.Reader, error)) bool {
	r, err := decode(bytes.NewReader(compressed))
	if err != nil {
		return false
	}
	got, err := io.ReadAll(r)
	return err == nil && bytes.Equal(got, want)
}
