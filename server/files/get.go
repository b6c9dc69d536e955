package files

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/nats-io/nats.go/jetstream"
)

// Object is a file's bytes being read, or its thumbnail's.
type Object struct {
	io.ReadCloser
	Size int64
	Type string
}

// Open reads a file (thumb false) or its thumbnail; in is the file's
// description (from Stat: the caller checks who may read it first). An
// image small enough to be its own thumbnail answers its own bytes.
func (s *Store) Open(ctx context.Context, in Info, thumb bool) (Object, error) {
	name, typ := in.ID, in.Type
	if thumb {
		if in.TW == 0 {
			return Object{}, ErrNotFound
		}
		if in.TW != in.W || in.TH != in.H {
			name, typ = in.ID+thumbSuffix, ""
		}
	}
	res, err := s.obj.Get(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return Object{}, ErrNotFound
	}
	if err != nil {
		return Object{}, err
	}
	oi, err := res.Info()
	if err != nil {
		res.Close()
		return Object{}, err
	}
	obj := Object{ReadCloser: res, Size: int64(oi.Size), Type: typ}
	if typ == "" { // a thumbnail: JPEG or PNG, as thumbnail chose
		head := make([]byte, 512)
		n, _ := io.ReadFull(res, head)
		obj.Type = http.DetectContentType(head[:n])
		obj.ReadCloser = readCloser{io.MultiReader(bytes.NewReader(head[:n]), res), res}
	}
	return obj, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
