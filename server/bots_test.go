package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"chat/wire"
)

// botWorld is a server's people for the bots' tests: an admin, a private
// room's owner (olga) and member (mia), a stranger with an account, a
// guest and someone signed out; a private room of olga's.
type botWorld struct {
	admin, olga, mia, sam, guest, nobody *person
	priv                                 string
}

func newBotWorld(t *testing.T, srv *Server, hs *httptest.Server) *botWorld {
	t.Helper()
	setup, err := srv.SetupInvite(context.Background())
	if err != nil || setup == "" {
		t.Fatalf("setup invitation: %q %v", setup, err)
	}
	w := &botWorld{admin: newPerson(t, hs), olga: newPerson(t, hs), mia: newPerson(t, hs),
		sam: newPerson(t, hs), guest: newPerson(t, hs), nobody: newPerson(t, hs)}
	w.admin.signUp("root", setup)
	w.olga.signUp("olga", "")
	w.mia.signUp("mia", "")
	w.sam.signUp("sam", "")
	if code, _ := w.guest.call("POST", "/api/guest", map[string]string{}); code != http.StatusOK {
		t.Fatalf("guest: %d", code)
	}
	code, out := w.olga.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "builds"})
	if code != http.StatusCreated {
		t.Fatalf("private room: %d %v", code, out)
	}
	w.priv = out["room"].(map[string]any)["id"].(string)
	w.olga.addMember(w.priv, "mia")
	return w
}

func (p *person) addMember(room, name string) {
	p.t.Helper()
	if code, out := p.call("POST", "/api/rooms/"+room+"/members", map[string]string{"name": name}); code != http.StatusNoContent {
		p.t.Fatalf("add %s to %s: %d %v", name, room, code, out)
	}
}

// on is the same browser talking to another node.
func (p *person) on(hs *httptest.Server) *person { return &person{t: p.t, hs: hs, hc: p.hc} }

// makeBot has the admin make a bot and returns its id, token and webhook
// secret.
func (p *person) makeBot(name, webhook string) (id, token, secret string) {
	p.t.Helper()
	code, out := p.call("POST", "/api/bots", map[string]string{"name": name, "webhook": webhook})
	if code != http.StatusCreated {
		p.t.Fatalf("make bot %s: %d %v", name, code, out)
	}
	secret, _ = out["secret"].(string)
	return out["bot"].(map[string]any)["id"].(string), out["token"].(string), secret
}

// postAsBot posts as a bot: token "" sends no Authorization header.
func postAsBot(t *testing.T, hs *httptest.Server, token, room string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var data []byte
	if s, ok := body.(string); ok {
		data = []byte(s)
	} else {
		data, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest("POST", hs.URL+"/api/rooms/"+room+"/messages", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, res.Header
}

// TestBotAdminCalls: only an admin, from the server's own pages, makes,
// lists, rotates and revokes bots; everyone else is refused, and the list
// never holds a token or a secret.
func TestBotAdminCalls(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *Config) { c.OutgoingAllowPrivate = true })
	w := newBotWorld(t, srv, hs)
	id, token, secret := w.admin.makeBot("ci", "http://127.0.0.1:9/hook")
	if token == "" || secret == "" {
		t.Fatalf("token %q, secret %q: both are answered at creation", token, secret)
	}
	cross := []string{"Origin", "https://evil.example"}
	crossFetch := []string{"Sec-Fetch-Site", "cross-site"}
	for _, c := range []struct {
		who            string
		p              *person
		header         []string
		create, others int // POST /api/bots; GET, DELETE, rotate
	}{
		{"a person with an account", w.olga, nil, 403, 403},
		{"a guest", w.guest, nil, 403, 403},
		{"someone signed out", w.nobody, nil, 401, 401},
		{"the admin from another site (Origin)", w.admin, cross, 403, 403},
		{"the admin from another site (Sec-Fetch-Site)", w.admin, crossFetch, 403, 403},
	} {
		if code, _ := c.p.call("POST", "/api/bots", map[string]string{"name": "x" + strconv.Itoa(len(c.who))}, c.header...); code != c.create {
			t.Errorf("%s: POST /api/bots = %d, want %d", c.who, code, c.create)
		}
		if c.header == nil { // a GET changes nothing: no same-site check
			if code, _ := c.p.call("GET", "/api/bots", nil); code != c.others {
				t.Errorf("%s: GET /api/bots = %d, want %d", c.who, code, c.others)
			}
		}
		if code, _ := c.p.call("POST", "/api/bots/"+id+"/token", map[string]string{}, c.header...); code != c.others {
			t.Errorf("%s: rotate = %d, want %d", c.who, code, c.others)
		}
		if code, _ := c.p.call("DELETE", "/api/bots/"+id, nil, c.header...); code != c.others {
			t.Errorf("%s: DELETE = %d, want %d", c.who, code, c.others)
		}
	}
	// A bot's token does not make it an admin either.
	req, _ := http.NewRequest("GET", hs.URL+"/api/bots", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/bots with a bot's token: %v %v, want 401", res.StatusCode, err)
	}

	// The list: the bot, no token, no secret, no hash.
	req, _ = http.NewRequest("GET", hs.URL+"/api/bots", nil)
	for _, ck := range w.admin.hc.Jar.Cookies(mustURL(hs.URL)) {
		req.AddCookie(ck)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("admin's GET /api/bots: %v %v", res.StatusCode, err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	res.Body.Close()
	list := buf.String()
	_, tokenSecret, _ := strings.Cut(token, ".")
	for _, leak := range []string{tokenSecret, secret, "token_hash", "\"secret\""} {
		if strings.Contains(list, leak) {
			t.Errorf("GET /api/bots holds %q: %s", leak, list)
		}
	}
	if !strings.Contains(list, `"name":"ci"`) {
		t.Errorf("GET /api/bots = %s, want the bot ci", list)
	}

	// The bot's name is taken; it cannot be signed into; a plain client
	// cannot show under it.
	if code, _ := newPerson(t, hs).call("POST", "/api/signup", map[string]string{"name": "CI", "password": "correct horse"}); code != http.StatusConflict {
		t.Errorf("sign-up as the bot's name: %d, want 409", code)
	}
	if code, _ := w.admin.call("POST", "/api/bots", map[string]string{"name": "olga"}); code != http.StatusConflict {
		t.Errorf("a bot named as a person: %d, want 409", code)
	}
	if code, _ := newPerson(t, hs).call("POST", "/api/login", map[string]string{"name": "ci", "password": "no account has this password"}); code != http.StatusUnauthorized {
		t.Errorf("signing in as a bot: %d, want 401", code)
	}
	raw := dial(t, hs)
	raw.send(wire.Event{Type: wire.TypeHello, Name: "ci"})
	if e := raw.next(wire.TypeError); e.Code != wire.CodeBadName {
		t.Errorf("hello as the bot: %+v, want bad_name", e)
	}
	for _, bad := range []map[string]string{{"name": "two words"}, {"name": "ok", "webhook": "ftp://x/"}, {"name": "ok2", "webhook": "not a url"}} {
		if code, _ := w.admin.call("POST", "/api/bots", bad); code != http.StatusBadRequest {
			t.Errorf("POST /api/bots %v: %d, want 400", bad, code)
		}
	}

	// Rotating: the old token fails at once, the new one works.
	code, out := w.admin.call("POST", "/api/bots/"+id+"/token", map[string]string{})
	if code != http.StatusOK {
		t.Fatalf("rotate: %d %v", code, out)
	}
	if code, _, _ := postAsBot(t, hs, token, "town", map[string]string{"text": "old"}); code != http.StatusUnauthorized {
		t.Errorf("the old token after rotation: %d, want 401", code)
	}
	token = out["token"].(string)
	if code, out, _ := postAsBot(t, hs, token, "town", map[string]string{"text": "new"}); code != http.StatusCreated {
		t.Errorf("the new token: %d %v", code, out)
	}
	// Banned like a person, a bot's token stops too.
	bannedID, banned, _ := w.admin.makeBot("banme", "")
	if code, _ := w.admin.call("POST", "/api/bans", map[string]string{"user": bannedID}); code != http.StatusNoContent {
		t.Fatalf("ban a bot: %d", code)
	}
	if code, _, _ := postAsBot(t, hs, banned, "town", map[string]string{"text": "banned"}); code != http.StatusUnauthorized {
		t.Errorf("a banned bot's token: %d, want 401", code)
	}
	if code, _ := w.admin.call("DELETE", "/api/bots/nosuchbot", nil); code != http.StatusNotFound {
		t.Errorf("DELETE of no bot: %d, want 404", code)
	}
}

// TestBotPostsLikeAMember, on one node and on two: a bot posts by its
// token to public rooms and to the private rooms it was added to (by
// name, like a person); its message reaches a member's socket on the
// other node and is in history, marked bot, stamped by the server. Anyone
// or anything else is refused: no token, a session cookie, a forged
// token, another bot's token for a room it is not in (the same answer as
// for a room that does not exist), a revoked token on every node.
func TestBotPostsLikeAMember(t *testing.T) {
	t.Parallel()
	onOneAndTwoNodes(t, runBotPosts)
}

func runBotPosts(t *testing.T, srv *Server, hs1, hs2 *httptest.Server) {
	w := newBotWorld(t, srv, hs1)
	ciID, ci, _ := w.admin.makeBot("ci", "")
	_, alerts, _ := w.admin.makeBot("alerts", "")
	w.olga.addMember(w.priv, "ci")

	mia := openSocket(t, w.mia, hs2)
	mia.joinAfter(w.priv, 0)
	mia.joinAfter("town", 0)

	// Into the private room, posted on one node, read on the other.
	code, out, _ := postAsBot(t, hs1, ci, w.priv, map[string]string{"text": "build 42 passed", "id": "b42", "user": "olga-forged", "from": "olga"})
	if code != http.StatusCreated {
		t.Fatalf("ci into its private room: %d %v", code, out)
	}
	seq := uint64(out["seq"].(float64))
	m := mia.next(wire.TypeMsg)
	if m.Room != w.priv || m.Seq != seq || m.Text != "build 42 passed" || m.From != "ci" || m.User != ciID || !m.Bot || m.Guest {
		t.Fatalf("mia got %+v, want ci's message %d with bot set", m, seq)
	}
	// A resend with the same id is stored once.
	if code, out, _ := postAsBot(t, hs2, ci, w.priv, map[string]string{"text": "build 42 passed", "id": "b42"}); code != http.StatusCreated || uint64(out["seq"].(float64)) != seq {
		t.Errorf("the resend: %d %v, want seq %d again", code, out, seq)
	}
	// History, on the other node, from the store.
	late := openSocket(t, w.olga, hs2)
	late.joinAfter(w.priv, 0)
	if h := late.next(wire.TypeMsg); h.Seq != seq || !h.Bot || h.From != "ci" {
		t.Errorf("history has %+v, want ci's message with bot set", h)
	}
	// A public room needs no membership.
	if code, out, _ := postAsBot(t, hs2, alerts, "town", map[string]string{"text": "disk 91%"}); code != http.StatusCreated {
		t.Fatalf("alerts into a public room: %d %v", code, out)
	}
	if m := mia.next(wire.TypeMsg); m.Room != "town" || m.From != "alerts" || !m.Bot {
		t.Errorf("mia got %+v, want alerts' message in town", m)
	}
	// A person's socket cannot mark its message as a bot's.
	olga := openSocket(t, w.olga, hs1)
	olga.joinAfter("town", 0)
	olga.send(wire.Event{Type: wire.TypeSend, Room: "town", ID: "fake", Text: "I am a bot", Bot: true})
	for {
		if m := mia.next(wire.TypeMsg); m.ID == "fake" {
			if m.Bot {
				t.Errorf("a person's message came out as a bot's: %+v", m)
			}
			break
		}
	}

	// Refusals. Another bot's token in ci's room reads like a room that
	// does not exist.
	_, missing, _ := postAsBot(t, hs1, alerts, "p-doesnotexist", map[string]string{"text": "x"})
	code, notIn, _ := postAsBot(t, hs1, alerts, w.priv, map[string]string{"text": "x"})
	if code != http.StatusForbidden || fmt.Sprint(notIn) != fmt.Sprint(missing) {
		t.Errorf("alerts in ci's private room: %d %v; a missing room: %v; want the same 403", code, notIn, missing)
	}
	forged := ciID + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for _, c := range []struct{ what, token string }{
		{"no token", ""}, {"a forged token", forged}, {"a token of no bot", "nobot.x"}, {"garbage", "...."},
	} {
		if code, _, h := postAsBot(t, hs2, c.token, "town", map[string]string{"text": "x"}); code != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d, want 401 with WWW-Authenticate: Bearer", c.what, code)
		}
	}
	// A session cookie, even an admin's, does not post here.
	for _, p := range []*person{w.admin, w.olga} {
		if code, _ := p.call("POST", "/api/rooms/town/messages", map[string]string{"text": "from a cookie"}); code != http.StatusUnauthorized {
			t.Errorf("a session cookie posting: %d, want 401", code)
		}
	}
	// Revoked on one node: refused on both at once, and no longer
	// something a room's owner can add.
	bots := listBots(t, w.admin)
	if code, _ := w.admin.call("DELETE", "/api/bots/"+bots["alerts"], nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	for _, hs := range []*httptest.Server{hs2, hs1} {
		if code, _, _ := postAsBot(t, hs, alerts, "town", map[string]string{"text": "after"}); code != http.StatusUnauthorized {
			t.Errorf("a revoked token on %s: %d, want 401", hs.URL, code)
		}
	}
	if code, _ := w.olga.call("POST", "/api/rooms/"+w.priv+"/members", map[string]string{"name": "alerts"}); code != http.StatusBadRequest {
		t.Errorf("adding a revoked bot: %d, want 400", code)
	}
	if _, out := w.admin.call("GET", "/api/bans", nil); strings.Contains(fmt.Sprint(out), "alerts") {
		t.Errorf("a revoked bot is listed among the people banned: %v", out)
	}
	if _, ok := listBots(t, w.admin)["alerts"]; ok {
		t.Error("a revoked bot is still listed")
	}
	// The room's owner takes ci out: its token no longer reaches the room.
	if code, _ := w.olga.call("DELETE", "/api/rooms/"+w.priv+"/members/"+ciID, nil); code != http.StatusNoContent {
		t.Fatalf("remove ci: %d", code)
	}
	if code, _, _ := postAsBot(t, hs2, ci, w.priv, map[string]string{"text": "still here?"}); code != http.StatusForbidden {
		t.Errorf("ci after removal: %d, want 403", code)
	}
}

func listBots(t *testing.T, admin *person) map[string]string {
	t.Helper()
	code, out := admin.call("GET", "/api/bots", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /api/bots: %d", code)
	}
	ids := map[string]string{}
	for _, b := range out["bots"].([]any) {
		b := b.(map[string]any)
		ids[b["name"].(string)] = b["id"].(string)
	}
	return ids
}

// TestBotLimits: a bot's messages have the WebSocket's size limit and a
// rate of their own: past its burst, 429 with Retry-After, while another
// bot goes on.
func TestBotLimits(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *Config) { c.BotRate, c.BotBurst = 0.5, 5 })
	w := newBotWorld(t, srv, hs)
	_, ci, _ := w.admin.makeBot("ci", "")
	_, other, _ := w.admin.makeBot("other", "")

	if code, out, _ := postAsBot(t, hs, ci, "town", map[string]string{"text": strings.Repeat("a", wire.MaxTextBytes)}); code != http.StatusCreated {
		t.Fatalf("a text at the limit: %d %v", code, out)
	}
	if code, out, _ := postAsBot(t, hs, ci, "town", map[string]string{"text": strings.Repeat("a", wire.MaxTextBytes+1)}); code != http.StatusRequestEntityTooLarge || out["code"] != wire.CodeBadText {
		t.Errorf("a text over the limit: %d %v, want 413 bad_text", code, out)
	}
	if code, _, _ := postAsBot(t, hs, ci, "town", `{"text":"`+strings.Repeat("a", 70<<10)+`"}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over 64 KiB: %d, want 413", code)
	}
	// The refusals above that reached the bot's rate (not the body over
	// 64 KiB, refused as it is read) count against the burst of 5.
	for i := range 3 {
		if code, out, _ := postAsBot(t, hs, ci, "town", map[string]string{"text": fmt.Sprint("fill ", i)}); code != http.StatusCreated {
			t.Fatalf("within the burst: %d %v", code, out)
		}
	}
	code, out, h := postAsBot(t, hs, ci, "town", map[string]string{"text": "one too many"})
	if code != http.StatusTooManyRequests {
		t.Fatalf("past the burst: %d %v, want 429", code, out)
	}
	if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q, want a number of seconds", h.Get("Retry-After"))
	}
	if code, out, _ := postAsBot(t, hs, other, "town", map[string]string{"text": "unaffected"}); code != http.StatusCreated {
		t.Errorf("another bot: %d %v", code, out)
	}
	for _, bad := range []struct {
		body string
		code int
	}{
		{`{"text":""}`, 400},
		{`{"text":"x","id":"has space"}`, 400},
		{`not json`, 400},
	} {
		if code, _, _ := postAsBot(t, hs, other, "town", bad.body); code != bad.code {
			t.Errorf("%s: %d, want %d", bad.body, code, bad.code)
		}
	}
	if code, _, _ := postAsBot(t, hs, other, "Not-A-Room!", map[string]string{"text": "x"}); code != http.StatusBadRequest {
		t.Errorf("a bad room name: %d, want 400", code)
	}
}
