package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"chat/server/metrics"
	"chat/wire"
)

func TestMetricsExposeTheNamedSeries(t *testing.T) {
	s, hs := startServer(t, nil)
	a := dial(t, hs)
	a.joinAs("a", "lobby")
	a.say("lobby", "m1", "counted")
	a.say("lobby", "m2", "counted")
	get(t, hs.URL+"/benchmark")
	a.next(wire.TypeBroadcast)
	waitClients(t, s, 1)

	res := get(t, hs.URL+"/metrics")
	body, _ := io.ReadAll(res.Body)
	text := string(body)
	for _, want := range []string{
		"chat_connections 1",
		"chat_messages_in_total 2",
		"chat_broadcasts_total 1",
		"chat_broadcasts_dropped_total 0",
		"chat_stalled_clients 0",
		"chat_connects_total 1",
		"chat_deliveries_total ",
		"chat_fanout_seconds_bucket",
		"chat_slow_consumers_total 0",
		"go_goroutines ",
		"process_resident_memory_bytes ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}

func TestStatsSeriesHasOnePointASecond(t *testing.T) {
	_, hs := startServer(t, nil)
	a := dial(t, hs)
	a.joinAs("a", "lobby")
	for i := range 5 {
		a.say("lobby", fmt.Sprint("s", i), "hi")
	}
	var points []metrics.Point
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := get(t, hs.URL+"/stats.json")
		if res.StatusCode != http.StatusOK {
			t.Fatal(res.Status)
		}
		points = nil
		if err := json.NewDecoder(res.Body).Decode(&points); err != nil {
			t.Fatal(err)
		}
		if len(points) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d points after 10s", len(points))
		}
		time.Sleep(200 * time.Millisecond)
	}
	var in float64
	for i, p := range points {
		if i > 0 && p.T <= points[i-1].T {
			t.Fatalf("points out of order: %+v", points)
		}
		if p.Conns != 1 || p.RSSMB <= 0 || p.Goroutines <= 0 {
			t.Fatalf("point %+v: want 1 connection, some memory and goroutines", p)
		}
		in += p.InPerSec
	}
	if in < 4.5 || in > 5.5 {
		t.Errorf("messages in over the points add up to %.2f/s·s, want 5", in)
	}
	// Fan-outs were measured (the messages' own).
	measured := false
	for _, p := range points {
		measured = measured || p.FanoutP50ms > 0
	}
	if !measured {
		t.Errorf("no fan-out latency in %+v", points)
	}
	last := points[len(points)-1].T
	res := get(t, fmt.Sprintf("%s/stats.json?since=%d", hs.URL, last))
	var none []metrics.Point
	_ = json.NewDecoder(res.Body).Decode(&none)
	if len(none) != 0 {
		t.Errorf("since the last point: %d points", len(none))
	}
}
