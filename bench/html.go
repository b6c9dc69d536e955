package bench

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"chat/internal/plot"
)

// WriteHTML writes the report as a self-contained page: the table, the
// distribution of fan-out latencies and deliveries over time, charts drawn
// here as inline SVG (no script, no download).
func (r Report) WriteHTML(w io.Writer, title string) error {
	var table bytes.Buffer
	r.WriteText(&table)
	data := struct {
		Title, Table string
		When         string
		Charts       []template.HTML
	}{Title: title, Table: table.String(), When: time.Now().Format(time.RFC1123)}
	if r.Fanout != nil && len(r.Fanout.Samples) > 0 {
		data.Charts = append(data.Charts, histogramSVG(r.Fanout.Samples, "Fan-out latency, trigger to last client (ms)", "broadcasts"))
	}
	if len(r.Timeline) > 0 {
		var xs, deliveries, cpu []float64
		for _, p := range r.Timeline {
			xs = append(xs, float64(p.Ms)/1000)
			deliveries = append(deliveries, p.DeliveriesPS)
			cpu = append(cpu, p.ServerCPU*100)
		}
		data.Charts = append(data.Charts, lineSVG(xs, deliveries, "Deliveries per second over the run", "s", "deliveries/s"))
		if r.Server != nil {
			data.Charts = append(data.Charts, lineSVG(xs, cpu, "Server CPU over the run", "s", "% of one core"))
		}
	}
	return reportPage.Execute(w, data)
}

var reportPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1b1b1f;background:#fff}
pre{background:#f4f4f7;padding:1rem;white-space:pre-wrap;border-radius:.5rem}
figure{margin:2rem 0} svg{width:100%;height:auto;background:#fafafc;border-radius:.5rem}
svg text{font:12px system-ui,sans-serif;fill:#444} .bar{fill:#4f46e5} .line{fill:none;stroke:#4f46e5;stroke-width:1.5}
.axis{stroke:#999;stroke-width:1} .grid{stroke:#e3e3ea;stroke-width:1}
@media (prefers-color-scheme:dark){body{background:#15151a;color:#e8e8ee}pre{background:#23232b}svg{background:#1d1d24}svg text{fill:#bbb}.grid{stroke:#2c2c36}}
</style></head><body>
<h1>{{.Title}}</h1><p>{{.When}}</p>
<pre>{{.Table}}</pre>
{{range .Charts}}<figure>{{.}}</figure>{{end}}
</body></html>
`))

const (
	svgW, svgH             = 800, 300
	padL, padR, padT, padB = 70, 20, 30, 40
)

func histogramSVG(samples []float64, title, ylabel string) template.HTML {
	lo, hi := slices.Min(samples), slices.Max(samples)
	bins := min(40, max(5, len(samples)/3))
	if hi == lo {
		hi = lo + 1
	}
	counts := make([]int, bins)
	for _, s := range samples {
		i := int((s - lo) / (hi - lo) * float64(bins))
		counts[min(i, bins-1)]++
	}
	top := plot.NiceCeil(float64(slices.Max(counts)))
	var b strings.Builder
	frame(&b, title, plot.Ms(lo), plot.Ms(hi), top, ylabel)
	bw := float64(svgW-padL-padR) / float64(bins)
	for i, c := range counts {
		h := float64(c) / top * float64(svgH-padT-padB)
		fmt.Fprintf(&b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s"><title>%s to %s: %d</title></rect>`,
			plot.Coord(float64(padL)+float64(i)*bw+1), plot.Coord(float64(svgH-padB)-h), plot.Coord(math.Max(bw-2, 1)), plot.Coord(h),
			plot.Ms(lo+float64(i)*(hi-lo)/float64(bins)), plot.Ms(lo+float64(i+1)*(hi-lo)/float64(bins)), c)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func lineSVG(xs, ys []float64, title, xunit, ylabel string) template.HTML {
	top := plot.NiceCeil(slices.Max(ys))
	xmax := xs[len(xs)-1]
	if xmax <= 0 {
		xmax = 1
	}
	var b strings.Builder
	frame(&b, title, "0", fmt.Sprintf("%.1f %s", xmax, xunit), top, ylabel)
	b.WriteString(`<polyline class="line" points="`)
	for i := range xs {
		x := float64(padL) + xs[i]/xmax*float64(svgW-padL-padR)
		y := float64(svgH-padB) - ys[i]/top*float64(svgH-padT-padB)
		b.WriteString(plot.Coord(x) + "," + plot.Coord(y) + " ")
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String())
}

// frame opens an SVG with a title, axes, and labels for the x range and the
// y maximum.
func frame(b *strings.Builder, title, xlo, xhi string, ymax float64, ylabel string) {
	fmt.Fprintf(b, `<svg viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, svgW, svgH, template.HTMLEscapeString(title))
	fmt.Fprintf(b, `<text x="%d" y="18" font-weight="bold">%s</text>`, padL, template.HTMLEscapeString(title))
	for _, f := range []float64{0.25, 0.5, 0.75, 1} {
		y := float64(svgH-padB) - f*float64(svgH-padT-padB)
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`,
			padL, svgW-padR, y, y, padL-6, y+4, plot.Count(f*ymax))
	}
	fmt.Fprintf(b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padL, svgW-padR, svgH-padB, svgH-padB)
	fmt.Fprintf(b, `<text x="%d" y="%d">%s</text><text x="%d" y="%d" text-anchor="end">%s</text>`, padL, svgH-padB+18, xlo, svgW-padR, svgH-padB+18, xhi)
	fmt.Fprintf(b, `<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>`, svgH/2, svgH/2, template.HTMLEscapeString(ylabel))
}
