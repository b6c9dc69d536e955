package plot

import (
	"math"
	"testing"
)

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{0, 1}, {-3, 1}, {math.NaN(), 1}, {math.Inf(1), 1},
		{1, 1}, {1.01, 2}, {2, 2}, {2.1, 2.5}, {3, 5}, {5, 5}, {5.1, 10}, {9.99, 10}, {10, 10},
		{23, 25}, {42.3, 50}, {101, 200}, {12345, 20000},
		{0.03, 0.05}, {0.25, 0.25}, {0.3, 0.5}, {0.0007, 0.001},
	} {
		if got := NiceCeil(tc.in); math.Abs(got-tc.want) > tc.want*1e-9 {
			t.Errorf("NiceCeil(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
