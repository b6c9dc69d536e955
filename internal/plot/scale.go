package plot

import (
	"math"
	"strconv"
	"strings"
)

// NiceCeil is the top of a chart's scale: the smallest of 1, 2, 2.5 and 5
// times a power of ten that is at least v. Nothing to show (0, negative,
// NaN) gives 1.
func NiceCeil(v float64) float64 {
	if !Finite(v) || v <= 0 {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(v)))
	for _, step := range []float64{1, 2, 2.5, 5} {
		if top := step * pow; top >= v*(1-1e-9) {
			return top
		}
	}
	return 10 * pow
}

// Coord writes a Coordinate to a tenth of a unit, which is finer than a
// pixel at any size the chart is shown.
func Coord(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}
