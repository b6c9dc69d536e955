package server

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestUIVersionFollowsEveryUIFile: a change to a stylesheet or a script
// alone is a new UI version, so that installed apps fetch it.
func TestUIVersionFollowsEveryUIFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	write("app.wasm", "wasm v1")
	write("app.wasm.gz", "gz of v1")
	write("chat.css", "body{}")
	write("early.js", "1")
	v1 := newAssets(dir, log).uiVersion("b")
	write("app.wasm.gz", "gz again")
	if v := newAssets(dir, log).uiVersion("b"); v != v1 {
		t.Errorf("recompressing app.wasm changed the version: %s, was %s", v, v1)
	}
	for _, c := range []struct{ file, text string }{{"chat.css", "body{color:red}"}, {"early.js", "2"}, {"app.wasm", "wasm v2"}} {
		write(c.file, c.text)
		v := newAssets(dir, log).uiVersion("b")
		if v == v1 {
			t.Errorf("changing %s left the UI version at %s", c.file, v)
		}
		v1 = v
	}
}
