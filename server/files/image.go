package files

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ThumbMax bounds a thumbnail's width and height: about what a message
// list shows of an image on a wide screen, twice that for a dense one.
const ThumbMax = 640

// maxSide bounds each side of an image, whatever its pixel count (a
// 1×40,000,000 strip is as much work as a square and no picture).
const maxSide = 20_000

// Sniff says what a file is from its first bytes (the WHATWG algorithm of
// net/http), never from its name or the uploader's word. Anything a browser
// could run as a document from our origin (HTML, SVG, XML) is kept as
// plain bytes: it is served as a download, never displayed.
func Sniff(data []byte) string {
	t := http.DetectContentType(data)
	t, _, _ = strings.Cut(t, ";")
	switch {
	case IsImage(t), t == "application/pdf", t == "application/zip", t == "application/x-gzip",
		t == "audio/mpeg", t == "audio/wave", t == "video/mp4", t == "video/webm", t == "audio/ogg":
		return t
	case t == "text/plain" && !markup(data):
		return "text/plain"
	}
	return "application/octet-stream"
}

// markup says whether text starts like a tag (SVG without an XML
// declaration sniffs as text/plain).
func markup(data []byte) bool {
	t := bytes.TrimLeft(data[:min(len(data), 512)], " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '<'
}

// IsImage says whether files of type t are shown inline as pictures: the
// raster types browsers show and Go decodes (never SVG, which can hold
// script).
func IsImage(t string) bool {
	switch t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// thumbnail checks an image's size from its header before decoding it
// (a few kilobytes of PNG can claim gigapixels: such a file is refused,
// never decoded), then makes a thumbnail of at most ThumbMax a side;
// an image that small already is its own thumbnail (thumb nil, tw and th
// its size).
func (s *Store) thumbnail(data []byte, typ string) (thumb []byte, w, h, tw, th int, err error) {
	cfg, err := decodeConfig(data, typ)
	if err != nil {
		return nil, 0, 0, 0, 0, fmt.Errorf("%w: it does not read as %s (%v)", ErrBadImage, typ, err)
	}
	w, h = cfg.Width, cfg.Height
	if w <= 0 || h <= 0 || w > maxSide || h > maxSide || w*h > s.opts.MaxPixels {
		return nil, 0, 0, 0, 0, fmt.Errorf("%w: %d×%d pixels; the limit is %d pixels, %d a side", ErrBadImage, w, h, s.opts.MaxPixels, maxSide)
	}
	img, err := decode(data, typ) // also when small: a broken image is not shown as one
	if err != nil {
		return nil, 0, 0, 0, 0, fmt.Errorf("%w: it does not decode as %s (%v)", ErrBadImage, typ, err)
	}
	if w <= ThumbMax && h <= ThumbMax {
		return nil, w, h, w, h, nil
	}
	tw, th = fit(w, h, ThumbMax)
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if opaque(img) {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 82})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst)
	}
	if err != nil {
		return nil, 0, 0, 0, 0, err
	}
	return buf.Bytes(), w, h, tw, th, nil
}

// fit scales w×h down to at most side a side, keeping its shape.
func fit(w, h, side int) (int, int) {
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}

func decodeConfig(data []byte, typ string) (image.Config, error) {
	r := bytes.NewReader(data)
	switch typ {
	case "image/png":
		return png.DecodeConfig(r)
	case "image/jpeg":
		return jpeg.DecodeConfig(r)
	case "image/gif":
		return gif.DecodeConfig(r)
	case "image/webp":
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("not an image type: %s", typ)
}

func decode(data []byte, typ string) (image.Image, error) {
	r := bytes.NewReader(data)
	switch typ {
	case "image/png":
		return png.Decode(r)
	case "image/jpeg":
		return jpeg.Decode(r)
	case "image/gif":
		return gif.Decode(r) // the first frame
	case "image/webp":
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("not an image type: %s", typ)
}

// opaque says whether img has no transparency to keep (then a JPEG
// thumbnail is a fraction of a PNG's bytes).
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}
