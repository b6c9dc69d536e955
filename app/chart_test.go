package app

import (
	"math"
	"testing"

	"chat/internal/plot"
)

func TestChartScale(t *testing.T) {
	for _, tc := range []struct {
		t, newest int64
		want      float64
	}{
		{1000, 1000, chartWidth},
		{999, 1000, chartWidth - 1},
		{1000 - statsWindowSeconds, 1000, 0},
		{700, 1000, chartWidth / 2},
	} {
		if got := chartX(tc.t, tc.newest); got != tc.want {
			t.Errorf("chartX(%d, %d) = %v, want %v", tc.t, tc.newest, got, tc.want)
		}
	}
	for _, tc := range []struct{ v, top, want float64 }{
		{0, 10, chartHeight},
		{10, 10, 0},
		{2.5, 10, 75},
		{20, 10, 0},           // above the scale: at the top, not off the chart
		{-1, 10, chartHeight}, // below: at the bottom
		{math.NaN(), 10, chartHeight},
		{math.Inf(1), 10, chartHeight},
		{5, 0, chartHeight}, // no scale
		{5, math.NaN(), chartHeight},
	} {
		if got := chartY(tc.v, tc.top); got != tc.want {
			t.Errorf("chartY(%v, %v) = %v, want %v", tc.v, tc.top, got, tc.want)
		}
	}
}

// conns is a chart of one line over Conns, for tests.
var connsChart = chartSpec{format: plot.Count, lines: []chartLine{{value: func(p statPoint) float64 { return float64(p.Conns) }}}}

func TestLinePath(t *testing.T) {
	latency := chartSpec{format: plot.Ms, zeroIsNone: true, lines: []chartLine{{name: "p50", value: func(p statPoint) float64 { return p.FanoutP50 }}}}
	nan := math.NaN()
	lat := func(pairs ...float64) []statPoint {
		var out []statPoint
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, statPoint{T: int64(pairs[i]), FanoutP50: pairs[i+1]})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		c      chartSpec
		points []statPoint
		top    float64
		want   string
	}{
		{"no points", connsChart, nil, 1, ""},
		{"one point", connsChart, pts(5), 10, "M600 50h0"},
		{"a line", connsChart, pts(8, 9, 10), 10, "M598 20L599 10L600 0"},
		{"zeros are drawn", connsChart, []statPoint{{T: 1}, {T: 2}}, 1, "M599 100L600 100"},
		{"a skipped second is joined", connsChart, pts(6, 8, 10), 10, "M596 40L598 20L600 0"},
		{"a long gap breaks the line", connsChart, pts(1, 2, 10, 11), 20, "M590 95L591 90M599 50L600 45"},
		{"a lone point after a gap is a dot", connsChart, pts(1, 2, 10), 20, "M591 95L592 90M600 50h0"},
		{"a lone point before a gap is a dot", connsChart, pts(1, 9, 10), 20, "M591 95h0M599 55L600 50"},
		{"latency: a second unmeasured is stepped over", latency, lat(1, 1, 2, 0, 3, 2, 4, 2), 2, "M597 50L599 0L600 0"},
		{"latency: a long stretch unmeasured breaks the line", latency, lat(1, 1, 2, 0, 3, 0, 4, 0, 5, 0, 6, 2), 2, "M595 50h0M600 0h0"},
		{"latency: nothing measured", latency, lat(1, 0, 2, 0), 1, ""},
		{"NaN is stepped over", latency, lat(1, 1, 2, nan, 3, 1), 2, "M598 50L600 50"},
		{"an infinite scale: at the bottom", connsChart, []statPoint{{T: 1, Conns: 1}}, math.Inf(1), "M600 100h0"},
		{"older than the window: left out", connsChart, pts(1, 601, 602), 1000, "M599 39.9L600 39.8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.linePath(tc.points, tc.c.lines[0], tc.top); got != tc.want {
				t.Errorf("path = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChartValueAndSummary(t *testing.T) {
	var fanout chartSpec
	for _, c := range statCharts {
		if c.series == "fanout" {
			fanout = c
		}
	}
	points := []statPoint{
		{T: 100, FanoutP50: 0.5, FanoutP99: 12},
		{T: 159, FanoutP50: 1.2, FanoutP99: 3.4},
	}
	if got, want := fanout.valueText(points), "p50 1.2 ms, p99 3.4 ms"; got != want {
		t.Errorf("value = %q, want %q", got, want)
	}
	if got, want := fanout.summary(points), "Fan-out latency: p50 1.2 ms, p99 3.4 ms now; highest 12 ms in the last 1 min"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	idle := []statPoint{{T: 1}, {T: 2}}
	if got, want := fanout.summary(idle), "Fan-out latency: p50 –, p99 – now; highest – in the last 2 s"; got != want {
		t.Errorf("idle summary = %q, want %q", got, want)
	}
	if got, want := connsChart.summary(idle), ": 0 now; highest 0 in the last 2 s"; got != want {
		t.Errorf("all-zero summary = %q, want %q", got, want)
	}
	// A second or two without a measure keeps the last one; more, and
	// there is no current value.
	recent := []statPoint{{T: 10, FanoutP50: 2}, {T: 11}, {T: 13}}
	if got, want := fanout.valueText(recent), "p50 2 ms, p99 –"; got != want {
		t.Errorf("value 3 s after a measure = %q, want %q", got, want)
	}
	recent = append(recent, statPoint{T: 14})
	if got, want := fanout.valueText(recent), "p50 –, p99 –"; got != want {
		t.Errorf("value 4 s after a measure = %q, want %q", got, want)
	}
	if got := connsChart.valueText(nil); got != plot.NoValue {
		t.Errorf("value with no points = %q, want %q", got, plot.NoValue)
	}
}
