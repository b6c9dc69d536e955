// Package plot holds what the UI's charts (app) and the benchmark's report
// (bench) share: the scale of a chart, the coordinates of its lines, and the
// short labels of its figures. It depends on the standard library only, so
// that app.wasm stays small.
package plot

import (
	"math"
	"strconv"
	"strings"
)

// NoValue stands for a value that is missing or not a number.
const NoValue = "–"

// Count shortens a count or a rate for a small label: "7", "2.5",
// "0.25", "999", "1.2k", "12.3k", "123k", "4.5M".
func Count(v float64) string {
	if !Finite(v) {
		return NoValue
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if s, ok := fitDecimal(v, smallDecimals(v)); ok {
		return sign + s
	}
	units := []string{"k", "M", "G", "T", "P"}
	for i, unit := range units {
		scaled := v / math.Pow(1000, float64(i+1))
		decimals := 1
		if scaled >= 100 {
			decimals = 0
		}
		if s, ok := fitDecimal(scaled, decimals); ok || i == len(units)-1 {
			return sign + s + unit
		}
	}
	panic("unreachable")
}

// smallDecimals is how precise a number under 1000 is shown: integers as
// they are, others to two significant figures or so.
func smallDecimals(v float64) int {
	switch {
	case v == math.Trunc(v):
		return 0
	case v < 1:
		return 2
	case v < 100:
		return 1
	}
	return 0
}

// fitDecimal formats v with at most this many decimals (trailing zeros
// dropped); ok is false when the rounded value reaches 1000 and belongs to
// the next unit up.
func fitDecimal(v float64, decimals int) (string, bool) {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if r, _ := strconv.ParseFloat(s, 64); r >= 1000 {
		return s, false
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s, true
}

// Rate is a per-second figure: "12.3k/s".
func Rate(v float64) string {
	if !Finite(v) {
		return NoValue
	}
	return Count(v) + "/s"
}

// Ms is a latency given in milliseconds: "0.42 ms", "1.2 ms",
// "85 ms", "1.5 s".
func Ms(ms float64) string {
	if !Finite(ms) {
		return NoValue
	}
	if ms < 0 {
		ms = 0
	}
	if ms < 1000 {
		decimals := 0
		switch {
		case ms < 1:
			decimals = 2
		case ms < 10:
			decimals = 1
		}
		if s, ok := fitDecimal(ms, decimals); ok {
			return s + " ms"
		}
	}
	secs := ms / 1000
	decimals := 1
	if secs >= 10 {
		decimals = 0
	}
	s, _ := fitDecimal(secs, decimals)
	return s + " s"
}

// Cores shows CPU time as a share of one core, as top does: "35%",
// "2.5%", "250%".
func Cores(cores float64) string {
	if !Finite(cores) {
		return NoValue
	}
	pct := max(cores*100, 0)
	decimals := 0
	if pct < 10 && pct != math.Trunc(pct) {
		decimals = 1
	}
	s, _ := fitDecimal(pct, decimals) // past 1000% stays as it is
	return s + "%"
}

// MB is a memory size given in MB: "42.1 MB", "512 MB", "1.2 GB".
func MB(mb float64) string {
	if !Finite(mb) {
		return NoValue
	}
	mb = max(mb, 0)
	if mb < 999.5 { // what would round to 1000 MB is shown as GB
		decimals := 0
		if mb < 100 {
			decimals = 1
		}
		s, _ := fitDecimal(mb, decimals)
		return s + " MB"
	}
	gb := mb / 1024
	decimals := 1
	if gb >= 100 {
		decimals = 0
	}
	s, _ := fitDecimal(gb, decimals) // past 1000 GB stays in GB
	return s + " GB"
}

// Span says how long a stretch of seconds is: "45 s", "3 min".
func Span(secs int64) string {
	if secs < 60 {
		return strconv.FormatInt(max(secs, 0), 10) + " s"
	}
	return strconv.FormatInt((secs+30)/60, 10) + " min"
}

func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
