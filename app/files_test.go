package app

import (
	"reflect"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

func TestImageBox(t *testing.T) {
	for _, c := range []struct {
		f    wire.File
		w, h int
	}{
		{wire.File{TW: 640, TH: 400}, 320, 200},
		{wire.File{TW: 400, TH: 640}, 200, 320},
		{wire.File{TW: 200, TH: 100}, 200, 100}, // never scaled up
		{wire.File{TW: 640, TH: 1}, 320, 1},     // never to nothing
		{wire.File{TW: 600, TH: 360}, 320, 192},
	} {
		if w, h := imageBox(c.f); w != c.w || h != c.h {
			t.Errorf("imageBox(%dx%d) = %dx%d, want %dx%d", c.f.TW, c.f.TH, w, h, c.w, c.h)
		}
	}
}

func TestByteSizeAndKind(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1500: "2 kB", 50_009: "50 kB", 2_500_000: "2.5 MB", 3e9: "3.0 GB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
	for _, c := range [][3]string{
		{"report.pdf", "", "PDF"}, {"archive.tar.gz", "", "GZ"}, {"noext", "image/png", "IMAGE"},
		{"noext", "application/octet-stream", "FILE"}, {"dots.", "", "FILE"}, {"x.verylongext", "", "FILE"},
	} {
		if got := fileKind(c[0], c[1]); got != c[2] {
			t.Errorf("fileKind(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

// TestSendWithFiles: a message may carry files without text; the send
// names only their ids; the outbox keeps them across a reload.
func TestSendWithFiles(t *testing.T) {
	s := online(t, 0)
	files := []wire.File{{ID: "f1", Name: "a.png", Type: "image/png", Size: 10, W: 2, H: 2, TW: 2, TH: 2}, {ID: "f2", Name: "b.txt"}}
	if err := s.sendComposed("   ", nil); err == nil {
		t.Error("an empty message without files was taken")
	}
	if err := s.sendComposed("", files); err != nil {
		t.Fatalf("files without text: %v", err)
	}
	out := s.takeOut()
	if len(out) != 1 || out[0].Text != "" || !reflect.DeepEqual(out[0].Files, []wire.File{{ID: "f1"}, {ID: "f2"}}) {
		t.Fatalf("sent %+v, want one send naming the two ids alone", out)
	}
	if err := s.sendComposed("x", make([]wire.File, wire.MaxFiles+1)); err == nil {
		t.Error("more files than a message may carry were taken")
	}

	st := storage{}
	s.disconnected()
	s.save(st)
	re := newChatState("me")
	re.load(st)
	if p := re.rooms["lobby"].pending; len(p) != 1 || !reflect.DeepEqual(p[0].Files, files) {
		t.Errorf("after a reload the outbox holds %+v, want the message with its files", p)
	}

	// The server's msg carries its own description of the files, and the
	// list keeps them, and the bot mark.
	s.connected()
	s.apply(joined("lobby", 0))
	s.apply(wire.Event{Type: wire.TypeMsg, Room: "lobby", Seq: 5, ID: "x", From: "ci", User: "b1", Bot: true, Files: files[:1], TS: t0})
	it := s.rooms["lobby"].item(5)
	if it == nil || !it.Bot || !reflect.DeepEqual(it.Files, files[:1]) {
		t.Errorf("item %+v, want the bot mark and the file", it)
	}
}

func TestAttachmentsReady(t *testing.T) {
	done := &wire.File{ID: "f1", Name: "a.png"}
	u := attachUI{list: []attachment{
		{Key: 1, Room: "lobby", Name: "a.png", File: done},
		{Key: 2, Room: "design", Name: "other room"},
	}}
	files, keys, wait := u.ready("lobby")
	if wait != "" || len(files) != 1 || files[0].ID != "f1" || !reflect.DeepEqual(keys, []int{1}) {
		t.Errorf("ready(lobby) = %v %v %q, want the uploaded file of the room alone", files, keys, wait)
	}
	u.list = append(u.list, attachment{Key: 3, Room: "lobby", Name: "b.bin", Total: 100, Sent: 40})
	if _, _, wait := u.ready("lobby"); !strings.Contains(wait, "still uploading") {
		t.Errorf("with an upload under way: %q", wait)
	}
	if pc := u.list[2].percent(); pc != 40 {
		t.Errorf("percent = %d, want 40", pc)
	}
	u.list[2].Err = "File too big."
	if _, _, wait := u.ready("lobby"); !strings.Contains(wait, "could not be uploaded") {
		t.Errorf("with a refused file: %q", wait)
	}
	u.remove(3)
	if _, _, wait := u.ready("lobby"); wait != "" || len(u.list) != 2 {
		t.Errorf("after removing the refused file: %q, %d left", wait, len(u.list))
	}
}

func TestUploadRefusal(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		want   string
	}{
		{413, `{"error":"file too big: the limit is 64 KiB a file"}`, "File too big: the limit is 64 KiB a file."},
		{507, `{"error":"quota: delete some of your messages with files to make room"}`, "Quota: delete some of your messages with files to make room."},
		{403, `{"error":"sign up to share files: guests may not upload"}`, "Sign up to share files: guests may not upload."},
		{403, ``, "Sign up to share files: guests cannot attach them."},
		{413, `<html>proxy</html>`, "This file is too big for the server."},
		{429, ``, "Too many attempts: wait a moment and try again."},
	} {
		if got := uploadRefusal(c.status, c.body).Text; got != c.want {
			t.Errorf("%d %s: %q, want %q", c.status, c.body, got, c.want)
		}
	}
}

// TestRenderFiles: an image has its size before it loads and links to
// the full file in a new tab; another file is a card that downloads; a
// message of files alone has no empty text; a bot's has its badge.
func TestRenderFiles(t *testing.T) {
	l := &messageList{Room: "lobby", Heading: "#lobby", Items: []chatItem{{
		Seq: 7, From: "ci", User: "b1", Bot: true, TS: t0,
		Files: []wire.File{
			{ID: "img1", Name: "shot.png", Type: "image/png", Size: 9000, W: 1280, H: 800, TW: 640, TH: 400},
			{ID: "doc1", Name: "notes.txt", Type: "text/plain", Size: 34},
		},
	}}}
	html := app.HTMLString(l)
	for _, want := range []string{
		`class="bot-badge"`, `>bot<`,
		`href="/files/img1"`, `target="_blank"`, `src="/files/img1/thumb"`, `width="320"`, `height="200"`, `aspect-ratio:320 / 200`,
		`class="file-card"`, `href="/files/doc1"`, `download="notes.txt"`, `>notes.txt<`, `>34 B · text/plain<`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("list lacks %s", want)
		}
	}
	if strings.Contains(html, `class="text"`) {
		t.Error("a message of files alone has a text paragraph")
	}
}

// TestRenderNotifyPanel: a guest is told to sign up; an account gets the
// device's switch and the room's levels, and, for a private room, the
// previews choice.
func TestRenderNotifyPanel(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.setMe(user{ID: "g1", Name: "guest-1", Guest: true})
	p.notify.open, p.notify.room = true, "lobby"
	html := app.HTMLString(p)
	for _, want := range []string{`id="notify-toggle"`, `id="notify-panel"`, `id="notify-guest"`, `Sign up to get notifications`} {
		if !strings.Contains(html, want) {
			t.Errorf("guest's panel lacks %s", want)
		}
	}
	if strings.Contains(html, `id="notify-on"`) || strings.Contains(html, `id="notify-room"`) {
		t.Error("a guest is offered notifications the server would refuse")
	}

	p.setMe(user{ID: "u1", Name: "ana"})
	p.st.info["p-abc"] = roomInfo{ID: "p-abc", Kind: kindPrivate, Title: "Launch plans"}
	p.notify.room, p.notify.loaded, p.notify.choice = "p-abc", true, notifyChoice{Level: levelAll, Previews: true}
	html = app.HTMLString(p)
	for _, want := range []string{`id="notify-on"`, `In Launch plans`, `id="notify-level-all"`, `id="notify-level-mentions"`, `id="notify-level-none"`, `id="notify-previews"`} {
		if !strings.Contains(html, want) {
			t.Errorf("account's panel lacks %s", want)
		}
	}
	p.notify.room = "lobby"
	if html = app.HTMLString(p); strings.Contains(html, `id="notify-previews"`) {
		t.Error("a public room offers the previews choice (its pushes carry text anyway)")
	}
}

// TestWorkerLeavesUploadsAlone: the service worker no longer stands
// between an upload and the network (worker.go), and is otherwise
// go-app's.
func TestWorkerLeavesUploadsAlone(t *testing.T) {
	if !strings.Contains(app.DefaultAppWorkerJS, workerFetch) {
		t.Fatal("go-app's worker no longer has the fetch listener worker.go replaces: look at it again")
	}
	if !strings.Contains(serviceWorker, `event.request.method !== "GET"`) ||
		strings.Replace(serviceWorker, workerFetchGETs, workerFetch, 1) != app.DefaultAppWorkerJS {
		t.Error("the worker is not go-app's with GETs alone through its cache")
	}
	if Handler("v").ServiceWorkerTemplate != serviceWorker {
		t.Error("the handler does not serve it")
	}
}
