package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/server/hub"
	"chat/wire"
)

// person is a browser: its own cookie jar over the test server.
type person struct {
	t  *testing.T
	hs *httptest.Server
	hc *http.Client
}

func newPerson(t *testing.T, hs *httptest.Server) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, hs: hs, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// call makes an API call from the person's own page, returning the status
// and the decoded JSON answer.
func (p *person) call(method, path string, body any, header ...string) (int, map[string]any) {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, p.hs.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", p.hs.URL)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (p *person) signUp(name, invite string) string {
	p.t.Helper()
	code, out := p.call("POST", "/api/signup", map[string]string{"name": name, "password": "correct horse", "invite": invite})
	if code != http.StatusCreated {
		p.t.Fatalf("sign-up %s: %d %v", name, code, out)
	}
	return out["user"].(map[string]any)["id"].(string)
}

// dial opens the person's WebSocket, with their cookies.
func (p *person) dial() *client {
	p.t.Helper()
	u := wsURL(p.hs)
	h := http.Header{}
	for _, c := range p.hc.Jar.Cookies(mustURL(p.hs.URL)) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return dialURL(p.t, u, &websocket.DialOptions{HTTPHeader: h})
}

func TestAccountsOverHTTP(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, nil)
	ana := newPerson(t, hs)
	if code, _ := ana.call("GET", "/api/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("me before signing up: %d", code)
	}
	id := ana.signUp("ana", "")
	// The cookie: HttpOnly, SameSite=Lax, not readable by script.
	req, _ := http.NewRequest("POST", hs.URL+"/api/login", strings.NewReader(`{"name":"ana","password":"correct horse"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sc := res.Header.Get("Set-Cookie")
	if res.StatusCode != 200 || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") || !strings.Contains(sc, "chat_session=") {
		t.Fatalf("login: %d, cookie %q", res.StatusCode, sc)
	}
	if code, out := ana.call("GET", "/api/me", nil); code != 200 || out["user"].(map[string]any)["id"] != id {
		t.Fatalf("me: %d %v", code, out)
	}
	for _, c := range []struct {
		body map[string]string
		want int
	}{
		{map[string]string{"name": "ana", "password": "wrong horse"}, http.StatusUnauthorized},
		{map[string]string{"name": "nobody", "password": "correct horse"}, http.StatusUnauthorized},
	} {
		if code, _ := newPerson(t, hs).call("POST", "/api/login", c.body); code != c.want {
			t.Errorf("login %v: %d, want %d", c.body, code, c.want)
		}
	}
	if code, _ := newPerson(t, hs).call("POST", "/api/signup", map[string]string{"name": "ANA", "password": "correct horse"}); code != http.StatusConflict {
		t.Errorf("sign-up as ANA beside ana: %d, want 409", code)
	}
	if code, _ := newPerson(t, hs).call("POST", "/api/signup", map[string]string{"name": "bo", "password": "short"}); code != http.StatusBadRequest {
		t.Errorf("a short password: %d, want 400", code)
	}
	// Sessions: a second device, listed, revoked.
	phone := newPerson(t, hs)
	if code, _ := phone.call("POST", "/api/login", map[string]string{"name": "ana", "password": "correct horse"}); code != 200 {
		t.Fatal(code)
	}
	_, out := ana.call("GET", "/api/sessions", nil)
	list := out["sessions"].([]any)
	if len(list) != 3 { // the sign-up, the bare login above, the phone
		t.Fatalf("sessions: %v", list)
	}
	var other string
	for _, s := range list {
		if m := s.(map[string]any); m["current"] != true {
			other = m["id"].(string)
		}
	}
	if code, _ := ana.call("DELETE", "/api/sessions/"+other, nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := newPerson(t, hs).call("DELETE", "/api/sessions/"+other, nil); code != http.StatusUnauthorized {
		t.Errorf("someone else revoking ana's session: %d, want 401", code)
	}
	if code, _ := ana.call("POST", "/api/logout", nil); code != http.StatusNoContent {
		t.Fatal(code)
	}
	if code, _ := ana.call("GET", "/api/me", nil); code != http.StatusUnauthorized {
		t.Errorf("me after logout: %d", code)
	}
}

// TestAPIRefusesCrossSiteCalls: a page on another site cannot make a
// signed-in browser change anything.
func TestAPIRefusesCrossSiteCalls(t *testing.T) {
	_, hs := startServer(t, nil)
	ana := newPerson(t, hs)
	ana.signUp("ana", "")
	for _, h := range [][]string{
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
	} {
		if code, _ := ana.call("POST", "/api/logout", nil, h...); code != http.StatusForbidden {
			t.Errorf("logout with %v: %d, want 403", h, code)
		}
	}
	req, _ := http.NewRequest("POST", hs.URL+"/api/login", strings.NewReader(`name=ana&password=x`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what a plain form sends
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a form post: %d, want 415", res.StatusCode)
	}
	if code, _ := ana.call("GET", "/api/me", nil); code != 200 {
		t.Errorf("still signed in: %d", code)
	}
}

func TestSignInIsThrottledWith429(t *testing.T) {
	_, hs := startServer(t, nil)
	p := newPerson(t, hs)
	var code int
	var out map[string]any
	// A name no account can have: the address's attempt is spent, then it
	// is refused at once with no password hashed, so that the eleven come
	// within the minute's budget however busy the machine.
	for range 11 {
		code, out = p.call("POST", "/api/login", map[string]string{"name": "someone-with-a-very-long-name", "password": "guess"})
	}
	if code != http.StatusTooManyRequests || !strings.Contains(fmt.Sprint(out["error"]), "try again") {
		t.Fatalf("11th attempt: %d %v", code, out)
	}
}

// TestAdminsInviteAndBan: invitations and bans are the admin's; in members
// mode only people with an account get a WebSocket.
func TestAdminsInviteAndBanInMembersMode(t *testing.T) {
	s, hs := startServer(t, func(c *Config) { c.Access = AccessMembers })
	setup, err := s.auth.SetupInvite(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := newPerson(t, hs).call("POST", "/api/signup", map[string]string{"name": "nobody", "password": "correct horse"}); code != http.StatusForbidden {
		t.Fatalf("sign-up without an invitation: %d", code)
	}
	admin := newPerson(t, hs)
	admin.signUp("root", setup)
	_, out := admin.call("POST", "/api/invites", map[string]string{})
	code := out["code"].(string)
	if !strings.Contains(out["url"].(string), "/signup?invite="+code) {
		t.Fatalf("invite: %v", out)
	}
	bo := newPerson(t, hs)
	boID := bo.signUp("bo", code)
	if st, _ := bo.call("POST", "/api/invites", map[string]string{}); st != http.StatusForbidden {
		t.Errorf("a member making an invitation: %d, want 403", st)
	}
	// No account, no socket: 401 before the upgrade.
	res, err := http.Get(hs.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/ws without an account: %d, want 401", res.StatusCode)
	}
	if _, _, err := websocket.Dial(context.Background(), wsURL(hs), nil); err == nil {
		t.Error("a WebSocket without an account in members mode")
	}
	ws := bo.dial()
	ws.send(wire.Event{Type: wire.TypeHello, Name: "someone else"})
	if w := ws.next(wire.TypeWelcome); w.Name != "bo" || w.User != boID {
		t.Fatalf("welcome: %+v, want bo's own name and id", w)
	}
	// The ban closes bo's socket within a second, with its reason.
	start := time.Now()
	if st, _ := admin.call("POST", "/api/bans", map[string]string{"user": boID}); st != http.StatusNoContent {
		t.Fatalf("ban: %d", st)
	}
	if e := ws.next(wire.TypeError); e.Code != wire.CodeGoingAway || !strings.Contains(e.Text, "session ended") {
		t.Fatalf("before the close: %+v", e)
	}
	if got := ws.closed(); got != hub.DisconnectSessionEnded.Code {
		t.Errorf("closed with %v, want %v", got, hub.DisconnectSessionEnded.Code)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the banned person's socket closed after %v", took)
	}
	if st, _ := bo.call("POST", "/api/login", map[string]string{"name": "bo", "password": "correct horse"}); st != http.StatusUnauthorized {
		t.Errorf("a banned person signing in: %d", st)
	}
	if st, _ := bo.call("GET", "/api/bans", nil); st != http.StatusUnauthorized {
		t.Errorf("ban list for a signed-out person: %d", st)
	}
	// A second ban, by name; the list says who banned whom.
	cy := newPerson(t, hs)
	_, inv := admin.call("POST", "/api/invites", map[string]string{})
	cy.signUp("cy", inv["code"].(string))
	if st, _ := admin.call("POST", "/api/bans", map[string]string{"name": "CY"}); st != http.StatusNoContent {
		t.Errorf("ban by name: %d", st)
	}
	if st, _ := admin.call("POST", "/api/bans", map[string]string{"name": "nobody"}); st != http.StatusBadRequest {
		t.Errorf("ban of no such name: %d", st)
	}
	_, out = admin.call("GET", "/api/bans", nil)
	bans := out["bans"].([]any)
	if len(bans) != 2 {
		t.Fatalf("ban list: %v", out)
	}
	for _, b := range bans {
		b := b.(map[string]any)
		if b["by"].(map[string]any)["name"] != "root" {
			t.Errorf("ban of %v: by %v, want root", b["user"], b["by"])
		}
	}
	// Lifting a ban is the admins' too; then bo signs in again.
	if st, _ := cy.call("DELETE", "/api/bans/"+boID, nil); st < 400 {
		t.Errorf("a non-admin lifting a ban: %d", st)
	}
	if st, _ := admin.call("DELETE", "/api/bans/"+boID, nil); st != http.StatusNoContent {
		t.Errorf("unban: %d", st)
	}
	if st, _ := admin.call("DELETE", "/api/bans/no-such-id", nil); st != http.StatusBadRequest {
		t.Errorf("unban of no such account: %d", st)
	}
	if st, _ := bo.call("POST", "/api/login", map[string]string{"name": "bo", "password": "correct horse"}); st != http.StatusOK {
		t.Errorf("bo signing in after the ban was lifted: %d", st)
	}
}

// TestNamesAreOwnedAndMessagesStamped: on two nodes, a signed-in person's
// messages carry their name and id whatever hello said, nobody else can
// say hello with that name, and signing out on one node closes the socket
// on the other.
func TestNamesAreOwnedAndMessagesStamped(t *testing.T) {
	_, url := startNATS(t, t.TempDir(), 0)
	_, hs := startNodes(t, url, 2, nil)
	ana := newPerson(t, hs[0])
	id := ana.signUp("ana", "")
	// The cookie was set by node 0; node 1 knows the session too.
	other := &person{t: t, hs: hs[1], hc: ana.hc}
	ws1 := other.dialWith(ana)
	ws1.send(wire.Event{Type: wire.TypeHello, Name: "not-ana"})
	if w := ws1.next(wire.TypeWelcome); w.Name != "ana" || w.User != id {
		t.Fatalf("welcome on node 1: %+v", w)
	}
	ws1.send(wire.Event{Type: wire.TypeJoin, Room: "lobby"})
	ws1.next(wire.TypeJoined)
	guest := dial(t, hs[0])
	guest.send(wire.Event{Type: wire.TypeHello, Name: "Ana"})
	if e := guest.next(wire.TypeError); e.Code != wire.CodeBadName || !strings.Contains(e.Text, "belongs to an account") {
		t.Fatalf("a guest saying hello as Ana: %+v", e)
	}
	guest.joinAs("cy", "lobby")
	ws1.say("lobby", "a-1", "hello from ana")
	if m := guest.next(wire.TypeMsg); m.From != "ana" || m.User != id || m.Guest {
		t.Fatalf("ana's message as the guest sees it: %+v", m)
	}
	// Signing out on node 0 ends the socket on node 1.
	if code, _ := ana.call("POST", "/api/logout", nil); code != http.StatusNoContent {
		t.Fatal(code)
	}
	if got := ws1.closed(); got != hub.DisconnectSessionEnded.Code {
		t.Errorf("node 1's socket after signing out on node 0: %v", got)
	}
}

// dialWith opens p's WebSocket with another person's cookies (the same
// browser, on another node).
func (p *person) dialWith(cookies *person) *client {
	p.t.Helper()
	h := http.Header{}
	for _, c := range cookies.hc.Jar.Cookies(mustURL(cookies.hs.URL)) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return dialURL(p.t, wsURL(p.hs), &websocket.DialOptions{HTTPHeader: h})
}

func mustURL(s string) *neturl.URL {
	u, err := neturl.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestGuestsAreIssuedByTheServer: a visitor gets a guest session whose name
// the server chose; it cannot pick another, its messages say it is a
// guest, and with -access members there are no guests.
func TestGuestsAreIssuedByTheServer(t *testing.T) {
	_, hs := startServer(t, nil)
	g := newPerson(t, hs)
	code, out := g.call("POST", "/api/guest", map[string]string{})
	user := out["user"].(map[string]any)
	if code != 200 || user["guest"] != true || !strings.HasPrefix(user["name"].(string), "guest-") {
		t.Fatalf("guest: %d %v", code, out)
	}
	if _, again := g.call("POST", "/api/guest", map[string]string{}); again["user"].(map[string]any)["id"] != user["id"] {
		t.Errorf("a second call gave another guest: %v", again)
	}
	ws := g.dial()
	ws.send(wire.Event{Type: wire.TypeHello, Name: "chosen"})
	w := ws.next(wire.TypeWelcome)
	if w.Name != user["name"] || w.User != user["id"] || !w.Guest {
		t.Fatalf("welcome: %+v, want the server's name for the guest", w)
	}
	ws.send(wire.Event{Type: wire.TypeJoin, Room: "lobby"})
	ws.next(wire.TypeJoined)
	ws.say("lobby", "g-1", "hi")
	if m := ws.next(wire.TypeMsg); !m.Guest || m.From != w.Name {
		t.Errorf("a guest's message: %+v", m)
	}
	if code, _ := g.call("POST", "/api/password", map[string]string{"old": "x", "password": "yyyyyyyyy"}); code != http.StatusForbidden {
		t.Errorf("a guest changing a password: %d, want 403", code)
	}
	_, members := startServer(t, func(c *Config) { c.Access = AccessMembers })
	if code, _ := newPerson(t, members).call("POST", "/api/guest", map[string]string{}); code != http.StatusForbidden {
		t.Errorf("a guest in members mode: %d, want 403", code)
	}
}
