package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Named is a report with the name of the server it measured.
type Named struct {
	Name   string
	Report Report
}

// LoadNamed reads "name=file.json" pairs written by `chat bench -json`.
func LoadNamed(pairs []string) ([]Named, error) {
	var out []Named
	for _, p := range pairs {
		name, file, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("-compare wants name=file.json, got %q", p)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var r Report
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, Named{name, r})
	}
	return out, nil
}

// figure is one row of the comparison: how to read it from a report, and
// whether more is better (for the ratio's reading).
type figure struct {
	name   string
	unit   string
	value  func(Report) (float64, bool)
	higher bool
}

var figures = []figure{
	{"fan-out p50", "ms", func(r Report) (float64, bool) {
		return ms64(r.Fanout != nil, func() float64 { return float64(r.Fanout.Latency.P50) / 1e6 })
	}, false},
	{"fan-out p99", "ms", func(r Report) (float64, bool) {
		return ms64(r.Fanout != nil, func() float64 { return float64(r.Fanout.Latency.P99) / 1e6 })
	}, false},
	{"burst deliveries/s", "", func(r Report) (float64, bool) {
		return ms64(r.Burst != nil, func() float64 { return r.Burst.DeliveriesPerS })
	}, true},
	{"burst trigger p50", "ms", func(r Report) (float64, bool) {
		return ms64(r.Burst != nil, func() float64 { return float64(r.Burst.Trigger.P50) / 1e6 })
	}, false},
	{"incomplete broadcasts", "", func(r Report) (float64, bool) {
		n := 0
		if r.Fanout != nil {
			n += r.Fanout.Incomplete
		}
		if r.Burst != nil {
			n += r.Burst.Incomplete
		}
		return float64(n), true
	}, false},
	{"clients dropped", "", func(r Report) (float64, bool) { return float64(r.Dropped), true }, false},
	{"server memory per client", "KB", func(r Report) (float64, bool) {
		return ms64(r.Server != nil, func() float64 { return r.Server.KBPerConn })
	}, false},
	{"server CPU per million deliveries", "s", func(r Report) (float64, bool) {
		return ms64(r.Server != nil && r.Server.CPUSecsPerMDeliv > 0, func() float64 { return r.Server.CPUSecsPerMDeliv })
	}, false},
}

func ms64(ok bool, v func() float64) (float64, bool) {
	if !ok {
		return 0, false
	}
	return v(), true
}

// WriteComparison prints a Markdown table of the reports side by side, with
// the ratio of the first to each of the others.
func WriteComparison(w io.Writer, rs []Named) {
	if len(rs) == 0 {
		return
	}
	head := []string{"figure"}
	for _, r := range rs {
		head = append(head, r.Name)
	}
	for _, r := range rs[1:] {
		head = append(head, rs[0].Name+" / "+r.Name)
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat(" --- |", len(head)))
	for _, f := range figures {
		row := []string{f.name}
		if f.unit != "" {
			row[0] += " (" + f.unit + ")"
		}
		vals := make([]float64, len(rs))
		oks := make([]bool, len(rs))
		for i, r := range rs {
			vals[i], oks[i] = f.value(r.Report)
			row = append(row, format(vals[i], oks[i]))
		}
		for i := 1; i < len(rs); i++ {
			if oks[0] && oks[i] && vals[i] != 0 {
				row = append(row, fmt.Sprintf("%.2f", vals[0]/vals[i]))
			} else {
				row = append(row, "–")
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	fmt.Fprintf(w, "\nclients: ")
	for i, r := range rs {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s %d", r.Name, r.Report.Clients)
	}
	fmt.Fprintln(w)
}

func format(v float64, ok bool) string {
	switch {
	case !ok:
		return "–"
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
