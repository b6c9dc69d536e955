// Package imagetest makes images for tests: real encoded pictures of a
// given size, that decode.
package imagetest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// PNG is an opaque w×h PNG with a gradient in it.
func PNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
