//go:build !js

package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

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
