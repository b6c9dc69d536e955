package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"chat/internal/imagetest"
	"chat/server/actions"
	"chat/wire"
)

// upload sends a file's bytes as p's page does, on hs; it returns the
// status, the file the server describes, and the error text.
func upload(t *testing.T, p *person, hs *httptest.Server, room, name string, data []byte, header ...string) (int, wire.File, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", hs.URL+"/api/rooms/"+room+"/files?name="+url.QueryEscape(name), bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Origin", hs.URL)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	hc := http.DefaultClient
	if p != nil {
		hc = p.hc
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		File  wire.File `json:"file"`
		Error string    `json:"error"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.File, out.Error
}

// fetchFile GETs path on hs as p (nil: signed out).
func fetchFile(t *testing.T, p *person, hs *httptest.Server, path string) (*http.Response, []byte) {
	t.Helper()
	hc := http.DefaultClient
	if p != nil {
		hc = p.hc
	}
	res, err := hc.Get(hs.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func testPNG(t *testing.T, w, h int) []byte { return imagetest.PNG(t, w, h) }

// TestFilesReachOnlyWhoMayReadTheRoom: on two nodes, a picture uploaded
// on one and sent in a private room is described in the message (its
// size known before it loads), served with its thumbnail to a member on
// the other node, and to nobody else: not a stranger, not a guest, not a
// signed-out request; before it is sent, to its uploader alone; after its
// message is deleted, to nobody.
func TestFilesReachOnlyWhoMayReadTheRoom(t *testing.T) {
	_, natsURL := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, natsURL, 2, nil)
	w := newAuthzWorld(t, srvs[0], hs[0])
	olga, mia := openSocket(t, w.olga, hs[0]), openSocket(t, w.mia, hs[1])
	olga.joinAfter(w.priv, 0)
	mia.joinAfter(w.priv, 0)
	shot := testPNG(t, 1280, 800)
	code, f, msg := upload(t, w.olga, hs[0], w.priv, "screen shot.png", shot)
	if code != http.StatusCreated || f.Type != "image/png" || f.W != 1280 || f.H != 800 || f.TW != 640 || f.TH != 400 || f.Name != "screen shot.png" {
		t.Fatalf("upload: %d %+v %s", code, f, msg)
	}
	stranger, guest := w.people[3].p, w.people[4].p
	if res, _ := fetchFile(t, w.mia, hs[1], "/files/"+f.ID); res.StatusCode != http.StatusNotFound {
		t.Errorf("a member, before the file is sent: %d", res.StatusCode)
	}
	if res, body := fetchFile(t, w.olga, hs[1], "/files/"+f.ID); res.StatusCode != http.StatusOK || !bytes.Equal(body, shot) {
		t.Errorf("its uploader, before it is sent: %d", res.StatusCode)
	}
	// Someone else cannot send olga's file; olga cannot send it elsewhere.
	mia.send(wire.Event{Type: wire.TypeSend, Room: w.priv, ID: "m1", Text: "mine now", Files: []wire.File{{ID: f.ID}}})
	if e := errorFor(mia, w.priv); e.Code != wire.CodeBadField {
		t.Errorf("another's file in a send: %+v", e)
	}
	olga.joinAfter("town", 0)
	olga.send(wire.Event{Type: wire.TypeSend, Room: "town", ID: "o1", Files: []wire.File{{ID: f.ID}}})
	if e := errorFor(olga, "town"); e.Code != wire.CodeBadField {
		t.Errorf("a file sent to another room than its own: %+v", e)
	}
	// Sent without words, with a forged description that the server replaces.
	olga.send(wire.Event{Type: wire.TypeSend, Room: w.priv, ID: "o2", Files: []wire.File{{ID: f.ID, Name: "x.html", Type: "text/html", W: 1}}})
	var got wire.Event
	for got = mia.next(wire.TypeMsg); got.ID != "o2"; got = mia.next(wire.TypeMsg) {
	}
	if len(got.Files) != 1 || got.Files[0] != f {
		t.Errorf("the message's file on the other node: %+v, want %+v", got.Files, f)
	}
	// A resend after a lost ack is the same message, not a refusal.
	olga.send(wire.Event{Type: wire.TypeSend, Room: w.priv, ID: "o2", Files: []wire.File{{ID: f.ID}}})
	for a := olga.next(wire.TypeAck); a.ID != "o2"; a = olga.next(wire.TypeAck) {
	}
	if a := olga.next(wire.TypeAck); a.ID != "o2" || a.Seq != got.Seq {
		t.Errorf("the resend's ack: %+v, want seq %d", a, got.Seq)
	}
	if h := mia.joinAfter(w.priv, 0); h.Type != wire.TypeJoined {
		t.Fatal(h)
	}
	if hist := mia.msgs(w.priv, 1); len(hist[0].Files) != 1 || hist[0].Files[0] != f {
		t.Errorf("history: %+v", hist[0])
	}
	res, body := fetchFile(t, w.mia, hs[1], "/files/"+f.ID)
	h := res.Header
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, shot) || h.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "inline") || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("a member on the other node: %d %v", res.StatusCode, h)
	}
	res, body = fetchFile(t, w.mia, hs[1], "/files/"+f.ID+"/thumb")
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(body)); res.StatusCode != http.StatusOK || err != nil || format != "jpeg" || cfg.Width != 640 || cfg.Height != 400 {
		t.Errorf("the thumbnail: %d %s %v %v", res.StatusCode, format, cfg, err)
	}
	for who, p := range map[string]*person{"a stranger": stranger, "a guest": guest, "the admin": w.admin} {
		want := http.StatusNotFound
		if who == "the admin" {
			want = http.StatusOK // admins moderate private rooms (rooms.Can)
		}
		for _, path := range []string{"/files/" + f.ID, "/files/" + f.ID + "/thumb"} {
			if res, _ := fetchFile(t, p, hs[1], path); res.StatusCode != want {
				t.Errorf("%s GET %s: %d, want %d", who, path, res.StatusCode, want)
			}
		}
	}
	if res, _ := fetchFile(t, nil, hs[0], "/files/"+f.ID); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("signed out: %d", res.StatusCode)
	}
	if res, _ := fetchFile(t, w.mia, hs[0], "/files/"+strings.Repeat("a", len(f.ID))); res.StatusCode != http.StatusNotFound {
		t.Errorf("no such file: %d", res.StatusCode)
	}
	if res, _ := fetchFile(t, w.mia, hs[0], "/files/"+f.ID+".thumb"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a thumbnail's object by name: %d", res.StatusCode)
	}
	// Uploads: not by a stranger to a private room, a guest, a signed-out
	// request, another site.
	if code, _, _ := upload(t, stranger, hs[1], w.priv, "a.png", shot); code != http.StatusForbidden {
		t.Errorf("a stranger's upload to the private room: %d", code)
	}
	if code, _, _ := upload(t, stranger, hs[1], w.missing, "a.png", shot); code != http.StatusForbidden {
		t.Errorf("an upload to a private room that is not there: %d", code)
	}
	if code, _, msg := upload(t, guest, hs[1], "town", "a.png", shot); code != http.StatusForbidden || !strings.Contains(msg, "sign up") {
		t.Errorf("a guest's upload: %d %s", code, msg)
	}
	if code, _, _ := upload(t, nil, hs[1], "town", "a.png", shot); code != http.StatusUnauthorized {
		t.Errorf("a signed-out upload: %d", code)
	}
	if code, _, _ := upload(t, w.olga, hs[1], "town", "a.png", shot, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"); code != http.StatusForbidden {
		t.Errorf("a cross-site upload: %d", code)
	}
	// Deleted with its message, on every node.
	olga.send(wire.Event{Type: wire.TypeDelete, Room: w.priv, ID: "d2", Target: got.Seq})
	for a := olga.next(wire.TypeAck); a.ID != "d2"; a = olga.next(wire.TypeAck) {
	}
	for _, path := range []string{"/files/" + f.ID, "/files/" + f.ID + "/thumb"} {
		if res, _ := fetchFile(t, w.olga, hs[1], path); res.StatusCode != http.StatusNotFound {
			t.Errorf("after its message's delete, GET %s: %d", path, res.StatusCode)
		}
	}
}

// TestUploadLimits: a file past the size limit, a person past their quota,
// a decompression bomb are refused with a clear error; an SVG is served as
// a download that runs nothing; the person's other uploads still work.
func TestUploadLimits(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.FileMax = 200 << 10; c.FilesPerPerson = 300 << 10 })
	ana := newPerson(t, hs)
	ana.signUp("ana", "")
	code, _, msg := upload(t, ana, hs, "town", "big.bin", make([]byte, 200<<10+1))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "200 KiB") {
		t.Errorf("one byte past the file limit: %d %q", code, msg)
	}
	if code, _, msg := upload(t, ana, hs, "town", "a.bin", make([]byte, 150<<10)); code != http.StatusCreated {
		t.Fatalf("within the limits: %d %s", code, msg)
	}
	if code, _, _ := upload(t, ana, hs, "town", "b.bin", make([]byte, 140<<10)); code != http.StatusCreated {
		t.Fatalf("within the quota: %d", code)
	}
	if code, _, msg := upload(t, ana, hs, "town", "c.bin", make([]byte, 20<<10)); code != http.StatusInsufficientStorage || !strings.Contains(msg, "300 KiB") {
		t.Errorf("past the quota: %d %q", code, msg)
	}
	bo := newPerson(t, hs)
	bo.signUp("bo", "")
	bomb := testPNG(t, 1, 1)
	// The same 1×1 PNG, its header rewritten to claim 50,000×50,000.
	bomb = append([]byte(nil), bomb...)
	copy(bomb[16:24], []byte{0, 0, 0xc3, 0x50, 0, 0, 0xc3, 0x50})
	binary.BigEndian.PutUint32(bomb[29:33], crc32.ChecksumIEEE(bomb[12:29])) // the IHDR chunk's CRC
	if code, _, msg := upload(t, bo, hs, "town", "bomb.png", bomb); code != http.StatusUnprocessableEntity || !strings.Contains(msg, "pixels") {
		t.Errorf("a decompression bomb: %d %q", code, msg)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
	code, f, _ := upload(t, bo, hs, "town", "logo.svg", svg)
	if code != http.StatusCreated || f.Type != "application/octet-stream" {
		t.Fatalf("an SVG: %d %+v", code, f)
	}
	res, _ := fetchFile(t, bo, hs, "/files/"+f.ID)
	if h := res.Header; h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(h.Get("Content-Disposition"), "logo.svg") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("an SVG served: %v", h)
	}
	if code, _, msg := upload(t, bo, hs, "town", "ok.png", testPNG(t, 20, 20)); code != http.StatusCreated {
		t.Errorf("bo's next upload: %d %s", code, msg)
	}
	// A message carries at most wire.MaxFiles files.
	ws := openSocket(t, bo, hs)
	ws.joinAfter("town", 0)
	var named []wire.File
	for i := range wire.MaxFiles + 1 {
		_, f, msg := upload(t, bo, hs, "town", fmt.Sprint("n", i, ".txt"), []byte("note"))
		if f.ID == "" {
			t.Fatalf("upload %d: %s", i, msg)
		}
		named = append(named, f)
	}
	ws.send(wire.Event{Type: wire.TypeSend, Room: "town", ID: "many", Files: named})
	if e := errorFor(ws, "town"); e.Code != wire.CodeBadField || !strings.Contains(e.Text, "at most 10") {
		t.Errorf("a message with %d files: %+v", len(named), e)
	}
	ws.send(wire.Event{Type: wire.TypeSend, Room: "town", ID: "ten", Files: named[:wire.MaxFiles]})
	for a := ws.next(wire.TypeAck); a.ID != "ten"; a = ws.next(wire.TypeAck) {
	}
}

// TestUploadsPerHour: past actions.UploadsPerHour in an hour a person is told to
// wait (429, Retry-After); another person is not.
func TestUploadsPerHour(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, nil)
	ana, bo := newPerson(t, hs), newPerson(t, hs)
	ana.signUp("ana", "")
	bo.signUp("bo", "")
	for i := range actions.UploadsPerHour {
		if code, _, msg := upload(t, ana, hs, "town", "a.txt", []byte("a")); code != http.StatusCreated {
			t.Fatalf("upload %d: %d %s", i, code, msg)
		}
	}
	req, _ := http.NewRequest("POST", hs.URL+"/api/rooms/town/files?name=a.txt", strings.NewReader("a"))
	req.Header.Set("Origin", hs.URL)
	res, err := ana.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("upload %d: %d, Retry-After %q", actions.UploadsPerHour+1, res.StatusCode, res.Header.Get("Retry-After"))
	}
	if code, _, msg := upload(t, bo, hs, "town", "b.txt", []byte("b")); code != http.StatusCreated {
		t.Errorf("another person's upload: %d %s", code, msg)
	}
}
