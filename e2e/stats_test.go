package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"chat/wire"
)

// statsSeries are the dashboard's charts, by their data-series.
var statsSeries = []string{"conns", "in", "out", "fanout", "cpu", "rss", "goroutines"}

// chartInfo is what the tests read of one chart in the page.
type chartInfo struct {
	Series string   `json:"series"`
	Value  string   `json:"value"`
	Max    string   `json:"max"`
	Role   string   `json:"role"`
	Label  string   `json:"label"`
	Lines  []string `json:"lines"` // each line's path data
}

const chartsJS = `[...document.querySelectorAll("#stats figure.chart")].map(f => ({
	series: f.dataset.series,
	value: f.querySelector(".chart-value")?.textContent.trim() ?? "",
	max: f.querySelector(".chart-max")?.textContent.trim() ?? "",
	role: f.querySelector("svg")?.getAttribute("role") ?? "",
	label: f.querySelector("svg")?.getAttribute("aria-label") ?? "",
	lines: [...f.querySelectorAll("svg path.chart-line")].map(l => l.getAttribute("d") ?? ""),
}))`

// pathPoints counts the points of a path drawn with M and L.
func pathPoints(d string) int {
	return strings.Count(d, "M") + strings.Count(d, "L")
}

// pathYs returns the y of every point of a path.
func pathYs(d string) []float64 {
	var ys []float64
	for _, seg := range strings.FieldsFunc(d, func(r rune) bool { return r == 'M' || r == 'L' }) {
		f := strings.Fields(strings.TrimSuffix(seg, "h0"))
		if len(f) == 2 {
			if y, err := strconv.ParseFloat(f[1], 64); err == nil {
				ys = append(ys, y)
			}
		}
	}
	return ys
}

// everyLineJS holds when the page shows every chart and each of its lines
// has at least n points.
func everyLineJS(n int) string {
	return fmt.Sprintf(`(() => {
		const figs = document.querySelectorAll("#stats figure.chart");
		return figs.length === %d && [...figs].every(f => {
			const lines = f.querySelectorAll("svg path.chart-line");
			return lines.length > 0 && [...lines].every(l => ((l.getAttribute("d") ?? "").match(/[ML]/g) ?? []).length >= %d);
		});
	})()`, len(statsSeries), n)
}

func pointsHeld(tb testing.TB, tab context.Context) int {
	tb.Helper()
	return eval[int](tb, tab, `+document.getElementById("stats").dataset.points`)
}

// statsTraffic connects n bots to the lobby and has them talk, a few
// messages every 100 ms, until the test ends, so that every series moves.
func statsTraffic(tb testing.TB, app *chatServer, n int) []*botClient {
	tb.Helper()
	bots := make([]*botClient, n)
	for i := range bots {
		bots[i] = dialBot(tb, app, fmt.Sprintf("bot%d", i+1), "lobby")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			b := bots[i%len(bots)]
			var frame []byte
			for j := range 1 + i%3 { // 1 to 3 messages: the rates vary
				ev := wire.Event{Type: wire.TypeSend, Room: "lobby", ID: fmt.Sprintf("stats-%d-%d", i, j), Text: fmt.Sprintf("load %d.%d", i, j)}
				frame = wire.AppendFrame(frame, wire.Encode(ev))
			}
			// A bot the test closed fails here; the others go on.
			_ = b.conn.Write(ctx, websocket.MessageText, frame)
		}
	}()
	tb.Cleanup(func() { cancel(); wg.Wait() }) // before the bots close
	return bots
}

// serverSecondsLater waits until the server has recorded n more points
// than it had when called: a clock that the test and the page share.
func serverSecondsLater(tb testing.TB, app *chatServer, n int) {
	tb.Helper()
	newest := func() int64 {
		resp, err := http.Get(app.URL + "stats.json")
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		var points []struct {
			T int64 `json:"t"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&points); err != nil {
			tb.Fatal(err)
		}
		if len(points) == 0 {
			return 0
		}
		return points[len(points)-1].T
	}
	start := newest()
	deadline := time.Now().Add(time.Duration(n+10) * time.Second)
	for newest() < start+int64(n) {
		if time.Now().After(deadline) {
			tb.Fatalf("the server recorded no %d points in %s", n, time.Duration(n+10)*time.Second)
		}
		time.Sleep(100 * time.Millisecond) // between polls of the server
	}
}

const statsFetchesJS = `performance.getEntriesByType("resource").filter(e => new URL(e.name).pathname === "/stats.json").length`

// TestStatsPage opens the dashboard while bots talk in the lobby: it fills
// in, every chart has its lines, the connections it shows are the bots, it
// follows a bot leaving, and it stops asking the server once left.
func TestStatsPage(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	bots := statsTraffic(t, app, 3)
	browser := newBrowser(t)
	tab := newPage(t, browser)
	do(t, tab, "open /stats",
		chromedp.Navigate(app.URL+"stats"),
		chromedp.WaitVisible(chromedp.ID("stats")),
		// Keep every request's timing: the default buffer holds 250.
		evalVoid(`performance.setResourceTimingBufferSize(100000)`),
	)
	waitFor(t, tab, "3 points held", `+document.getElementById("stats")?.dataset.points >= 3`)
	if title := eval[string](t, tab, `document.title`); !strings.Contains(title, "stats") {
		t.Errorf("title = %q, want it to say stats", title)
	}
	waitFor(t, tab, "every chart with lines of 3 points or more", everyLineJS(3))
	waitFor(t, tab, "3 connections shown", `document.querySelector('figure.chart[data-series="conns"] .chart-value')?.textContent.trim() === "3"`)

	charts := value(t, tab, "read the charts", chromedp.Evaluate[[]chartInfo](chartsJS))
	bySeries := map[string]chartInfo{}
	for _, c := range charts {
		if _, dup := bySeries[c.Series]; dup {
			t.Errorf("two charts for %q", c.Series)
		}
		bySeries[c.Series] = c
	}
	if len(charts) != len(statsSeries) {
		t.Errorf("%d charts, want %d: %+v", len(charts), len(statsSeries), charts)
	}
	for _, s := range statsSeries {
		c, ok := bySeries[s]
		switch {
		case !ok:
			t.Errorf("no chart for %q", s)
			continue
		case c.Role != "img" || c.Label == "":
			t.Errorf("%s: svg role %q, label %q: want an image with a name", s, c.Role, c.Label)
		case !strings.Contains(c.Label, " now;"):
			t.Errorf("%s: label %q does not say the latest value", s, c.Label)
		case c.Value == "" || c.Value == "–" || c.Max == "":
			t.Errorf("%s: value %q, scale %q", s, c.Value, c.Max)
		}
		want := 1
		if s == "fanout" {
			want = 2 // p50 and p99
		}
		if len(c.Lines) != want {
			t.Errorf("%s: %d lines, want %d", s, len(c.Lines), want)
		}
		for i, d := range c.Lines {
			if n := pathPoints(d); n < 3 {
				t.Errorf("%s: line %d has %d points (%q), want 3 or more", s, i+1, n, d)
			}
		}
	}
	// The series move: messages in and events out are above the axis
	// somewhere (y 100 is zero).
	for _, s := range []string{"in", "out", "fanout"} {
		moved := false
		for _, d := range bySeries[s].Lines {
			for _, y := range pathYs(d) {
				moved = moved || y < 100
			}
		}
		if !moved {
			t.Errorf("%s: the line is flat at zero while the bots talk: %q", s, bySeries[s].Lines)
		}
	}
	if c := bySeries["conns"]; !strings.HasPrefix(c.Label, "Connections: 3 now;") {
		t.Errorf("connections label = %q, want it to say 3 now", c.Label)
	}

	// Live: more points come, and a bot leaving shows.
	held := pointsHeld(t, tab)
	waitFor(t, tab, "more points", fmt.Sprintf(`+document.getElementById("stats").dataset.points > %d`, held))
	bots[2].conn.CloseNow()
	waitFor(t, tab, "2 connections shown", `document.querySelector('figure.chart[data-series="conns"] .chart-value')?.textContent.trim() === "2"`)

	// Back to the chat: the page is left in place (go-app navigates
	// itself), and no request for the figures follows.
	if n := eval[int](t, tab, statsFetchesJS); n < 3 {
		t.Fatalf("%d requests for /stats.json seen while on the page: the count below would prove nothing", n)
	}
	do(t, tab, "back to the chat",
		evalVoid(`window.statsTestMark = true`), // gone if the page reloads
		chromedp.Click(chromedp.CSS(`#stats a[href="/"]`)),
	)
	waitFor(t, tab, "the chat", `document.getElementById("chat") !== null && location.pathname === "/"`)
	if !eval[bool](t, tab, `window.statsTestMark === true`) {
		t.Error("the link reloaded the page instead of going back within the app")
	}
	serverSecondsLater(t, app, 1) // a request under way when leaving has ended
	before := eval[int](t, tab, statsFetchesJS)
	serverSecondsLater(t, app, 3)
	if after := eval[int](t, tab, statsFetchesJS); after != before {
		t.Errorf("%d requests for /stats.json after leaving the page: polling did not stop", after-before)
	}
}

// TestStatsScreenshots photographs the dashboard at desktop and phone
// widths, light and dark, for review; it checks only that nothing is wider
// than the window.
func TestStatsScreenshots(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	statsTraffic(t, app, 4)
	browser := newBrowser(t)
	tab := newPage(t, browser)
	do(t, tab, "open /stats", chromedp.Navigate(app.URL+"stats"), chromedp.WaitVisible(chromedp.ID("stats")))
	waitFor(t, tab, "every chart with lines of 6 points or more", everyLineJS(6))
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct {
		name          string
		width, height int64
		scheme        string
	}{
		{"stats-desktop-1280-light", 1280, 900, "light"},
		{"stats-desktop-1280-dark", 1280, 900, "dark"},
		{"stats-phone-375-light", 375, 740, "light"},
		{"stats-phone-375-dark", 375, 740, "dark"},
	} {
		_, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: shot.scheme}},
		})
		if err != nil {
			t.Fatal(err)
		}
		scale := 1.0
		if shot.width < 500 {
			scale = 2
		}
		do(t, tab, "size "+shot.name, chromedp.EmulateViewport(shot.width, shot.height, chromedp.EmulateScale(scale)))
		if w := eval[int](t, tab, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
			t.Errorf("%s: the page is %d px wider than the window", shot.name, w)
		}
		png := value(t, tab, "screenshot "+shot.name, chromedp.CaptureScreenshot())
		path := filepath.Join(screenshotDir, shot.name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
}
