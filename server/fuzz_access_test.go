package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/wire"
)

// FuzzNothingOfARoomYouMayNotRead: whatever a guest puts in the API's
// query parameters and path, or in an event's fields, nothing of the
// private room and the direct message they are not in comes back: not a
// message, not a title, not a file. The property the matrix checks cell
// by cell, over inputs nobody listed. make test runs the seeds (the odd
// names among them); make soak fuzzes for a minute.
func FuzzNothingOfARoomYouMayNotRead(f *testing.F) {
	srv, hs := startServer(f, fastSenders)
	web := func(jar http.CookieJar) *http.Client { return &http.Client{Jar: jar, Timeout: 10 * time.Second} }
	call := func(hc *http.Client, method, path string, body any) map[string]any {
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, hs.URL+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			f.Fatal(err)
		}
		defer res.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	// Olga's private room and direct message with mia, with secrets in
	// them; a guest who is in neither.
	newWeb := func() *http.Client { jar, _ := cookiejar.New(nil); return web(jar) }
	olga, mia, guest := newWeb(), newWeb(), newWeb()
	call(olga, "POST", "/api/signup", map[string]string{"name": "olga", "password": "correct horse"})
	call(mia, "POST", "/api/signup", map[string]string{"name": "mia", "password": "correct horse"})
	call(guest, "POST", "/api/guest", map[string]string{})
	priv := call(olga, "POST", "/api/rooms", map[string]string{"kind": "private", "title": "plans " + markTitle})["room"].(map[string]any)["id"].(string)
	dm := call(olga, "POST", "/api/rooms", map[string]any{"kind": "direct", "with": []string{"mia"}})["room"].(map[string]any)["id"].(string)
	socket := func(hc *http.Client) *websocket.Conn {
		h := http.Header{}
		for _, c := range hc.Jar.Cookies(mustURL(hs.URL)) {
			h.Add("Cookie", c.Name+"="+c.Value)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, wsURL(hs), &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			f.Fatal(err)
		}
		c.SetReadLimit(1 << 20)
		f.Cleanup(func() { c.CloseNow() })
		return c
	}
	write := func(c *websocket.Conn, ev wire.Event) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.Write(ctx, websocket.MessageText, wire.Encode(ev))
	}
	owner := socket(olga)
	for i, room := range []string{priv, dm} {
		_ = write(owner, wire.Event{Type: wire.TypeJoin, Room: room})
		_ = write(owner, wire.Event{Type: wire.TypeSend, Room: room, ID: fmt.Sprint("s", i), Text: "launch " + markPrivate + " " + markDirect})
	}
	time.Sleep(300 * time.Millisecond) // stored and indexed
	_ = srv
	stranger := socket(guest)
	secrets := []string{markPrivate, markDirect, markTitle}
	leaks := func(t *testing.T, what, answer string) {
		for _, s := range secrets {
			if strings.Contains(answer, s) {
				t.Fatalf("%s: a stranger got %q: %.300s", what, s, answer)
			}
		}
	}

	for _, seed := range []struct {
		path, query, typ, room string
		n                      uint64
	}{
		{"/api/search", "q=launch&room=*", "join", "*", 0},
		{"/api/search", "q=launch&room=>", "history", ">", 1 << 63},
		{"/api/search", "q=launch&room=p-*", "fetch", "p-*", 1},
		{"/api/search", "q=launch&room=" + priv, "join", priv, 0},
		{"/api/rooms/" + priv, "", "history", priv, 1<<64 - 1},
		{"/api/rooms/" + dm + "/notify", "", "send", dm, 0},
		{"/api/rooms/a.b", "room=a.b", "read", "a.b", 5},
		{"/api/search", "q=launch&room=" + strings.Repeat("a", 16000), "typing", strings.Repeat("a", 16000), 0},
		{"/files/" + strings.Repeat("a", 26), "token=x", "leave", dm, 2},
		{"/api/search", "q=launch&q=x&room=town&room=" + priv, "delete", priv, 1},
	} {
		f.Add(seed.path, seed.query, seed.typ, seed.room, seed.n)
	}
	f.Fuzz(func(t *testing.T, path, query, typ, room string, n uint64) {
		u, err := neturl.Parse(hs.URL + "/" + strings.TrimLeft(path, "/"))
		if err != nil || u.Host != mustURL(hs.URL).Host {
			return
		}
		u.RawQuery = query
		if res, err := guest.Get(u.String()); err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			leaks(t, "GET "+u.RequestURI(), string(body))
		}
		ev := wire.Event{Type: typ, Room: room, ID: "f1", Text: "x", Before: n, After: n, Target: n, Seq: n}
		if len(wire.Encode(ev)) > wire.MaxFrame {
			return // a frame over the limit closes the socket: the limits' tests
		}
		if err := write(stranger, ev); err != nil {
			t.Fatalf("write: %v", err)
		}
		// A barrier: its error ends this event's answer.
		barrier := fmt.Sprint("barrier", n%1000)
		if err := write(stranger, wire.Event{Type: wire.TypeHistory, Room: barrier, Before: 1}); err != nil {
			t.Fatalf("write: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for {
			_, data, err := stranger.Read(ctx)
			if err != nil {
				t.Fatalf("the stranger's socket: %v", err)
			}
			leaks(t, fmt.Sprintf("event %+v", ev), string(data))
			if bytes.Contains(data, []byte(`"room":"`+barrier+`"`)) {
				return
			}
		}
	})
}
