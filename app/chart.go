package app

import (
	"math"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/internal/plot"
)

// A chart is drawn in a fixed coordinate space, one unit a second across
// and 0 to chartHeight up, that the SVG stretches to its box
// (preserveAspectRatio="none"); stats.css keeps the strokes' width constant.
const (
	chartWidth  = statsWindowSeconds
	chartHeight = 100
	// chartMaxGap is the longest stretch between two points, in seconds,
	// that a line still joins; a longer one (the server down or just
	// restarted, with no points for the time between) is drawn as a gap. A point now and then lands two seconds
	// after the one before, when the server's tick straddles a second.
	chartMaxGap = 3
)

const svgNS = "http://www.w3.org/2000/svg"

// chartLine is one line of a chart.
type chartLine struct {
	name  string // in the legend; empty for a chart of one line
	value func(statPoint) float64
}

// chartSpec describes one chart of the dashboard.
type chartSpec struct {
	series string // data-series, the tests' handle
	title  string
	unit   string // under the title: what the figure counts
	format func(float64) string
	lines  []chartLine
	// zeroIsNone: 0 means nothing was measured that second (fan-out): no
	// point is drawn there, and the current value is the last measure
	// (see latest).
	zeroIsNone bool
}

// statCharts are the dashboard's charts, in order.
var statCharts = []chartSpec{
	{series: "conns", title: "Connections", unit: "clients connected", format: plot.Count,
		lines: []chartLine{{value: func(p statPoint) float64 { return float64(p.Conns) }}}},
	{series: "in", title: "Messages in", unit: "stored per second", format: plot.Rate,
		lines: []chartLine{{value: func(p statPoint) float64 { return p.In }}}},
	{series: "out", title: "Events out", unit: "delivered to clients per second", format: plot.Rate,
		lines: []chartLine{{value: func(p statPoint) float64 { return p.Out }}}},
	{series: "fanout", title: "Fan-out latency", unit: "to reach every member", format: plot.Ms, zeroIsNone: true,
		lines: []chartLine{
			{name: "p50", value: func(p statPoint) float64 { return p.FanoutP50 }},
			{name: "p99", value: func(p statPoint) float64 { return p.FanoutP99 }},
		}},
	{series: "cpu", title: "CPU", unit: "of one core", format: plot.Cores,
		lines: []chartLine{{value: func(p statPoint) float64 { return p.CPU }}}},
	{series: "rss", title: "Memory", unit: "resident", format: plot.MB,
		lines: []chartLine{{value: func(p statPoint) float64 { return p.RSSMB }}}},
	{series: "goroutines", title: "Goroutines", unit: "running now", format: plot.Count,
		lines: []chartLine{{value: func(p statPoint) float64 { return float64(p.Goroutines) }}}},
}

// drawable says whether v is a point on the line.
func (c chartSpec) drawable(v float64) bool {
	return plot.Finite(v) && !(c.zeroIsNone && v == 0)
}

// peak is the highest drawable value of all the chart's lines; 0 if none.
func (c chartSpec) peak(points []statPoint) float64 {
	top := 0.0
	for _, l := range c.lines {
		for _, p := range points {
			if v := l.value(p); c.drawable(v) && v > top {
				top = v
			}
		}
	}
	return top
}

// latest is a line's current value: the newest point's, or for a line
// where 0 means nothing measured, the last measure if the line still
// reaches the right edge (no more than chartMaxGap seconds old). NaN if
// there is none.
func (c chartSpec) latest(points []statPoint, l chartLine) float64 {
	if len(points) == 0 {
		return math.NaN()
	}
	newest := points[len(points)-1].T
	for i := len(points) - 1; i >= 0 && newest-points[i].T <= chartMaxGap; i-- {
		if v := l.value(points[i]); c.drawable(v) {
			return v
		}
		if !c.zeroIsNone {
			break // the newest point has the current value, or there is none
		}
	}
	return math.NaN()
}

// chartX places a point's time: the newest at the right edge, the window's
// oldest at the left.
func chartX(t, newest int64) float64 {
	return chartWidth - float64(newest-t)*chartWidth/statsWindowSeconds
}

// chartY places a value on a scale from 0 to top, clamped to the chart.
func chartY(v, top float64) float64 {
	if !plot.Finite(v) || !(top > 0) {
		return chartHeight
	}
	return chartHeight - math.Max(0, math.Min(1, v/top))*chartHeight
}

// linePath is the SVG path of one line: a subpath for each run of points
// no more than chartMaxGap seconds apart (a second with nothing measured is
// stepped over like a missing point); a lone point is a dot (a round cap
// on a zero-length segment). Points are oldest first; the newest sits at
// the right edge.
func (c chartSpec) linePath(points []statPoint, l chartLine, top float64) string {
	if len(points) == 0 {
		return ""
	}
	newest := points[len(points)-1].T
	var b strings.Builder
	drawn := false // a subpath is under way
	alone := false // and has one point so far
	var prevT int64
	for _, p := range points {
		v := l.value(p)
		if !c.drawable(v) || newest-p.T >= statsWindowSeconds {
			continue
		}
		if drawn && p.T-prevT <= chartMaxGap {
			b.WriteByte('L')
			alone = false
		} else {
			if alone {
				b.WriteString("h0")
			}
			b.WriteByte('M')
			drawn, alone = true, true
		}
		b.WriteString(plot.Coord(chartX(p.T, newest)))
		b.WriteByte(' ')
		b.WriteString(plot.Coord(chartY(v, top)))
		prevT = p.T
	}
	if alone {
		b.WriteString("h0")
	}
	return b.String()
}

// valueText is the chart's current value in words: "3" or "p50 1.2 ms,
// p99 4 ms".
func (c chartSpec) valueText(points []statPoint) string {
	parts := make([]string, len(c.lines))
	for i, l := range c.lines {
		parts[i] = c.format(c.latest(points, l))
		if l.name != "" {
			parts[i] = l.name + " " + parts[i]
		}
	}
	return strings.Join(parts, ", ")
}

// summary is the chart's accessible name: the latest value and the peak of
// the stretch shown.
func (c chartSpec) summary(points []statPoint) string {
	if len(points) == 0 {
		return c.title + ": no data yet"
	}
	span := points[len(points)-1].T - points[0].T + 1
	peak := plot.NoValue
	if top := c.peak(points); top > 0 || !c.zeroIsNone {
		peak = c.format(top)
	}
	return c.title + ": " + c.valueText(points) + " now; highest " + peak + " in the last " + plot.Span(span)
}

// render draws the chart. Its shape never changes with the data (go-app
// matches children by position): a line with no points has an empty path.
func (c chartSpec) render(points []statPoint) app.UI {
	top := plot.NiceCeil(c.peak(points))
	svg := []app.UI{
		svgElem("line").Class("chart-grid").Attr("x1", 0).Attr("x2", chartWidth).Attr("y1", 0).Attr("y2", 0),
		svgElem("line").Class("chart-grid").Attr("x1", 0).Attr("x2", chartWidth).Attr("y1", chartHeight/2).Attr("y2", chartHeight/2),
		svgElem("line").Class("chart-base").Attr("x1", 0).Attr("x2", chartWidth).Attr("y1", chartHeight).Attr("y2", chartHeight),
	}
	for i, l := range c.lines {
		svg = append(svg, svgElem("path").
			Class("chart-line", "line-"+strconv.Itoa(i+1)).
			DataSet("line", lineName(l)).
			Attr("d", c.linePath(points, l, top)))
	}
	return app.Figure().Class("chart").DataSet("series", c.series).Body(
		app.FigCaption().Class("chart-head").Body(
			app.Div().Class("chart-label").Body(
				app.Span().Class("chart-title").Text(c.title),
				app.Span().Class("chart-unit").Text(c.unit),
			),
			c.renderValue(points),
		),
		app.Div().Class("chart-body").Body(
			app.Div().Class("chart-y").Aria("hidden", "true").Body(
				app.Span().Class("chart-max").Text(c.format(top)),
				app.Span().Class("chart-min").Text(c.format(0)),
			),
			svgElem("svg").
				Class("chart-svg").
				Role("img").
				Aria("label", c.summary(points)).
				Attr("viewBox", "0 0 "+strconv.Itoa(chartWidth)+" "+strconv.Itoa(chartHeight)).
				Attr("preserveAspectRatio", "none").
				Body(svg...),
			app.Div().Class("chart-x").Aria("hidden", "true").Body(
				app.Span().Text("10 min ago"),
				app.Span().Text("now"),
			),
		),
	)
}

// renderValue is the current value, with a key to each line's colour when
// the chart has several.
func (c chartSpec) renderValue(points []statPoint) app.UI {
	if len(c.lines) == 1 {
		return app.Span().Class("chart-value").Text(c.format(c.latest(points, c.lines[0])))
	}
	parts := make([]app.UI, 0, 2*len(c.lines))
	for i, l := range c.lines {
		if i > 0 {
			parts = append(parts, app.Text(" ")) // read out as two figures
		}
		parts = append(parts, app.Span().Class("chart-part").Body(
			app.Span().Class("chart-key", "line-"+strconv.Itoa(i+1)).Text(l.name),
			app.Text(" "+c.format(c.latest(points, l))),
		))
	}
	return app.Span().Class("chart-value").Body(parts...)
}

func lineName(l chartLine) string {
	if l.name == "" {
		return "value"
	}
	return l.name
}

// svgElem is an SVG element: go-app creates it in the SVG namespace in the
// browser; in the prerendered HTML the parser puts it there by itself.
func svgElem(tag string) app.HTMLElem {
	return app.Elem(tag).XMLNS(svgNS)
}
