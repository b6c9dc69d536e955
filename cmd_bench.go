//go:build !js

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"chat/bench"
)

func benchCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	urls := fs.String("url", "ws://127.0.0.1:8080/ws", "WebSocket URL(s) of the server(s), comma separated: clients are spread over them")
	conns := fs.Int("conns", 1000, "clients to open")
	n := fs.Int("n", 50, "fan-out: sequential GET /benchmark triggers, each timed to the last client")
	burst := fs.Int("burst", 0, "burst: GET /benchmark triggers fired with -c in flight (like hey -n)")
	conc := fs.Int("c", 10, "burst: triggers in flight")
	rooms := fs.Int("rooms", 0, "spread the clients over this many rooms before the loads (0: all stay in the lobby)")
	senders := fs.Int("senders", 0, "chat load: clients that send messages, in each room (the lobby without -rooms)")
	rate := fs.Float64("rate", 5, "chat load: messages per second per sender")
	typers := fs.Int("typers", 0, "chat load: members of each room (not senders) that say they are typing every 3 s meanwhile")
	dur := fs.Duration("duration", 10*time.Second, "chat load: how long the senders send")
	trig := fs.String("trigger", "", "GET /benchmark URL (default: the first -url's host)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long one broadcast may take to reach every client")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	pid := fs.Int("pid", 0, "the server's process id: report its memory per client and CPU during the loads")
	report := fs.String("report", "", "also write an HTML report with charts to this file")
	perProcess := fs.Int("per-process", 0, "clients per bench process; beyond it, worker processes hold them (default: the open-file limit less 256)")
	compare := fs.String("compare", "", "instead of a run, print reports side by side: name=file.json,... (files from -json); ratios are first / each other")
	targets := fs.String("targets", "", "instead of a run, run the stored-traffic targets against fresh `chat serve` processes of this executable, keeping their data and reports in this folder, and print the table")
	ca := fs.String("ca", "", "PEM file of a CA (or self-signed certificate) to trust for wss:// and https://, e.g. a loopback server's own")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *ca != "" {
		if err := bench.TrustCA(*ca); err != nil {
			fmt.Fprintln(stderr, "chat bench:", err)
			return 2
		}
	}
	if *targets != "" {
		return targetsCmd(*targets, stdout, stderr)
	}
	if *compare != "" {
		rs, err := bench.LoadNamed(bench.SplitURLs(*compare))
		if err != nil {
			fmt.Fprintln(stderr, "chat bench:", err)
			return 2
		}
		bench.WriteComparison(stdout, rs)
		return 0
	}
	var progress io.Writer
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		progress = stderr // a terminal: show the progress bar
	}
	o := bench.Options{URLs: bench.SplitURLs(*urls), Conns: *conns, Trigger: *trig, Timeout: *timeout, PID: *pid, Log: progress,
		N: *n, Burst: *burst, Concurrency: *conc, Rooms: *rooms, Senders: *senders, Rate: *rate, Duration: *dur, PerProcess: *perProcess, Typers: *typers}
	if len(o.URLs) == 0 {
		fmt.Fprintln(stderr, "chat bench: -url is empty")
		return 2
	}
	if o.Trigger == "" {
		o.Trigger = triggerFor(o.URLs[0])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "chat bench:", err)
		return 1
	}
	if *asJSON {
		_ = rep.WriteJSON(stdout)
	} else {
		rep.WriteText(stdout)
	}
	if *report != "" {
		if err := writeReport(*report, rep, strings.Join(o.URLs, ", ")); err != nil {
			fmt.Fprintln(stderr, "chat bench:", err)
			return 1
		}
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// triggerFor derives http://host/benchmark from ws://host/ws.
func triggerFor(wsURL string) string {
	u, err := url.Parse(wsURL)
	if err != nil {
		return wsURL
	}
	scheme := "http"
	if u.Scheme == "wss" {
		scheme = "https"
	}
	return scheme + "://" + u.Host + "/benchmark"
}

func writeReport(path string, rep bench.Report, target string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteHTML(f, "chat bench: "+target); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// targetsCmd runs bench.Targets and prints its table, also to DIR/targets.md.
func targetsCmd(dir string, stdout, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "chat bench:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Targets(ctx, bench.TargetsOptions{Chat: self, Dir: dir, Log: stderr})
	if err != nil {
		fmt.Fprintln(stderr, "chat bench:", err)
		return 1
	}
	var table strings.Builder
	rep.WriteTable(&table)
	fmt.Fprint(stdout, table.String())
	if err := os.WriteFile(filepath.Join(dir, "targets.md"), []byte(table.String()), 0o644); err != nil {
		fmt.Fprintln(stderr, "chat bench:", err)
		return 1
	}
	return 0
}
