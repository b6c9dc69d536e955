package plot

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
		{"count", Count, 0, "0"},
		{"count", Count, 7, "7"},
		{"count", Count, 2.5, "2.5"},
		{"count", Count, 0.25, "0.25"},
		{"count", Count, 45.67, "45.7"},
		{"count", Count, 456.7, "457"},
		{"count", Count, 999, "999"},
		{"count", Count, 999.7, "1k"},
		{"count", Count, 1000, "1k"},
		{"count", Count, 1234, "1.2k"},
		{"count", Count, 12345, "12.3k"},
		{"count", Count, 99960, "100k"},
		{"count", Count, 123456, "123k"},
		{"count", Count, 999999, "1M"},
		{"count", Count, 4.5e6, "4.5M"},
		{"count", Count, 2e18, "2000P"},
		{"count", Count, -1234, "-1.2k"},
		{"count", Count, nan, "–"},
		{"count", Count, inf, "–"},
		{"rate", Rate, 12345, "12.3k/s"},
		{"rate", Rate, 0, "0/s"},
		{"rate", Rate, nan, "–"},
		{"ms", Ms, 0, "0 ms"},
		{"ms", Ms, 0.042, "0.04 ms"},
		{"ms", Ms, 0.5, "0.5 ms"},
		{"ms", Ms, 1.23, "1.2 ms"},
		{"ms", Ms, 9.96, "10 ms"},
		{"ms", Ms, 85.4, "85 ms"},
		{"ms", Ms, 999.6, "1 s"},
		{"ms", Ms, 1500, "1.5 s"},
		{"ms", Ms, 12600, "13 s"},
		{"ms", Ms, -1, "0 ms"},
		{"ms", Ms, nan, "–"},
		{"cores", Cores, 0, "0%"},
		{"cores", Cores, 0.025, "2.5%"},
		{"cores", Cores, 0.35, "35%"},
		{"cores", Cores, 1, "100%"},
		{"cores", Cores, 2.5, "250%"},
		{"cores", Cores, 12, "1200%"},
		{"cores", Cores, inf, "–"},
		{"MB", MB, 0, "0 MB"},
		{"MB", MB, 42.13, "42.1 MB"},
		{"MB", MB, 512.4, "512 MB"},
		{"MB", MB, 999.7, "1 GB"},
		{"MB", MB, 1228.8, "1.2 GB"},
		{"MB", MB, nan, "–"},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s(%v) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestFormatSpan(t *testing.T) {
	for in, want := range map[int64]string{0: "0 s", 1: "1 s", 59: "59 s", 60: "1 min", 89: "1 min", 90: "2 min", 600: "10 min", -5: "0 s"} {
		if got := Span(in); got != want {
			t.Errorf("Span(%d) = %q, want %q", in, got, want)
		}
	}
}
