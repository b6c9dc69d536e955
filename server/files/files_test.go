package files

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"chat/internal/imagetest"
	"chat/internal/natstest"
)

func openStore(t testing.TB, o *Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), natstest.JetStream(t), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pngOf(tb testing.TB, w, h int) []byte { return imagetest.PNG(tb, w, h) }

// bombPNG is a PNG whose header claims w×h pixels followed by no real
// data: a few dozen bytes that would decode to w*h*4 bytes.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

func TestImagesGetThumbnailsAndKeepTheirSize(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	big, err := s.Put(ctx, "town", "u1", "../../etc/shot.png", pngOf(t, 1600, 900))
	if err != nil {
		t.Fatal(err)
	}
	if big.Name != "shot.png" || big.Type != "image/png" || big.W != 1600 || big.H != 900 || big.TW != ThumbMax || big.TH != 360 {
		t.Errorf("a big image: %+v", big.File)
	}
	got, err := s.Stat(ctx, big.ID)
	if err != nil || got.File != big.File || got.Room != "town" || got.Owner != "u1" || got.Seq != 0 {
		t.Errorf("stat: %+v %v, want %+v", got, err, big)
	}
	th, err := s.Open(ctx, got, true)
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	cfg, format, err := image.DecodeConfig(th)
	if err != nil || format != "jpeg" || th.Type != "image/jpeg" || cfg.Width != ThumbMax || cfg.Height != 360 {
		t.Errorf("thumbnail: %s %s %dx%d %v", format, th.Type, cfg.Width, cfg.Height, err)
	}
	small, err := s.Put(ctx, "town", "u1", "dot.png", pngOf(t, 30, 20))
	if err != nil || small.TW != 30 || small.TH != 20 {
		t.Fatalf("a small image: %+v %v", small, err)
	}
	own, err := s.Open(ctx, small, true)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if b, _ := io.ReadAll(own); !bytes.Equal(b, pngOf(t, 30, 20)) || own.Type != "image/png" {
		t.Errorf("a small image's thumbnail is not itself (%s, %d bytes)", own.Type, len(b))
	}
	// One message carries a file.
	if err := s.Attach(ctx, big.ID, 7); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.Stat(ctx, big.ID); in.Seq != 7 {
		t.Errorf("attached: seq %d", in.Seq)
	}
	if err := s.Attach(ctx, big.ID, 8); err == nil {
		t.Error("a file attached to a second message")
	}
	// Deleted with its thumbnail, and off the owner's usage.
	before, _ := s.Usage(ctx, "u1")
	if err := s.Delete(ctx, big.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, big.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("stat after delete: %v", err)
	}
	if _, err := s.Open(ctx, big, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("thumbnail after delete: %v", err)
	}
	if after, _ := s.Usage(ctx, "u1"); after != before-big.Size {
		t.Errorf("usage %d after deleting %d of %d", after, big.Size, before)
	}
}

func TestActiveDocumentsAreStoredAsBytes(t *testing.T) {
	s := openStore(t, nil)
	for name, body := range map[string]string{
		"x.svg":  `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		"x.html": `<!DOCTYPE html><html><script>alert(1)</script></html>`,
		"x.png":  `<html><body onload=alert(1)>`, // a name does not make a type
		"x.xml":  `<?xml version="1.0"?><x/>`,
	} {
		in, err := s.Put(context.Background(), "town", "u1", name, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if in.Type != "application/octet-stream" || in.W != 0 {
			t.Errorf("%s stored as %s", name, in.Type)
		}
	}
	in, _ := s.Put(context.Background(), "town", "u1", "notes.txt", []byte("just text\n"))
	if in.Type != "text/plain" {
		t.Errorf("text: %s", in.Type)
	}
}

func TestLimitsAreCrossedWithAClearError(t *testing.T) {
	s := openStore(t, &Options{MaxFile: 64 << 10, MaxPerPerson: 150 << 10, MaxPixels: 4_000_000})
	ctx := context.Background()
	if _, err := s.Put(ctx, "town", "u1", "big.bin", make([]byte, 64<<10+1)); !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "64 KiB") {
		t.Errorf("one byte past the file limit: %v", err)
	}
	if _, err := s.Put(ctx, "town", "u1", "empty", []byte("")); !errors.Is(err, ErrEmptyFile) {
		t.Errorf("an empty file: %v", err)
	}
	for _, bomb := range [][]byte{bombPNG(100_000, 100_000), bombPNG(3000, 3000), bombPNG(1, 30_000)} {
		if _, err := s.Put(ctx, "town", "u1", "bomb.png", bomb); !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), "pixels") {
			t.Errorf("a %d-byte decompression bomb: %v", len(bomb), err)
		}
	}
	if _, err := s.Put(ctx, "town", "u1", "broken.png", pngOf(t, 10, 10)[:40]); !errors.Is(err, ErrBadImage) {
		t.Errorf("a broken image: %v", err)
	}
	// The person's quota: two files of 60 KiB fit in 150, a third does not,
	// a second person's does; deleting one makes room.
	var ids []string
	for range 2 {
		in, err := s.Put(ctx, "town", "u1", "a.bin", make([]byte, 60<<10))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	if _, err := s.Put(ctx, "town", "u1", "a.bin", make([]byte, 60<<10)); !errors.Is(err, ErrQuota) || !strings.Contains(err.Error(), "150 KiB") {
		t.Errorf("past the quota: %v", err)
	}
	if _, err := s.Put(ctx, "town", "u2", "a.bin", make([]byte, 60<<10)); err != nil {
		t.Errorf("another person's file: %v", err)
	}
	if err := s.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "town", "u1", "a.bin", make([]byte, 60<<10)); err != nil {
		t.Errorf("after a delete: %v", err)
	}
}

func TestQuotaCountsUploadsAtOnce(t *testing.T) {
	s := openStore(t, &Options{MaxPerPerson: 100 << 10, Concurrent: 8})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			if _, err := s.Put(context.Background(), "town", "u1", "a.bin", make([]byte, 30<<10)); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, ErrQuota) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok != 3 {
		t.Errorf("%d uploads of 30 KiB taken at once within 100 KiB, want 3", ok)
	}
}

func TestTheStoreBoundRefusesWithErrFull(t *testing.T) {
	s := openStore(t, &Options{MaxTotal: 1 << 20, MaxFile: 600 << 10})
	ctx := context.Background()
	if _, err := s.Put(ctx, "town", "u1", "a.bin", make([]byte, 600<<10)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Put(ctx, "town", "u2", "b.bin", make([]byte, 600<<10))
	if !errors.Is(err, ErrFull) {
		t.Errorf("past the store's bound: %v", err)
	}
	if n, _ := s.Usage(ctx, "u2"); n != 0 {
		t.Errorf("a refused file still counts %d bytes", n)
	}
}

// TestQuotaFollowsTheFilesAge: a file past the history's age leaves its
// owner's usage with it (it used to be dropped by the bucket's age and
// count against the person for ever), its thumbnail too; the bucket keeps
// files a day longer, so that the sweep, not NATS, is what drops them.
func TestQuotaFollowsTheFilesAge(t *testing.T) {
	const ttl = 48 * time.Hour
	s := openStore(t, &Options{TTL: ttl})
	ctx := context.Background()
	old, err := s.Put(ctx, "town", "u1", "old.png", pngOf(t, 800, 800))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Attach(ctx, old.ID, 5); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(ctx, time.Now().Add(ttl-time.Hour)); err != nil || n != 0 {
		t.Errorf("a sweep before the age: %d gone, %v", n, err)
	}
	if n, err := s.Sweep(ctx, time.Now().Add(ttl+time.Minute)); err != nil || n != 1 {
		t.Errorf("a sweep past the age: %d gone, %v; want the sent file", n, err)
	}
	if n, _ := s.Usage(ctx, "u1"); n != 0 {
		t.Errorf("usage %d after the file aged out, want 0", n)
	}
	if _, err := s.Open(ctx, old, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("its thumbnail: %v", err)
	}
	st, err := s.obj.Status(ctx)
	if err != nil || st.TTL() != ttl+expiryMargin {
		t.Errorf("the bucket keeps files %v (%v), want %v", st.TTL(), err, ttl+expiryMargin)
	}
}

func TestSweepTakesUnsentFilesAway(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	sent, err := s.Put(ctx, "town", "u1", "sent.png", pngOf(t, 800, 800))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Attach(ctx, sent.ID, 5); err != nil {
		t.Fatal(err)
	}
	unsent, err := s.Put(ctx, "town", "u1", "unsent.png", pngOf(t, 800, 800))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(ctx, time.Now()); err != nil || n != 0 {
		t.Errorf("a sweep now: %d gone, %v; want none (too young)", n, err)
	}
	if n, err := s.Sweep(ctx, time.Now().Add(Unsent+time.Minute)); err != nil || n != 1 {
		t.Errorf("a sweep a day later: %d gone, %v; want the unsent one", n, err)
	}
	if _, err := s.Stat(ctx, unsent.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the unsent file: %v", err)
	}
	if _, err := s.Stat(ctx, sent.ID); err != nil {
		t.Errorf("the sent file: %v", err)
	}
	if th, err := s.Open(ctx, sent, true); err != nil {
		t.Errorf("the sent file's thumbnail: %v", err)
	} else {
		th.Close()
	}
	if n, _ := s.Usage(ctx, "u1"); n != sent.Size {
		t.Errorf("usage %d, want the sent file's %d", n, sent.Size)
	}
}

// TestUploadsWaitForASlot: past Concurrent files being checked at once,
// the next waits for one to end, and gives up with ErrBusy when its
// context does. (A body still arriving takes no slot: the caller reads it
// whole before Put.)
func TestUploadsWaitForASlot(t *testing.T) {
	s := openStore(t, &Options{Concurrent: 1})
	s.slots <- struct{}{} // a file being checked
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.Put(ctx, "town", "u2", "b.bin", []byte("b")); !errors.Is(err, ErrBusy) {
		t.Errorf("an upload while the only slot is taken: %v, want ErrBusy", err)
	}
	<-s.slots
	if _, err := s.Put(context.Background(), "town", "u2", "b.bin", []byte("b")); err != nil {
		t.Errorf("once the slot is free: %v", err)
	}
}
