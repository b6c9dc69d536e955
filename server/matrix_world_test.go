package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"chat/wire"
)

// The world of the authorization matrix (matrix_test.go): every kind of
// actor, every kind of room, and the secrets of the rooms some may not
// read, planted where a leak would show.

// mxKind is a kind of actor.
type mxKind int

const (
	kNobody  mxKind = iota // no credentials at all
	kGuest                 // a guest session
	kMember                // an account, member of the private room and the direct message
	kRemoved               // an account taken out of the private room
	kBanned                // an account banned since it signed in (its cookie is kept)
	kBot                   // a bot, by its token; a member of the private room
	kToken                 // a connection token's holder, bound to another room
	kOwner                 // the private room's owner, in the direct message too
	kAdmin                 // the server's admin
	kinds
)

var kindNames = [kinds]string{"nobody", "guest", "member", "removed", "banned", "bot", "token", "owner", "admin"}

func (k mxKind) String() string { return kindNames[k] }

// mxRoom is a kind of room, or an odd name.
type mxRoom int

const (
	rNone    mxRoom = iota // no room in the call
	rPublic                // a public room with messages
	rPrivate               // a private room
	rDirect                // a direct message
	rMissing               // a private room's name that no room has
	rStar                  // "*": NATS's wildcard
	rGt                    // ">": NATS's full wildcard
	rDot                   // "a.b": a subject separator
	rPStar                 // "p-*": a private-looking wildcard
	rHuge                  // 16 KB of name (16,000 bytes: an event naming it still fits the 16 KiB frame)
)

var roomNames = []string{"no room", "public", "private", "direct", "missing", "*", ">", "a.b", "p-*", "16 KB"}

func (r mxRoom) String() string { return roomNames[r] }

func (r mxRoom) odd() bool { return r >= rStar }

// withRooms are the rooms a call about a room is tried in.
var withRooms = []mxRoom{rPublic, rPrivate, rDirect, rMissing, rStar, rGt, rDot, rPStar, rHuge}

// Secrets: what must never reach anyone who may not read the private
// room or the direct message.
const (
	markPrivate = "zqprivmark"
	markDirect  = "zqdirmark"
	markTitle   = "zqtitlemark"
	searchWord  = "zqsecretword"
)

// mxActor is one actor of the matrix, on its own loopback address (so
// that per-address limits of one are not spent by another).
type mxActor struct {
	kind   mxKind
	user   string
	name   string
	cookie string // the session cookie, "chat_session=..." (kept after a ban)
	bearer string // a bot's token, or a connection token
	addr   string
	hc     *http.Client
}

type mxWorld struct {
	t       *testing.T
	srv     *Server
	setup   *httptest.Server // where the world was made
	hs      *httptest.Server // where the calls go
	actors  [kinds]*mxActor
	owner   *person
	mia     *person
	room    map[mxRoom]string
	msg     map[mxRoom]uint64 // a message of someone else's (mia's, olga's for mia) in each readable room
	file    map[mxRoom]string // a sent file's id in each readable room
	spare   string            // a private room of olga's, for invitations accepted
	victims []string          // accounts an admin bans
	bots    []string          // bots an admin revokes or rotates
	seq     atomic.Int64
	olgaWS  *client // olga on hs, in every room
	miaWS   *client
}

func (w *mxWorld) next() int64 { return w.seq.Add(1) }

// name is the room's name in calls.
func (w *mxWorld) name(r mxRoom) string {
	switch r {
	case rStar:
		return "*"
	case rGt:
		return ">"
	case rDot:
		return "a.b"
	case rPStar:
		return "p-*"
	case rHuge:
		return strings.Repeat("a", 16000)
	}
	return w.room[r]
}

func newMatrixWorld(t *testing.T, srv *Server, setupHS, hs *httptest.Server) *mxWorld {
	t.Helper()
	w := &mxWorld{t: t, srv: srv, setup: setupHS, hs: hs, room: map[mxRoom]string{rPublic: "town", rMissing: "p-doesnotexist"},
		msg: map[mxRoom]uint64{}, file: map[mxRoom]string{}}
	setup, err := srv.SetupInvite(context.Background())
	if err != nil || setup == "" {
		t.Fatalf("setup invitation: %q %v", setup, err)
	}
	admin := newPerson(t, setupHS)
	adminID := admin.signUp("root", setup)
	w.owner, w.mia = newPerson(t, setupHS), newPerson(t, setupHS)
	olgaID, miaID := w.owner.signUp("olga", ""), w.mia.signUp("mia", "")
	rex, bea, guest := newPerson(t, setupHS), newPerson(t, setupHS), newPerson(t, setupHS)
	rexID, beaID := rex.signUp("rex", ""), bea.signUp("bea", "")
	for range 2 {
		v := newPerson(t, setupHS)
		w.victims = append(w.victims, v.signUp(fmt.Sprint("victim", len(w.victims)), ""))
	}
	if code, _ := guest.call("POST", "/api/guest", map[string]string{}); code != http.StatusOK {
		t.Fatalf("guest: %d", code)
	}
	newPerson(t, setupHS).signUp("sam", "")
	code, out := w.owner.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "plans " + markTitle})
	if code != http.StatusCreated {
		t.Fatalf("private room: %d %v", code, out)
	}
	w.room[rPrivate] = out["room"].(map[string]any)["id"].(string)
	_, out = w.owner.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "spare"})
	w.spare = out["room"].(map[string]any)["id"].(string)
	for _, name := range []string{"mia", "rex"} {
		w.owner.addMember(w.room[rPrivate], name)
	}
	if code, out := w.owner.call("DELETE", "/api/rooms/"+w.room[rPrivate]+"/members/"+rexID, nil); code != http.StatusNoContent {
		t.Fatalf("remove rex: %d %v", code, out)
	}
	_, out = w.owner.call("POST", "/api/rooms", map[string]any{"kind": "direct", "with": []string{"mia"}})
	w.room[rDirect] = out["room"].(map[string]any)["id"].(string)
	botID, botToken, _ := admin.makeBot("ci", "")
	w.owner.addMember(w.room[rPrivate], "ci")
	for _, name := range []string{"spare1", "spare2"} {
		id, _, _ := admin.makeBot(name, "")
		w.bots = append(w.bots, id)
	}
	if code, _ := admin.call("POST", "/api/bans", map[string]string{"user": beaID}); code != http.StatusNoContent {
		t.Fatalf("ban bea: %d", code)
	}
	// The rooms' messages and files, secrets in those not everyone reads.
	w.olgaWS, w.miaWS = w.owner.on(hs).dial(), w.mia.on(hs).dial()
	for r, text := range map[mxRoom]string{rPublic: searchWord + " open", rPrivate: searchWord + " " + markPrivate, rDirect: searchWord + " " + markDirect} {
		room := w.room[r]
		w.olgaWS.joinAfter(room, 0)
		w.miaWS.joinAfter(room, 0)
		w.msg[r] = w.miaWS.say(room, fmt.Sprint("m-", r), text)
		_, f, _ := upload(t, w.owner, setupHS, room, map[mxRoom]string{rPublic: "open.png", rPrivate: markPrivate + ".png", rDirect: markDirect + ".png"}[r], testPNG(t, 700, 700))
		w.olgaWS.send(wire.Event{Type: wire.TypeSend, Room: room, ID: fmt.Sprint("f-", r), Text: text, Files: []wire.File{{ID: f.ID}}})
		for w.olgaWS.next(wire.TypeAck).ID != fmt.Sprint("f-", r) {
		}
		w.file[r] = f.ID
	}
	// The actors, each on its own address: a cookie kept as the browser
	// had it, a token as the bot or the site has it.
	cookieOf := func(p *person) string {
		for _, c := range p.hc.Jar.Cookies(mustURL(setupHS.URL)) {
			if c.Name == "chat_session" {
				return c.Name + "=" + c.Value
			}
		}
		return ""
	}
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims("site-user", "tess", time.Hour, "elsewhere")).SignedString([]byte(testSecret))
	w.actors = [kinds]*mxActor{
		kNobody:  {},
		kGuest:   {cookie: cookieOf(guest)},
		kMember:  {user: miaID, name: "mia", cookie: cookieOf(w.mia)},
		kRemoved: {user: rexID, name: "rex", cookie: cookieOf(rex)},
		kBanned:  {user: beaID, name: "bea", cookie: cookieOf(bea)},
		kBot:     {user: botID, name: "ci", bearer: botToken},
		kToken:   {name: "tess", bearer: tok},
		kOwner:   {user: olgaID, name: "olga", cookie: cookieOf(w.owner)},
		kAdmin:   {user: adminID, name: "root", cookie: cookieOf(admin)},
	}
	for k, a := range w.actors {
		a.kind = mxKind(k)
		a.addr = fmt.Sprint("127.0.0.", 20+k)
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(a.addr)}}
		a.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	}
	return w
}

// mxReq is one call of the matrix.
type mxReq struct {
	method, path string
	query        neturl.Values
	body         any    // JSON, or []byte sent as it is
	cookie       string // overrides the actor's (a fresh session for a call that ends it)
}

// do makes a call as a, from its address, with its credentials: its
// cookie, and its token as a bearer (the token's holder also as ?token=,
// as an <img> does). Nothing the answer sets is kept.
func (w *mxWorld) do(a *mxActor, req mxReq) (int, string) {
	w.t.Helper()
	u := w.hs.URL + req.path
	q := req.query
	if a.kind == kToken {
		if q == nil {
			q = neturl.Values{}
		}
		q.Set("token", a.bearer)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	switch b := req.body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	hr, err := http.NewRequest(req.method, u, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("Origin", w.hs.URL)
	cookie := a.cookie
	if req.cookie != "" {
		cookie = req.cookie
	}
	if cookie != "" {
		hr.Header.Set("Cookie", cookie)
	}
	if a.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+a.bearer)
	}
	res, err := a.hc.Do(hr)
	if err != nil {
		w.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// freshSession is a new session of a's own, for a call that ends one:
// signed in again, or a new guest's. "" for an actor with no session.
func (w *mxWorld) freshSession(a *mxActor) string {
	w.t.Helper()
	var path string
	var body any
	switch a.kind {
	case kGuest:
		path, body = "/api/guest", map[string]string{}
	case kMember, kRemoved, kOwner, kAdmin:
		path, body = "/api/login", map[string]string{"name": a.name, "password": "correct horse"}
	default:
		return ""
	}
	req, _ := http.NewRequest("POST", w.setup.URL+path, strings.NewReader(mustJSON(body)))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "chat_session" {
			return c.Name + "=" + c.Value
		}
	}
	w.t.Fatalf("no fresh session for %s: %d", a.kind, res.StatusCode)
	return ""
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// subscription is a push subscription a browser could send.
func subscription(n int64) map[string]any {
	p256dh := make([]byte, 65)
	p256dh[0] = 4
	return map[string]any{"endpoint": fmt.Sprintf("https://push.example.org/sub/%d", n),
		"keys": map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(p256dh), "auth": base64.RawURLEncoding.EncodeToString(make([]byte, 16))}}
}

// socketOf opens a's WebSocket on the node under test, with its
// credentials; nil when the upgrade is refused, with its status.
func (w *mxWorld) socketOf(a *mxActor) (*client, int) {
	w.t.Helper()
	h := http.Header{}
	if a.cookie != "" {
		h.Set("Cookie", a.cookie)
	}
	if a.bearer != "" {
		h.Set("Authorization", "Bearer "+a.bearer)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(a.addr)}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, wsURL(w.hs), &websocket.DialOptions{HTTPHeader: h, HTTPClient: hc})
	if err != nil {
		if res == nil {
			w.t.Fatalf("dial as %s: %v", a.kind, err)
		}
		return nil, res.StatusCode
	}
	c.SetReadLimit(1 << 20)
	cl := &client{t: w.t, c: c, events: make(chan wire.Event, 4096), done: make(chan struct{})}
	go cl.read()
	w.t.Cleanup(func() { c.CloseNow() })
	return cl, 0
}
