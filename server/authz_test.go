package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/server/actions"
	"chat/wire"
)

// authzWorld is a server's people and rooms for the authorization matrix:
// an admin, a private room's owner and member, a stranger with an
// account, a guest, a banned person and a raw client with no cookie; a
// public room, a private room and a direct message between owner and
// member.
type authzWorld struct {
	people          []authzRole
	olga, mia       *person
	admin           *person
	priv, direct    string
	olgaID, miaID   string
	public, missing string
}

// authzRole is one row of the matrix: who, and what they may do in each
// kind of room.
type authzRole struct {
	name   string
	p      *person // nil: a raw client with no cookie
	user   bool    // the connection has a user id (it may delete its own)
	joins  map[string]bool
	delAny map[string]bool // may delete someone else's message
}

func newAuthzWorld(t *testing.T, srv *Server, hs *httptest.Server) *authzWorld {
	t.Helper()
	w := &authzWorld{public: "town", missing: "p-doesnotexist"}
	setup, err := srv.SetupInvite(context.Background())
	if err != nil || setup == "" {
		t.Fatalf("setup invitation: %q %v", setup, err)
	}
	w.admin = newPerson(t, hs)
	w.admin.signUp("root", setup)
	w.olga, w.mia = newPerson(t, hs), newPerson(t, hs)
	w.olgaID, w.miaID = w.olga.signUp("olga", ""), w.mia.signUp("mia", "")
	sam := newPerson(t, hs)
	sam.signUp("sam", "")
	guest := newPerson(t, hs)
	if code, _ := guest.call("POST", "/api/guest", map[string]string{}); code != http.StatusOK {
		t.Fatalf("guest: %d", code)
	}
	bea := newPerson(t, hs)
	beaID := bea.signUp("bea", "")
	if code, _ := w.admin.call("POST", "/api/bans", map[string]string{"user": beaID}); code != http.StatusNoContent {
		t.Fatalf("ban: %d", code)
	}
	code, out := w.olga.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "plans"})
	if code != http.StatusCreated {
		t.Fatalf("private room: %d %v", code, out)
	}
	w.priv = out["room"].(map[string]any)["id"].(string)
	if code, out := w.olga.call("POST", "/api/rooms/"+w.priv+"/members", map[string]string{"name": "mia"}); code != http.StatusNoContent {
		t.Fatalf("add mia: %d %v", code, out)
	}
	code, out = w.olga.call("POST", "/api/rooms", map[string]any{"kind": "direct", "with": []string{"mia"}})
	if code != http.StatusCreated {
		t.Fatalf("direct message: %d %v", code, out)
	}
	w.direct = out["room"].(map[string]any)["id"].(string)
	yes := func(rooms ...string) map[string]bool {
		m := map[string]bool{}
		for _, r := range rooms {
			m[r] = true
		}
		return m
	}
	pub, priv, dm := w.public, w.priv, w.direct
	w.people = []authzRole{
		{"owner", w.olga, true, yes(pub, priv, dm), yes(priv)},
		{"member", w.mia, true, yes(pub, priv, dm), yes()},
		{"admin", w.admin, true, yes(pub, priv), yes(pub, priv)},
		{"stranger", sam, true, yes(pub), yes()},
		{"guest", guest, true, yes(pub), yes()},
		{"banned", bea, false, yes(pub), yes()}, // her session is gone: a raw client in open mode
		{"raw", nil, false, yes(pub), yes()},
	}
	return w
}

// openSocket opens p's WebSocket on hs (any node), with p's cookies.
func openSocket(t *testing.T, p *person, hs *httptest.Server) *client {
	t.Helper()
	if p == nil {
		return dial(t, hs)
	}
	return (&person{t: t, hs: hs, hc: p.hc}).dialWith(p)
}

// errorFor waits for the error event about room (or a send's id).
func errorFor(cl *client, room string) wire.Event {
	cl.t.Helper()
	for {
		if e := cl.next(wire.TypeError); e.Room == room {
			return e
		}
	}
}

// onOneAndTwoNodes runs a test of who may do what on one node, then with
// two nodes on one NATS: what is set up through the first (srv, setupHS)
// is tried through the second (hs).
func onOneAndTwoNodes(t *testing.T, run func(t *testing.T, srv *Server, setupHS, hs *httptest.Server)) {
	onOneAndTwoNodesWith(t, nil, run)
}

// onOneAndTwoNodesWith is onOneAndTwoNodes with every node's config
// changed by mutate.
func onOneAndTwoNodesWith(t *testing.T, mutate func(*Config), run func(t *testing.T, srv *Server, setupHS, hs *httptest.Server)) {
	t.Run("one node", func(t *testing.T) {
		srv, hs := startServer(t, mutate)
		run(t, srv, hs, hs)
	})
	t.Run("two nodes", func(t *testing.T) {
		_, url := startNATS(t, t.TempDir(), 0)
		srvs, hs := startNodes(t, url, 2, mutate)
		run(t, srvs[0], hs[0], hs[1])
	})
}

// TestRemovedMemberLeavesAtOnce: a member taken out of a private room on
// one node is taken out of it on the node their socket is on within a
// second, told why, gets none of its messages after, and cannot join again.
func TestRemovedMemberLeavesAtOnce(t *testing.T) {
	_, url := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, url, 2, nil)
	w := newAuthzWorld(t, srvs[0], hs[0])
	olga, mia := openSocket(t, w.olga, hs[0]), openSocket(t, w.mia, hs[1])
	olga.joinAfter(w.priv, 0)
	mia.joinAfter(w.priv, 0)
	olga.say(w.priv, "before", "still here")
	mia.msgs(w.priv, 1)
	start := time.Now()
	if code, out := w.olga.call("DELETE", "/api/rooms/"+w.priv+"/members/"+w.miaID, nil); code != http.StatusNoContent {
		t.Fatalf("remove: %d %v", code, out)
	}
	if e := errorFor(mia, w.priv); e.Code != wire.CodeForbidden {
		t.Fatalf("removed: %+v", e)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("removal took %v to reach the socket on the other node", d)
	}
	olga.say(w.priv, "after", "not for mia")
	mia.send(wire.Event{Type: wire.TypeJoin, Room: w.priv})
	if e := errorFor(mia, w.priv); e.Code != wire.CodeForbidden {
		t.Errorf("join after removal: %+v", e)
	}
	for _, ev := range mia.stash {
		if ev.Type == wire.TypeMsg && ev.ID == "after" {
			t.Errorf("a removed member got %+v", ev)
		}
	}
	mia.none(wire.TypeMsg, 200*time.Millisecond)
}

// TestRoomsAPIRefusesWhoMayNot: who may call each rooms endpoint, and
// that everyone else is refused the same way for a room that exists and
// one that does not.
func TestRoomsAPIRefusesWhoMayNot(t *testing.T) {
	t.Parallel()
	_, url := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, url, 2, nil)
	w := newAuthzWorld(t, srvs[0], hs[0])
	byName := map[string]*person{}
	for _, r := range w.people {
		if r.p != nil {
			// Each call goes to the other node than the one that made the room.
			byName[r.name] = &person{t: t, hs: hs[1], hc: r.p.hc}
			for _, c := range r.p.hc.Jar.Cookies(mustURL(hs[0].URL)) {
				r.p.hc.Jar.SetCookies(mustURL(hs[1].URL), []*http.Cookie{c})
			}
		}
	}
	byName["raw"] = newPerson(t, hs[1])
	type call struct {
		method, path string
		body         any
		allowed      []string // roles that succeed
		ok           int
	}
	p, d := "/api/rooms/"+w.priv, "/api/rooms/"+w.direct
	calls := []call{
		{"GET", p, nil, []string{"owner", "member", "admin"}, 200},
		{"GET", d, nil, []string{"owner", "member"}, 200},
		{"POST", p + "/topic", map[string]string{"topic": "new"}, []string{"owner", "admin"}, 204},
		{"POST", d + "/topic", map[string]string{"topic": "new"}, nil, 204},
		{"POST", "/api/invites", map[string]string{"room": w.priv}, []string{"owner", "admin"}, 201},
		{"POST", "/api/invites", map[string]string{"room": w.direct}, nil, 201},
		{"POST", "/api/invites", map[string]string{}, []string{"admin"}, 201},
		{"POST", p + "/members", map[string]string{"name": "sam"}, []string{"owner", "admin"}, 204},
		{"DELETE", p + "/members/" + w.olgaID, nil, nil, 204},
		{"POST", "/api/rooms", map[string]string{"kind": "private", "title": "mine"}, []string{"owner", "member", "admin", "stranger"}, 201},
	}
	for _, c := range calls {
		for _, role := range w.people {
			code, out := byName[role.name].call(c.method, c.path, c.body)
			want := slices.Contains(c.allowed, role.name)
			if want && code != c.ok {
				t.Errorf("%s %s %s: %d %v, want %d", role.name, c.method, c.path, code, out, c.ok)
			}
			if !want && code < 400 {
				t.Errorf("%s %s %s: %d %v, want a refusal", role.name, c.method, c.path, code, out)
			}
			if !want && code == http.StatusForbidden && strings.HasPrefix(c.path, "/api/rooms/") {
				missing := strings.Replace(c.path, strings.Split(c.path, "/")[3], w.missing, 1)
				if mcode, mout := byName[role.name].call(c.method, missing, c.body); mcode != code || mout["error"] != out["error"] {
					t.Errorf("%s %s %s: refused with %d %v, a missing room with %d %v", role.name, c.method, c.path, code, out, mcode, mout)
				}
			}
		}
	}
	// Guests make no rooms; a direct message names accounts.
	if code, _ := byName["guest"].call("POST", "/api/rooms", map[string]any{"kind": "direct", "with": []string{"mia"}}); code != http.StatusForbidden {
		t.Errorf("a guest's direct message: %d", code)
	}
	if code, _ := byName["owner"].call("POST", "/api/rooms", map[string]any{"kind": "direct", "with": []string{"nobody-here"}}); code != http.StatusBadRequest {
		t.Errorf("a direct message with no such account: %d", code)
	}
}

// TestRoomInvitationLink: the owner's link lets an existing account in
// (once), and lets a new person sign up straight into the room with
// -access members; a stranger still sees nothing.
func TestRoomInvitationLink(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *Config) { c.Access = AccessMembers })
	setup, _ := srv.SetupInvite(context.Background())
	admin := newPerson(t, hs)
	admin.signUp("root", setup)
	_, inv := admin.call("POST", "/api/invites", map[string]string{})
	olga := newPerson(t, hs)
	olga.signUp("olga", inv["code"].(string))
	_, out := olga.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "plans"})
	room := out["room"].(map[string]any)["id"].(string)
	code, link := olga.call("POST", "/api/invites", map[string]string{"room": room})
	if code != http.StatusCreated || !strings.HasSuffix(link["url"].(string), "/invite/"+link["code"].(string)) {
		t.Fatalf("room invitation: %d %v", code, link)
	}
	if code, peek := newPerson(t, hs).call("GET", "/api/invites/"+link["code"].(string), nil); code != 200 || peek["room"].(map[string]any)["title"] != "plans" {
		t.Errorf("peek: %d %v", code, peek)
	}
	// A new person signs up with the room's link and is in the room.
	nia := newPerson(t, hs)
	code, su := nia.call("POST", "/api/signup", map[string]string{"name": "nia", "password": "correct horse", "invite": link["code"].(string)})
	if code != http.StatusCreated || su["room"] != room {
		t.Fatalf("sign-up with a room's link: %d %v", code, su)
	}
	ws := nia.dial()
	if j := ws.joinAfter(room, 0); j.Room != room {
		t.Fatalf("joined %+v", j)
	}
	// The link is spent.
	if code, _ := nia.call("POST", "/api/invites/"+link["code"].(string)+"/accept", map[string]string{}); code == http.StatusOK {
		t.Error("a spent invitation let someone in again")
	}
	// A second link, accepted by an existing account.
	_, link2 := olga.call("POST", "/api/invites", map[string]string{"room": room})
	_, inv2 := admin.call("POST", "/api/invites", map[string]string{})
	sam := newPerson(t, hs)
	sam.signUp("sam", inv2["code"].(string))
	if code, _ := sam.call("GET", "/api/rooms/"+room, nil); code != http.StatusForbidden {
		t.Errorf("sam before accepting: %d", code)
	}
	if code, acc := sam.call("POST", "/api/invites/"+link2["code"].(string)+"/accept", map[string]string{}); code != 200 || acc["room"].(map[string]any)["id"] != room {
		t.Fatalf("accept: %d %v", code, acc)
	}
	_, mine := sam.call("GET", "/api/rooms", nil)
	if rs := mine["rooms"].([]any); len(rs) != 1 || rs[0].(map[string]any)["title"] != "plans" {
		t.Errorf("sam's rooms: %v", mine)
	}
	// A third person sees nothing of it.
	_, inv3 := admin.call("POST", "/api/invites", map[string]string{})
	cy := newPerson(t, hs)
	cy.signUp("cy", inv3["code"].(string))
	if _, mine := cy.call("GET", "/api/rooms", nil); len(mine["rooms"].([]any)) != 0 {
		t.Errorf("cy's rooms: %v", mine)
	}
	cws := cy.dial()
	cws.send(wire.Event{Type: wire.TypeJoin, Room: room})
	if e := errorFor(cws, room); e.Code != wire.CodeForbidden {
		t.Errorf("cy joining: %+v", e)
	}
}

// TestCrossSiteWebSocketRefused: a page on another site cannot open a
// socket with the person's cookie: a foreign Origin, or Sec-Fetch-Site
// cross-site, is refused before the upgrade.
func TestCrossSiteWebSocketRefused(t *testing.T) {
	_, hs := startServer(t, nil)
	ana := newPerson(t, hs)
	ana.signUp("ana", "")
	h := http.Header{}
	for _, c := range ana.hc.Jar.Cookies(mustURL(hs.URL)) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	for _, extra := range [][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
		hh := h.Clone()
		hh.Set(extra[0], extra[1])
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, res, err := websocket.Dial(ctx, wsURL(hs), &websocket.DialOptions{HTTPHeader: hh})
		cancel()
		if err == nil {
			c.CloseNow()
			t.Errorf("%s: %s opened a socket", extra[0], extra[1])
			continue
		}
		if res == nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s: %v, want 403", extra[0], extra[1], err)
		}
	}
	// The same site is served.
	hh := h.Clone()
	hh.Set("Sec-Fetch-Site", "same-origin")
	ws := dialURL(t, wsURL(hs), &websocket.DialOptions{HTTPHeader: hh})
	ws.send(wire.Event{Type: wire.TypeHello})
	if w := ws.next(wire.TypeWelcome); w.Name != "ana" {
		t.Errorf("same-site socket: %+v", w)
	}
}

// TestDeletedMessageLeavesHistory: a deleted message reaches every member
// on both nodes as a delete event, and is served by no history after: not
// from the recent cache, not from the store; a client resuming right after
// it is told of no gap.
func TestDeletedMessageLeavesHistory(t *testing.T) {
	t.Parallel()
	_, url := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, url, 2, nil)
	w := newAuthzWorld(t, srvs[0], hs[0])
	olga, mia := openSocket(t, w.olga, hs[0]), openSocket(t, w.mia, hs[1])
	olga.joinAfter(w.public, 0)
	olga.joinAfter(w.priv, 0)
	mia.joinAfter(w.public, 0)
	// Another room's messages between these: seqs are the stream's, so
	// that a resume cannot tell a deleted message by the seqs alone.
	var seqs []uint64
	for i := range 3 {
		seqs = append(seqs, olga.say(w.public, fmt.Sprint("d", i), fmt.Sprint(i)))
		olga.say(w.priv, fmt.Sprint("other", i), "elsewhere")
	}
	mia.msgs(w.public, 3)
	olga.send(wire.Event{Type: wire.TypeDelete, Room: w.public, ID: "del", Target: seqs[1]})
	for _, cl := range []*client{olga, mia} {
		if d := cl.next(wire.TypeDelete); d.Target != seqs[1] || d.User != w.olgaID || d.Room != w.public {
			t.Fatalf("delete event: %+v", d)
		}
	}
	// The ack comes once the message is erased (the delete event may come
	// before: it is stored first).
	for olga.next(wire.TypeAck).ID != "del" {
	}
	if _, ok, err := srvs[1].broker.Message(context.Background(), w.public, seqs[1]); ok || err != nil {
		t.Errorf("the deleted message is still stored (%v)", err)
	}
	// A deleted message cannot be deleted again, nor a delete deleted.
	olga.send(wire.Event{Type: wire.TypeDelete, Room: w.public, ID: "del2", Target: seqs[1]})
	if e := errorFor(olga, w.public); e.Code != wire.CodeForbidden {
		t.Errorf("deleting it again: %+v", e)
	}
	seen := func(cl *client, room string) (msgs []uint64, deletes []uint64) {
		for _, ev := range cl.stash {
			if ev.Room == room && ev.Type == wire.TypeMsg {
				msgs = append(msgs, ev.Seq)
			}
			if ev.Room == room && ev.Type == wire.TypeDelete {
				deletes = append(deletes, ev.Target)
			}
		}
		return msgs, deletes
	}
	for i, h := range hs {
		cl := dial(t, h)
		cl.joinAfter(w.public, 0) // from the node's recent cache
		cl.none("gap", 200*time.Millisecond)
		msgs, deletes := seen(cl, w.public)
		if slices.Contains(msgs, seqs[1]) || !slices.Contains(msgs, seqs[2]) || !slices.Contains(deletes, seqs[1]) {
			t.Errorf("node %d's history: msgs %v, deletes %v (deleted %d)", i, msgs, deletes, seqs[1])
		}
		// From the store: the older-messages request.
		cl.stash = nil
		cl.send(wire.Event{Type: wire.TypeHistory, Room: w.public, Before: seqs[2] + 1})
		cl.next(wire.TypeHistory)
		if msgs, _ := seen(cl, w.public); slices.Contains(msgs, seqs[1]) || !slices.Contains(msgs, seqs[0]) {
			t.Errorf("node %d's stored history: %v (deleted %d)", i, msgs, seqs[1])
		}
	}
	// A client whose last message was the deleted one resumes with no gap:
	// on a node that keeps one message a room, so that the join reads the
	// store and looks for a gap.
	_, small := startNodes(t, url, 1, func(c *Config) { c.HistoryOnJoin = 1 })
	cl := dial(t, small[0])
	cl.joinAfter(w.public, seqs[1])
	cl.none(wire.TypeGap, 300*time.Millisecond)
	if msgs, _ := seen(cl, w.public); !slices.Equal(msgs, seqs[2:]) {
		t.Errorf("resumed after the deleted message: %v, want %v", msgs, seqs[2:])
	}
}

// TestRoomChangesArePushed: a person whose rooms change (added to one, a
// direct message started with them, a topic changed) hears of it at once
// on every node, so that their page needs no reload; nobody else does.
func TestRoomChangesArePushed(t *testing.T) {
	t.Parallel()
	_, url := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, url, 2, nil)
	w := newAuthzWorld(t, srvs[0], hs[0])
	mia := openSocket(t, w.mia, hs[1])
	mia.send(wire.Event{Type: wire.TypeHello})
	mia.next(wire.TypeWelcome)
	sam := openSocket(t, w.people[3].p, hs[1]) // the stranger
	sam.send(wire.Event{Type: wire.TypeHello})
	sam.next(wire.TypeWelcome)
	steps := []struct {
		what string
		do   func() (int, map[string]any)
	}{
		{"a topic", func() (int, map[string]any) {
			return w.olga.call("POST", "/api/rooms/"+w.priv+"/topic", map[string]string{"topic": "Friday"})
		}},
		{"a new room", func() (int, map[string]any) {
			_, out := w.olga.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "more"})
			return w.olga.call("POST", "/api/rooms/"+out["room"].(map[string]any)["id"].(string)+"/members", map[string]string{"name": "mia"})
		}},
		{"a direct message", func() (int, map[string]any) {
			return w.admin.call("POST", "/api/rooms", map[string]any{"kind": "direct", "with": []string{"mia"}})
		}},
	}
	for _, s := range steps {
		if code, out := s.do(); code >= 300 {
			t.Fatalf("%s: %d %v", s.what, code, out)
		}
		mia.next(wire.TypeRooms)
		// Drain the rest of this change's notices.
		mia.none("none", 100*time.Millisecond)
		mia.stash = nil
	}
	sam.none(wire.TypeRooms, 300*time.Millisecond)
}

// TestRoomsAPILimits: one person making rooms, invitations or members past
// the hour's limit is answered 429 with Retry-After; someone else is not.
func TestRoomsAPILimits(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	w := newAuthzWorld(t, srv, hs)
	sam := w.people[3].p
	// cross makes things until the first 429, which must come after left
	// were made.
	cross := func(what string, left int, call func(i int) (int, map[string]any)) {
		t.Helper()
		for i := 0; ; i++ {
			code, out := call(i)
			if code == http.StatusTooManyRequests {
				if i != left || !strings.Contains(out["error"].(string), "too many") {
					t.Errorf("%s: refused after %d (%v), want after %d", what, i, out, left)
				}
				return
			}
			if code >= 300 || i > left {
				t.Fatalf("%s #%d: %d %v", what, i, code, out)
			}
		}
	}
	cross("rooms", actions.RoomsPerHour, func(i int) (int, map[string]any) {
		return w.mia.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": fmt.Sprint("r", i)})
	})
	cross("invitations", actions.InvitesPerHour, func(int) (int, map[string]any) {
		return w.olga.call("POST", "/api/invites", map[string]string{"room": w.priv})
	})
	cross("members added", actions.AddsPerHour-1, func(int) (int, map[string]any) {
		return w.olga.call("POST", "/api/rooms/"+w.priv+"/members", map[string]string{"name": "sam"})
	})
	// The limit is the person's, not the server's.
	if code, out := sam.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "mine"}); code != http.StatusCreated {
		t.Errorf("another person making a room: %d %v", code, out)
	}
	req, _ := http.NewRequest("POST", hs.URL+"/api/rooms", strings.NewReader(`{"kind":"private"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", hs.URL)
	res, err := w.mia.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("past the limit: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

// TestPublicRoomDirectory: the public rooms that keep messages, for anyone
// to browse; never a private room or a direct message; members only with
// -access members.
func TestPublicRoomDirectory(t *testing.T) {
	srv, hs := startServer(t, nil)
	w := newAuthzWorld(t, srv, hs)
	olga := openSocket(t, w.olga, hs)
	for _, room := range []string{"town", "garden", w.priv, w.direct} {
		olga.joinAfter(room, 0)
		olga.say(room, "hi-"+room, "hello")
	}
	// The directory follows this node's live feed, which tells it of a
	// message before its members: once olga has her own message back, the
	// directory has it too (her ack comes from the store, before the feed).
	sayAndSee := func(room, id, text string) {
		t.Helper()
		olga.say(room, id, text)
		for olga.next(wire.TypeMsg).ID != id {
		}
	}
	sayAndSee("town", "again", "hello again")
	// Rooms with more people online come first: olga is counted in both
	// (presence is counted every PresenceEvery) before the order by
	// activity is looked at.
	waitFor(t, 10*time.Second, "olga online in town and garden", func() bool {
		return srv.presence.Current("town").Count == 1 && srv.presence.Current("garden").Count == 1
	})
	directory := func() (names []string) {
		t.Helper()
		code, out := newPerson(t, hs).call("GET", "/api/rooms/public", nil)
		if code != http.StatusOK {
			t.Fatalf("directory: %d %v", code, out)
		}
		for _, r := range out["rooms"].([]any) {
			r := r.(map[string]any)
			if at, err := time.Parse(time.RFC3339Nano, r["active"].(string)); err != nil || time.Since(at) > time.Minute {
				t.Errorf("room %v active %v (%v)", r["name"], r["active"], err)
			}
			names = append(names, r["name"].(string))
		}
		return names
	}
	if names := directory(); !slices.Equal(names, []string{"town", "garden"}) {
		t.Errorf("directory %v, want town (active last) then garden, nothing private", names)
	}
	sayAndSee("garden", "later", "hello garden")
	if names := directory(); !slices.Equal(names, []string{"garden", "town"}) {
		t.Errorf("directory %v, want garden (active last) then town", names)
	}
	_, mhs := startServer(t, func(c *Config) { c.Access = AccessMembers })
	if code, _ := newPerson(t, mhs).call("GET", "/api/rooms/public", nil); code != http.StatusUnauthorized {
		t.Errorf("members mode, no session: %d", code)
	}
}

// TestSearchFindsOnlyWhatYouMayRead: search finds messages by words (any
// case, accents aside, as edited), newest first, in public rooms and the
// person's own private rooms, and nothing from a room they may not read.
func TestSearchFindsOnlyWhatYouMayRead(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	w := newAuthzWorld(t, srv, hs)
	olga := openSocket(t, w.olga, hs)
	for _, room := range []string{"town", w.priv} {
		olga.joinAfter(room, 0)
	}
	olga.say("town", "s1", "The Deploy is on Friday")
	olga.say(w.priv, "s2", "secret deploy plan for friday")
	olga.say("town", "s3", "nothing to see")
	edited := olga.say("town", "s4", "typo")
	olga.send(wire.Event{Type: wire.TypeEdit, Room: "town", ID: "e4", Target: edited, Text: "café deploy friday"})
	for olga.next(wire.TypeAck).ID != "e4" {
	}
	search := func(p *person, q string) []string {
		t.Helper()
		code, out := p.call("GET", "/api/search?q="+neturl.QueryEscape(q), nil)
		if code != http.StatusOK {
			t.Fatalf("search %q: %d %v", q, code, out)
		}
		var got []string
		for _, r := range out["results"].([]any) {
			r := r.(map[string]any)
			got = append(got, r["room"].(string)+":"+r["text"].(string))
		}
		return got
	}
	if got := search(w.olga, "deploy FRIDAY"); !slices.Equal(got, []string{"town:café deploy friday", w.priv + ":secret deploy plan for friday", "town:The Deploy is on Friday"}) {
		t.Errorf("olga's search: %v", got)
	}
	if got := search(w.olga, "cafe"); len(got) != 1 {
		t.Errorf("accents aside: %v", got)
	}
	stranger := w.people[3].p
	if got := search(stranger, "deploy friday"); !slices.Equal(got, []string{"town:café deploy friday", "town:The Deploy is on Friday"}) {
		t.Errorf("a stranger's search: %v (nothing from the private room)", got)
	}
	// A direct message's result is named for the other person.
	olga.joinAfter(w.direct, 0)
	olga.say(w.direct, "s9", "deploy friday between us")
	code, out := w.mia.call("GET", "/api/search?q=between", nil)
	if res, _ := out["results"].([]any); code != http.StatusOK || len(res) != 1 || res[0].(map[string]any)["title"] != "olga" {
		t.Errorf("a direct message's result for mia: %d %v", code, out)
	}
	if code, _ := stranger.call("GET", "/api/search?q=deploy&room="+w.priv, nil); code != http.StatusForbidden {
		t.Errorf("a stranger searching the private room: %d", code)
	}
	if code, _ := newPerson(t, hs).call("GET", "/api/search?q=deploy", nil); code != http.StatusUnauthorized {
		t.Errorf("no session: %d", code)
	}
	if code, _ := w.olga.call("GET", "/api/search?q=", nil); code != http.StatusBadRequest {
		t.Errorf("an empty query: %d", code)
	}
	// The node's index, read at the first search, follows the room: a new
	// message is found, a deleted one is not, an edit reads as edited.
	olga.say("town", "s5", "deploy friday, take two")
	olga.send(wire.Event{Type: wire.TypeDelete, Room: "town", ID: "d4", Target: edited})
	for olga.next(wire.TypeAck).ID != "d4" {
	}
	later := olga.say("town", "s6", "a typo again")
	olga.send(wire.Event{Type: wire.TypeEdit, Room: "town", ID: "e6", Target: later, Text: "deploy friday, final"})
	for olga.next(wire.TypeAck).ID != "e6" {
	}
	want := []string{"town:deploy friday, final", "town:deploy friday, take two", "town:The Deploy is on Friday"}
	deadline := time.Now().Add(3 * time.Second)
	for got := search(stranger, "deploy friday"); !slices.Equal(got, want); got = search(stranger, "deploy friday") {
		if time.Now().After(deadline) {
			t.Fatalf("after a new message, a delete and an edit: %v, want %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSearchForgetsWhatRetentionDropped: messages the store's retention
// drops (here the per-room cap) leave the search index at its next prune,
// though no live event says they went.
func TestSearchForgetsWhatRetentionDropped(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *Config) { c.HistoryPerRoom = 3 })
	w := newAuthzWorld(t, srv, hs)
	olga := openSocket(t, w.olga, hs)
	olga.joinAfter("town", 0)
	count := func() int {
		t.Helper()
		code, out := w.olga.call("GET", "/api/search?q=note", nil)
		if code != http.StatusOK {
			t.Fatalf("search: %d %v", code, out)
		}
		return len(out["results"].([]any))
	}
	olga.say("town", "a0", "note a")
	olga.say("town", "a1", "note b")
	if n := count(); n != 2 { // the room is indexed now
		t.Fatalf("%d results, want 2", n)
	}
	for i := range 3 {
		olga.say("town", fmt.Sprint("b", i), fmt.Sprint("note ", i))
	}
	deadline := time.Now().Add(3 * time.Second)
	for count() != 5 { // all five live, though the store keeps three
		if time.Now().After(deadline) {
			t.Fatal("the live feed did not reach the index")
		}
		time.Sleep(20 * time.Millisecond)
	}
	srv.searchIdx.Prune(context.Background(), srv.broker.First)
	if n := count(); n != 3 {
		t.Errorf("after a prune: %d results, want the 3 the store keeps", n)
	}
}
