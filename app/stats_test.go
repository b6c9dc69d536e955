package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// pts makes points at these times, with conns = t so that tests can tell
// which copy of a second was kept.
func pts(times ...int64) []statPoint {
	out := make([]statPoint, len(times))
	for i, t := range times {
		out[i] = statPoint{T: t, Conns: t}
	}
	return out
}

func times(points []statPoint) []int64 {
	out := make([]int64, len(points))
	for i, p := range points {
		out[i] = p.T
	}
	return out
}

func TestMergePoints(t *testing.T) {
	for _, tc := range []struct {
		name        string
		held, fresh []statPoint
		want        []int64
	}{
		{"nothing", nil, nil, []int64{}},
		{"first batch", nil, pts(1, 2, 3), []int64{1, 2, 3}},
		{"append", pts(1, 2), pts(3, 4), []int64{1, 2, 3, 4}},
		{"empty batch", pts(1, 2), []statPoint{}, []int64{1, 2}},
		{"same second again", pts(1, 2), pts(2, 3), []int64{1, 2, 3}},
		{"out of order", pts(1, 4), pts(3, 2, 5), []int64{1, 2, 3, 4, 5}},
		{"older than all", pts(5, 6), pts(2), []int64{2, 5, 6}},
		{"a skipped second", pts(1, 2), pts(4), []int64{1, 2, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := times(mergePoints(tc.held, tc.fresh))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("merge = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMergeReplacesASecond(t *testing.T) {
	held := pts(1, 2, 3)
	got := mergePoints(held, []statPoint{{T: 2, Conns: 99}, {T: 3, Conns: 98}})
	if len(got) != 3 || got[1].Conns != 99 || got[2].Conns != 98 {
		t.Errorf("got %+v, want seconds 2 and 3 replaced by the later copies", got)
	}
}

func TestMergeKeepsTheWindow(t *testing.T) {
	// Ten minutes and a half, a second at a time and in one batch: the
	// last 600 seconds stay.
	var one []statPoint
	var all []statPoint
	for s := int64(1000); s < 1630; s++ {
		one = mergePoints(one, pts(s))
		all = append(all, pts(s)...)
	}
	batch := mergePoints(nil, all)
	for name, got := range map[string][]statPoint{"one by one": one, "in one batch": batch} {
		if len(got) != statsMaxPoints {
			t.Errorf("%s: %d points held, want %d", name, len(got), statsMaxPoints)
			continue
		}
		if got[0].T != 1030 || got[len(got)-1].T != 1629 {
			t.Errorf("%s: held %d..%d, want 1030..1629", name, got[0].T, got[len(got)-1].T)
		}
	}

	// After a long gap (the server down), what is older than ten minutes
	// before the newest point goes, however few points are left.
	got := mergePoints(pts(1, 2, 3, 500), pts(700))
	if want := []int64{500, 700}; fmt.Sprint(times(got)) != fmt.Sprint(want) {
		t.Errorf("after a gap: %v, want %v", times(got), want)
	}
	got = mergePoints(pts(1, 2), pts(5000))
	if want := []int64{5000}; fmt.Sprint(times(got)) != fmt.Sprint(want) {
		t.Errorf("after a long gap: %v, want %v", times(got), want)
	}
}

// fakeStats is /stats.json over HTTP: it answers each request with the
// next of its answers and records the query.
type fakeStats struct {
	mu      sync.Mutex
	queries []string
	answers []func(w http.ResponseWriter)
}

func (f *fakeStats) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.RawQuery)
	var answer func(http.ResponseWriter)
	if len(f.answers) > 0 {
		answer, f.answers = f.answers[0], f.answers[1:]
	}
	f.mu.Unlock()
	if r.URL.Path != "/stats.json" {
		http.NotFound(w, r)
		return
	}
	if answer == nil {
		io.WriteString(w, "[]")
		return
	}
	answer(w)
}

func points(json string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { io.WriteString(w, json) }
}

func status(code int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { http.Error(w, "no", code) }
}

// httpGet is statsPoller.get over net/http, for tests outside a browser.
func httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{url: url, status: resp.StatusCode}
	}
	return io.ReadAll(resp.Body)
}

// TestPollerStopsWhenRefused: a server that keeps its figures from this
// visitor (401, 403: they are its operator's) is not asked again, and
// the page is told once; a 503 is only a failure, asked again.
func TestPollerStopsWhenRefused(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		fake := &fakeStats{answers: []func(http.ResponseWriter){status(http.StatusServiceUnavailable), status(code), points(`[]`)}}
		srv := httptest.NewServer(fake)
		refusedN, failedN := 0, 0
		sp := &statsPoller{url: srv.URL + "/stats.json", get: httpGet, every: time.Millisecond, timeout: 10 * time.Second,
			got: func([]statPoint) {}, failed: func(error) { failedN++ }, refused: func() { refusedN++ }}
		done := make(chan struct{})
		go func() { sp.run(context.Background()); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d: the poller went on after the refusal", code)
		}
		srv.Close()
		fake.mu.Lock()
		asked := len(fake.queries)
		fake.mu.Unlock()
		if refusedN != 1 || failedN != 1 || asked != 2 {
			t.Errorf("%d: refused %d, failed %d, asked %d times; want 1, 1 (the 503), 2", code, refusedN, failedN, asked)
		}
	}
}

// TestPollerAsksForWhatIsNew runs the poller against an HTTP server: it
// asks for everything, then only for what is newer than the newest point it
// has seen; a failure is reported, and the next answer says all is well
// again even with no points; it stops when its context ends.
func TestPollerAsksForWhatIsNew(t *testing.T) {
	fake := &fakeStats{answers: []func(http.ResponseWriter){
		points(`[{"t":100,"conns":3,"in":1.5,"out":4.5,"fanout_p50":0.25,"fanout_p99":1.5,"cpu":0.1,"rss_mb":42.5,"goroutines":17},{"t":101,"conns":4}]`),
		points(`[]`),
		status(http.StatusServiceUnavailable),
		points(`[]`),
		points(`[{"t":103,"conns":5},{"t":102,"conns":6}]`),
		points(`not json`),
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	type report struct {
		points []statPoint
		err    error
	}
	reports := make(chan report, 100)
	sp := &statsPoller{
		url:     srv.URL + "/stats.json",
		get:     httpGet,
		every:   time.Millisecond,
		timeout: 10 * time.Second,
		got:     func(p []statPoint) { reports <- report{points: p} },
		failed:  func(err error) { reports <- report{err: err} },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		sp.run(ctx)
		close(done)
	}()
	next := func() report {
		t.Helper()
		select {
		case r := <-reports:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("the poller reported nothing for 10 s")
			return report{}
		}
	}

	first := next()
	want := statPoint{T: 100, Conns: 3, In: 1.5, Out: 4.5, FanoutP50: 0.25, FanoutP99: 1.5, CPU: 0.1, RSSMB: 42.5, Goroutines: 17}
	if first.err != nil || len(first.points) != 2 || first.points[0] != want {
		t.Fatalf("first report = %+v, want two points, the first %+v", first, want)
	}
	// The empty answer is not reported; the failure is.
	if r := next(); r.err == nil || !strings.Contains(r.err.Error(), "503") {
		t.Fatalf("third answer reported as %+v, want a 503 error", r)
	}
	if r := next(); r.err != nil || len(r.points) != 0 {
		t.Fatalf("after the failure: %+v, want a report with no points", r)
	}
	if r := next(); r.err != nil || len(r.points) != 2 {
		t.Fatalf("fifth answer: %+v, want two points", r)
	}
	if r := next(); r.err == nil {
		t.Fatalf("bad JSON reported as %+v, want an error", r)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the poller did not stop when its context ended")
	}

	fake.mu.Lock()
	queries := fake.queries
	fake.mu.Unlock()
	wantQueries := []string{"", "since=101", "since=101", "since=101", "since=101", "since=103"}
	if len(queries) < len(wantQueries) || fmt.Sprint(queries[:len(wantQueries)]) != fmt.Sprint(wantQueries) {
		t.Errorf("queries = %q, want them to start %q", queries, wantQueries)
	}
	for _, q := range queries[len(wantQueries):] {
		if q != "since=103" {
			t.Errorf("a later query is %q, want since=103", q)
		}
	}
}

// TestPollerStopsMidRequest: ending the context ends a request under way.
func TestPollerStopsMidRequest(t *testing.T) {
	started := make(chan struct{})
	sp := &statsPoller{
		url: "/stats.json",
		get: func(ctx context.Context, url string) ([]byte, error) {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		},
		every:   time.Hour,
		timeout: time.Hour,
		got:     func([]statPoint) { t.Error("got called") },
		failed:  func(error) { t.Error("failed called for a cancelled request") },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		sp.run(ctx)
		close(done)
	}()
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the poller did not stop")
	}
}

// TestStatsPageHooks checks what the browser tests select on, in the page
// as the server prerenders it.
func TestStatsPageHooks(t *testing.T) {
	p := &statsPage{points: []statPoint{
		{T: 1000, Conns: 2, In: 0, Out: 0, CPU: 0.05, RSSMB: 40, Goroutines: 20},
		{T: 1001, Conns: 3, In: 2, Out: 6, FanoutP50: 0.4, FanoutP99: 1.6, CPU: 0.1, RSSMB: 41.5, Goroutines: 22},
		{T: 1002, Conns: 3, In: 12345, Out: 0, FanoutP50: 0, FanoutP99: 0, CPU: 0.5, RSSMB: 42, Goroutines: 21},
	}}
	html := app.HTMLString(p)
	for _, want := range []string{
		`id="stats"`, `data-points="3"`, `href="/"`, `id="stats-status"`, `data-state="live"`,
		`role="img"`, `viewBox="0 0 600 100"`, `preserveAspectRatio="none"`,
		`aria-label="Connections: 3 now; highest 3 in the last 3 s"`,
		`aria-label="Fan-out latency: p50 0.4 ms, p99 1.6 ms now; highest 1.6 ms in the last 3 s"`,
		`aria-label="Messages in: 12.3k/s now; highest 12.3k/s in the last 3 s"`,
		`class="chart-value">3<`, `class="chart-value">50%<`, `class="chart-value">42 MB<`,
		`class="chart-max">5<`, `class="chart-max">20k/s<`, `class="chart-max">2 ms<`,
		`>10 min ago<`, `>now<`,
		`d="M598 60L599 40L600 40"`, // connections: 2, 3, 3 on a scale to 5 (y 100 is 0)
		`d="M599 80h0"`,             // p50: measured once, 0.4 ms on a scale to 2: a dot
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, series := range []string{"conns", "in", "out", "fanout", "cpu", "rss", "goroutines"} {
		re := regexp.MustCompile(`<figure[^>]*data-series="` + series + `"[^>]*>`)
		if n := len(re.FindAllString(html, -1)); n != 1 {
			t.Errorf("%d figures for %s, want 1", n, series)
		}
	}
	if n := strings.Count(html, "<figure"); n != len(statCharts) {
		t.Errorf("%d figures, want %d", n, len(statCharts))
	}
	lines := 0
	for _, tag := range regexp.MustCompile(`<path[^>]*>`).FindAllString(html, -1) {
		if strings.Contains(tag, "chart-line") {
			lines++
		}
	}
	if lines != len(statCharts)+1 {
		t.Errorf("%d lines, want one a line: %d", lines, len(statCharts)+1)
	}
	// Foreign content: an element left open would swallow the ones after it.
	if n := strings.Count(html, "</path>"); n != lines {
		t.Errorf("%d lines but %d </path>", lines, n)
	}
	if t.Failed() {
		t.Log(html)
	}
}

func TestStatsPageEmpty(t *testing.T) {
	html := app.HTMLString(&statsPage{})
	for _, want := range []string{
		`data-points="0"`, `data-state="waiting"`,
		`aria-label="Connections: no data yet"`, `class="chart-value">–<`, `class="chart-max">1<`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, tag := range regexp.MustCompile(`<path[^>]*>`).FindAllString(html, -1) {
		if strings.Contains(tag, "chart-line") && strings.Contains(tag, ` d=`) {
			t.Errorf("a line is drawn with no data: %s", tag)
		}
	}
	p := &statsPage{failing: true, points: pts(1)}
	if html := app.HTMLString(p); !strings.Contains(html, `data-state="error"`) {
		t.Error("a failing poll is not said")
	}
}

// The fixture's JSON is the server's: keep the tags in step with
// server.Point (app cannot import it; this test spells the names out).
func TestStatPointJSON(t *testing.T) {
	var p statPoint
	in := `{"t":1,"conns":2,"in":3,"out":4,"fanout_p50":5,"fanout_p99":6,"cpu":7,"rss_mb":8,"goroutines":9}`
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	if want := (statPoint{1, 2, 3, 4, 5, 6, 7, 8, 9}); p != want {
		t.Errorf("decoded %+v, want %+v", p, want)
	}
}

// TestPollerGivesUpOnASilentServer: a request with no answer fails after
// the timeout, and the poller tries again.
func TestPollerGivesUpOnASilentServer(t *testing.T) {
	var calls sync.WaitGroup
	calls.Add(2)
	n := 0 // run's goroutine alone calls get
	failures := make(chan error, 10)
	sp := &statsPoller{
		url: "/stats.json",
		get: func(ctx context.Context, url string) ([]byte, error) {
			if n++; n <= 2 {
				calls.Done()
			}
			<-ctx.Done()
			return nil, ctx.Err()
		},
		every:   time.Millisecond,
		timeout: 20 * time.Millisecond,
		got:     func([]statPoint) { t.Error("got called") },
		failed:  func(err error) { failures <- err },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		sp.run(ctx)
		close(done)
	}()
	select {
	case err := <-failures:
		if err == nil || !strings.Contains(err.Error(), "no answer in 20ms") {
			t.Errorf("failure = %v, want no answer in 20ms", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a silent server was waited on for 10 s")
	}
	calls.Wait() // and a second request followed
	cancel()
	<-done
}
