package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
)

// idLen is the length of a file's id: 16 random bytes in base32.
const idLen = 26

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// MaxName bounds a file's name, in bytes.
const MaxName = 200

// Put takes in a file uploaded for room by owner, read whole by the
// caller: at most MaxFile bytes, within the owner's MaxPerPerson, its type
// found from its bytes, an image checked and given a thumbnail. Checking
// an image costs memory and CPU, so at most Concurrent files are checked
// at once (the others wait for ctx); a body still arriving takes no slot.
func (s *Store) Put(ctx context.Context, room, owner, name string, data []byte) (Info, error) {
	name = cleanName(name)
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return Info{}, ErrBusy
	}
	switch {
	case int64(len(data)) > s.opts.MaxFile:
		return Info{}, fmt.Errorf("%w: the limit is %s a file", ErrTooBig, Bytes(s.opts.MaxFile))
	case len(data) == 0:
		return Info{}, ErrEmptyFile
	}
	in := Info{Room: room, Owner: owner}
	in.ID, in.Name, in.Size, in.Type = newID(), name, int64(len(data)), Sniff(data)
	var thumb []byte
	if IsImage(in.Type) {
		var err error
		if thumb, in.W, in.H, in.TW, in.TH, err = s.thumbnail(data, in.Type); err != nil {
			return Info{}, err
		}
	}
	if err := s.addUsage(ctx, owner, in.Size); err != nil {
		if errors.Is(err, ErrQuota) {
			return Info{}, fmt.Errorf("%w: your files keep %s of the %s a person may", ErrQuota, Bytes(s.usageOr(ctx, owner)), Bytes(s.opts.MaxPerPerson))
		}
		return Info{}, err
	}
	if err := s.store(ctx, in, data, thumb); err != nil {
		_ = s.addUsage(context.WithoutCancel(ctx), owner, -in.Size)
		return Info{}, err
	}
	return in, nil
}

func (s *Store) usageOr(ctx context.Context, user string) int64 {
	n, _ := s.Usage(ctx, user)
	return n
}

// store writes the thumbnail, then the file (whose metadata names the
// thumbnail's size: a file seen has its thumbnail).
func (s *Store) store(ctx context.Context, in Info, data, thumb []byte) error {
	if thumb != nil {
		if _, err := s.obj.Put(ctx, jetstream.ObjectMeta{Name: in.ID + thumbSuffix}, bytes.NewReader(thumb)); err != nil {
			return s.putError(ctx, err)
		}
	}
	md := map[string]string{mdRoom: in.Room, mdOwner: in.Owner, mdName: in.Name, mdType: in.Type, mdAt: strconv.FormatInt(time.Now().Unix(), 10)}
	for k, v := range map[string]int{mdW: in.W, mdH: in.H, mdTW: in.TW, mdTH: in.TH} {
		if v > 0 {
			md[k] = strconv.Itoa(v)
		}
	}
	if _, err := s.obj.Put(ctx, jetstream.ObjectMeta{Name: in.ID, Metadata: md}, bytes.NewReader(data)); err != nil {
		if thumb != nil {
			_ = s.obj.Delete(context.WithoutCancel(ctx), in.ID+thumbSuffix)
		}
		return s.putError(ctx, err)
	}
	return nil
}

// putError tells a full bucket (MaxTotal, or the server's storage) from
// other failures.
func (s *Store) putError(ctx context.Context, err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case 10002, 10023, 10047, 10077: // account, server, storage resources; stream store failed (max bytes)
			return fmt.Errorf("%w: %v", ErrFull, err)
		}
	}
	if strings.Contains(err.Error(), "maximum bytes") {
		return fmt.Errorf("%w: %v", ErrFull, err)
	}
	return err
}

// cleanName makes an uploader's file name safe to keep and to put in a
// Content-Disposition: no path, no control characters, not empty, at
// most MaxName bytes (cut on a character).
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > MaxName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// Bytes says a size the way people read it.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'g', 3, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
