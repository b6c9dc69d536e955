package app

import (
	"math"
	"testing"
)

func TestFormats(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		f    func(float64) string
		in   float64
		want string
	}{
		{"count", formatCount, 0, "0"},
		{"count", formatCount, 7, "7"},
		{"count", formatCount, 2.5, "2.5"},
		{"count", formatCount, 0.25, "0.25"},
		{"count", formatCount, 45.67, "45.7"},
		{"count", formatCount, 456.7, "457"},
		{"count", formatCount, 999, "999"},
		{"count", formatCount, 999.7, "1k"},
		{"count", formatCount, 1000, "1k"},
		{"count", formatCount, 1234, "1.2k"},
		{"count", formatCount, 12345, "12.3k"},
		{"count", formatCount, 99960, "100k"},
		{"count", formatCount, 123456, "123k"},
		{"count", formatCount, 999999, "1M"},
		{"count", formatCount, 4.5e6, "4.5M"},
		{"count", formatCount, 2e18, "2000P"},
		{"count", formatCount, -1234, "-1.2k"},
		{"count", formatCount, nan, "–"},
		{"count", formatCount, inf, "–"},
		{"rate", formatRate, 12345, "12.3k/s"},
		{"rate", formatRate, 0, "0/s"},
		{"rate", formatRate, nan, "–"},
		{"ms", formatMs, 0, "0 ms"},
		{"ms", formatMs, 0.042, "0.04 ms"},
		{"ms", formatMs, 0.5, "0.5 ms"},
		{"ms", formatMs, 1.23, "1.2 ms"},
		{"ms", formatMs, 9.96, "10 ms"},
		{"ms", formatMs, 85.4, "85 ms"},
		{"ms", formatMs, 999.6, "1 s"},
		{"ms", formatMs, 1500, "1.5 s"},
		{"ms", formatMs, 12600, "13 s"},
		{"ms", formatMs, -1, "0 ms"},
		{"ms", formatMs, nan, "–"},
		{"cores", formatCores, 0, "0%"},
		{"cores", formatCores, 0.025, "2.5%"},
		{"cores", formatCores, 0.35, "35%"},
		{"cores", formatCores, 1, "100%"},
		{"cores", formatCores, 2.5, "250%"},
		{"cores", formatCores, 12, "1200%"},
		{"cores", formatCores, inf, "–"},
		{"MB", formatMB, 0, "0 MB"},
		{"MB", formatMB, 42.13, "42.1 MB"},
		{"MB", formatMB, 512.4, "512 MB"},
		{"MB", formatMB, 999.7, "1 GB"},
		{"MB", formatMB, 1228.8, "1.2 GB"},
		{"MB", formatMB, nan, "–"},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s(%v) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestFormatSpan(t *testing.T) {
	for in, want := range map[int64]string{0: "0 s", 1: "1 s", 59: "59 s", 60: "1 min", 89: "1 min", 90: "2 min", 600: "10 min", -5: "0 s"} {
		if got := formatSpan(in); got != want {
			t.Errorf("formatSpan(%d) = %q, want %q", in, got, want)
		}
	}
}
