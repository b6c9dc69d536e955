//go:build !js

package main

import (
	"bytes"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"chat/doctor"
	"chat/server"
)

func TestServeDefaultsMaxConnsBelowTheFileCeiling(t *testing.T) {
	cfg, _, err := parseServe(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	soft, _, err := doctor.Live.NoFile()
	if err != nil {
		t.Fatal(err)
	}
	if want := doctor.MaxConns(soft); cfg.MaxConns != want || uint64(cfg.MaxConns) >= soft {
		t.Fatalf("default -max-conns %d, want %d: below the %d-file limit with room for the server", cfg.MaxConns, want, soft)
	}
	cfg, _, _ = parseServe([]string{"-max-conns", "123"}, &bytes.Buffer{})
	if cfg.MaxConns != 123 {
		t.Fatalf("-max-conns 123 gave %d", cfg.MaxConns)
	}
}

func TestServeLogsTheCeiling(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	soft, _, _ := doctor.Live.NoFile()
	logFileLimit(log, doctor.MaxConns(soft))
	if !strings.Contains(out.String(), "open files") || !strings.Contains(out.String(), "clients") || strings.Contains(out.String(), "WARN") {
		t.Fatalf("start-up log: %s", out.String())
	}
	out.Reset()
	logFileLimit(log, int(soft)+1)
	if !strings.Contains(out.String(), "WARN") || !strings.Contains(out.String(), "chat doctor") {
		t.Fatalf("-max-conns past the ceiling should warn: %s", out.String())
	}
}

func TestCommandsAnswerUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage") {
		t.Fatalf("no command: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"nope"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "nope"`) {
		t.Fatalf("unknown command: exit %d, %q", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"doctor", "-clients", "10", "-json"}, &out, &errb); code != 0 || !strings.Contains(out.String(), `"ok": true`) {
		t.Fatalf("doctor for 10 clients: exit %d, %s", code, out.String())
	}
}

func TestServeBenchmarkFlag(t *testing.T) {
	for args, want := range map[string]server.BenchmarkAccess{
		"": server.BenchmarkLocal, "-benchmark all": server.BenchmarkAll, "-benchmark off": server.BenchmarkOff,
		"-benchmark=false": server.BenchmarkOff, "-benchmark=true": server.BenchmarkLocal,
	} {
		cfg, _, err := parseServe(strings.Fields(args), &bytes.Buffer{})
		if err != nil || cfg.Benchmark != want {
			t.Errorf("%q: %q, %v; want %q", args, cfg.Benchmark, err, want)
		}
	}
	var errb bytes.Buffer
	if _, _, err := parseServe([]string{"-benchmark", "everyone"}, &errb); err == nil || !strings.Contains(errb.String(), "local, all or off") {
		t.Errorf("-benchmark everyone: %v, %q", err, errb.String())
	}
}

func TestServeStoreBoundFlags(t *testing.T) {
	cfg, _, err := parseServe([]string{"-history-max-bytes", "512MiB", "-store-max", "2G", "-history-max-age", "720h"}, &bytes.Buffer{})
	if err != nil || cfg.HistoryMaxBytes != 512<<20 || cfg.StoreMax != 2<<30 || cfg.HistoryMaxAge.Hours() != 720 {
		t.Fatalf("%v: history %d bytes, store %d, age %v", err, cfg.HistoryMaxBytes, cfg.StoreMax, cfg.HistoryMaxAge)
	}
	for _, bad := range []string{"lots", "-1", "0", "1.5G"} {
		var errb bytes.Buffer
		if _, _, err := parseServe([]string{"-store-max", bad}, &errb); err == nil || !strings.Contains(errb.String(), "1GiB") {
			t.Errorf("-store-max %q: %v, %q", bad, err, errb.String())
		}
	}
	if got := formatSize(3 << 30); got != "3GiB" {
		t.Errorf("formatSize(3 GiB) = %q", got)
	}
}

// TestVersionSaysWhichUIIsEmbedded: chat version gives the build and the
// hash the server puts in the pages' version, or says the UI is missing,
// of the FS it is given; and of the binary's own embedded copy, which
// holds app.wasm exactly when web/ did at build time.
func TestVersionSaysWhichUIIsEmbedded(t *testing.T) {
	ui := fstest.MapFS{
		"app.wasm":    {Data: []byte("wasm")},
		"app.wasm.gz": {Data: bytes.Repeat([]byte("z"), 1_500_000)},
		"chat.css":    {Data: []byte("body{}")},
	}
	var out bytes.Buffer
	if code := versionCmd(&out, ui); code != 0 {
		t.Fatalf("exit %d", code)
	}
	hash := server.UIHash(ui)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "chat "+version+" (go") {
		t.Fatalf("output:\n%s", out.String())
	}
	if want := "ui " + hash + " embedded (app.wasm 0.00 MB, gzip 1.50 MB, no brotli), pages at version " + version + "-" + hash; lines[1] != want {
		t.Errorf("ui line:\n%s\nwant\n%s", lines[1], want)
	}

	out.Reset()
	delete(ui, "app.wasm")
	versionCmd(&out, ui)
	if !strings.Contains(out.String(), "ui missing") || !strings.Contains(out.String(), "make build") {
		t.Errorf("without app.wasm:\n%s", out.String())
	}

	out.Reset()
	if code := run([]string{"version"}, &out, &bytes.Buffer{}); code != 0 {
		t.Fatalf("chat version: exit %d", code)
	}
	_, err := fs.Stat(webFiles, "web/app.wasm")
	if embedded := err == nil; embedded != strings.Contains(out.String(), " embedded (") {
		t.Errorf("app.wasm embedded: %v, but chat version says:\n%s", embedded, out.String())
	}
	for _, f := range []string{"base.css", "chat.css", "early.js", "icon.svg", "icon-192.png"} {
		if _, err := fs.Stat(embeddedUI(), f); err != nil {
			t.Errorf("the embedded UI lacks %s: %v", f, err)
		}
	}
}
