package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"chat/server/actions"
	"chat/server/api"
	"chat/server/ws"
	"chat/wire"
)

// The authorization matrix: every route of the API and every event of the
// WebSocket (read from their tables, api.Routes and ws.Events), called by
// every kind of actor, about every kind of room and odd names, on one
// node and on two (the world made through one, the calls made through the
// other). Each cell checks the status or the error expected, and that
// nothing of a room the actor may not read is in the answer. A route or
// an event without a row here, or an action of server/actions that no
// route or event calls, fails the test: a new endpoint cannot come
// without its rows. The README's table of who may call what is checked
// against the same rows (TestREADMEWhoMayCallWhat).

// Who may read which room.
func session(k mxKind) bool { return k == kGuest || account(k) }
func account(k mxKind) bool { return k == kMember || k == kRemoved || k == kOwner || k == kAdmin }
func mayRead(k mxKind, r mxRoom) bool {
	switch r {
	case rPublic:
		return session(k)
	case rPrivate:
		return k == kMember || k == kOwner || k == kAdmin
	case rDirect:
		return k == kMember || k == kOwner
	}
	return false
}

// Answers.
const (
	ok       = 0 // the route's own success status
	bad      = http.StatusBadRequest
	unauth   = http.StatusUnauthorized
	denied   = http.StatusForbidden
	notFound = http.StatusNotFound
)

// mxRoute is the rows of one route: who may (as the README says it), the
// rooms it is tried in (nil: no room), the call, and the answer each
// actor should get.
type mxRoute struct {
	who   string
	rooms []mxRoom
	call  func(w *mxWorld, a *mxActor, r mxRoom) mxReq
	want  func(k mxKind, r mxRoom) int
	okAt  int // the success status
}

// asAccount is a route for accounts: guests are told to sign up, anyone
// else to sign in.
func asAccount(k mxKind, then func() int) int {
	switch {
	case account(k):
		return then()
	case k == kGuest:
		return denied
	}
	return unauth
}

func asSession(k mxKind, then func() int) int {
	if !session(k) {
		return unauth
	}
	return then()
}

func asAdmin(k mxKind) int {
	switch {
	case k == kAdmin:
		return ok
	case session(k):
		return denied
	}
	return unauth
}

// inRoom is the answer about a room to someone past the route's actor
// check: an odd name is refused as a name, a room not theirs as the same
// forbidden whether it exists or not.
func inRoom(r mxRoom, allowed bool) int {
	switch {
	case r.odd():
		return bad
	case allowed:
		return ok
	}
	return denied
}

func roomPath(w *mxWorld, r mxRoom, rest string) string {
	return "/api/rooms/" + neturl.PathEscape(w.name(r)) + rest
}

var matrixRoutes = map[string]mxRoute{
	"POST /api/signup": {who: "anyone (-access members: with an invitation)", okAt: 201,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/signup", body: map[string]string{"name": fmt.Sprint("new", w.next()), "password": "correct horse"}}
		},
		want: func(mxKind, mxRoom) int { return ok }},
	"POST /api/login": {who: "anyone; throttled by address, then backing off per name", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/login", body: map[string]string{"name": "sam", "password": "correct horse"}}
		},
		want: func(mxKind, mxRoom) int { return ok }},
	"POST /api/logout": {who: "a session's holder", okAt: 204,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/logout", body: map[string]string{}, cookie: w.freshSession(a)}
		},
		want: func(k mxKind, _ mxRoom) int { return asSession(k, func() int { return ok }) }},
	"GET /api/me": {who: "a session's holder", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/api/me"} },
		want: func(k mxKind, _ mxRoom) int { return asSession(k, func() int { return ok }) }},
	"POST /api/guest": {who: "anyone, with -access open: a guest session (their own, if they have one)", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/guest", body: map[string]string{}}
		},
		want: func(mxKind, mxRoom) int { return ok }},
	"POST /api/password": {who: "an account's holder, with the current password; throttled per account; ends the account's other sessions", okAt: 204,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/password", body: map[string]string{"old": "not the password", "password": "another horse"}}
		},
		want: func(k mxKind, _ mxRoom) int { return asAccount(k, func() int { return denied }) }}, // the wrong current password
	"GET /api/sessions": {who: "an account's holder: their own", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/api/sessions"} },
		want: func(k mxKind, _ mxRoom) int { return asAccount(k, func() int { return ok }) }},
	"DELETE /api/sessions/{id}": {who: "an account's holder, for one of their own", okAt: 204,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "DELETE", path: "/api/sessions/nosuchsession"}
		},
		want: func(k mxKind, _ mxRoom) int { return asAccount(k, func() int { return notFound }) }},
	"POST /api/bans": {who: "an admin", okAt: 204,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/bans", body: map[string]string{"user": w.victims[0]}}
		},
		want: func(k mxKind, _ mxRoom) int { return asAdmin(k) }},
	"GET /api/bans": {who: "an admin", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/api/bans"} },
		want: func(k mxKind, _ mxRoom) int { return asAdmin(k) }},
	"DELETE /api/bans/{user}": {who: "an admin", okAt: 204,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "DELETE", path: "/api/bans/" + w.victims[1]}
		},
		want: func(k mxKind, _ mxRoom) int { return asAdmin(k) }},

	"GET /api/rooms": {who: "a session's holder: their private rooms and direct messages", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/api/rooms"} },
		want: func(k mxKind, _ mxRoom) int { return asSession(k, func() int { return ok }) }},
	"GET /api/rooms/public": {who: "anyone (-access members: an account's holder); 30 a minute from one address", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/api/rooms/public"} },
		want: func(mxKind, mxRoom) int { return ok }},
	"POST /api/rooms": {who: "an account's holder", okAt: 201,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/rooms", body: map[string]string{"kind": "private", "title": "mine"}}
		},
		want: func(k mxKind, _ mxRoom) int { return asAccount(k, func() int { return ok }) }},
	"GET /api/rooms/{id}": {who: "a private room's members and admins; a direct message's people", okAt: 200, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq { return mxReq{method: "GET", path: roomPath(w, r, "")} },
		want: func(k mxKind, r mxRoom) int {
			return asSession(k, func() int { return inRoom(r, r != rPublic && mayRead(k, r)) })
		}},
	"POST /api/rooms/{id}/members": {who: "a private room's owner; admins", okAt: 204, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "POST", path: roomPath(w, r, "/members"), body: map[string]string{"name": "sam"}}
		},
		want: func(k mxKind, r mxRoom) int {
			return asAccount(k, func() int { return inRoom(r, r == rPrivate && (k == kOwner || k == kAdmin)) })
		}},
	"DELETE /api/rooms/{id}/members/{user}": {who: "a private room's owner; admins; a member leaving", okAt: 204, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "DELETE", path: roomPath(w, r, "/members/nobodyhere")}
		},
		want: func(k mxKind, r mxRoom) int {
			return asSession(k, func() int { return inRoom(r, r == rPrivate && (k == kOwner || k == kAdmin)) })
		}},
	"POST /api/rooms/{id}/topic": {who: "a private room's owner; admins", okAt: 204, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "POST", path: roomPath(w, r, "/topic"), body: map[string]string{"topic": "new"}}
		},
		want: func(k mxKind, r mxRoom) int {
			return asAccount(k, func() int { return inRoom(r, r == rPrivate && (k == kOwner || k == kAdmin)) })
		}},
	"POST /api/invites": {who: "an admin (to sign up); a private room's owner and admins (into the room)", okAt: 201, rooms: append([]mxRoom{rNone}, withRooms...),
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			body := map[string]string{}
			if r != rNone {
				body["room"] = w.name(r)
			}
			return mxReq{method: "POST", path: "/api/invites", body: body}
		},
		want: func(k mxKind, r mxRoom) int {
			switch r {
			case rNone:
				return asAdmin(k)
			case rHuge:
				return http.StatusRequestEntityTooLarge // a JSON body is 4 KiB at most
			}
			return asAccount(k, func() int { return inRoom(r, r == rPrivate && (k == kOwner || k == kAdmin)) })
		}},
	"GET /api/invites/{code}": {who: "whoever has the code", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "GET", path: "/api/invites/" + w.invite()}
		},
		want: func(mxKind, mxRoom) int { return ok }},
	"POST /api/invites/{code}/accept": {who: "an account's holder with the code", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/invites/" + w.invite() + "/accept", body: map[string]string{}}
		},
		want: func(k mxKind, _ mxRoom) int { return asAccount(k, func() int { return ok }) }},
	"GET /api/search": {who: "a session's holder, in the rooms they may read", okAt: 200, rooms: append([]mxRoom{rNone}, withRooms...),
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			q := neturl.Values{"q": {searchWord}}
			if r != rNone {
				q.Set("room", w.name(r))
			}
			return mxReq{method: "GET", path: "/api/search", query: q}
		},
		want: func(k mxKind, r mxRoom) int {
			return asSession(k, func() int { return inRoom(r, r == rNone || mayRead(k, r)) })
		}},

	"POST /api/rooms/{id}/files": {who: "an account's holder who may read the room", okAt: 201, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "POST", path: roomPath(w, r, "/files"), query: neturl.Values{"name": {"a.png"}}, body: testPNG(w.t, 8, 8)}
		},
		want: func(k mxKind, r mxRoom) int {
			if k == kMember || k == kRemoved || k == kOwner || k == kAdmin {
				return inRoom(r, mayRead(k, r))
			}
			return asAccount(k, nil)
		}},
	"GET /files/{id}": {who: "whoever may read the file's room (a session's or a connection token's holder); its uploader alone until it is sent", okAt: 200,
		rooms: []mxRoom{rPublic, rPrivate, rDirect, rMissing},
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "GET", path: "/files/" + w.fileOf(r)}
		},
		want: wantFile},
	"GET /files/{id}/thumb": {who: "as the file", okAt: 200,
		rooms: []mxRoom{rPublic, rPrivate, rDirect, rMissing},
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "GET", path: "/files/" + w.fileOf(r) + "/thumb"}
		},
		want: wantFile},

	"POST /api/bots": {who: "an admin", okAt: 201,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/bots", body: map[string]string{"name": fmt.Sprint("bot", w.next())}}
		},
		want: func(k mxKind, _ mxRoom) int { return asAdmin(k) }},
	"GET /api/bots": {who: "an admin", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/api/bots"} },
		want: func(k mxKind, _ mxRoom) int { return asAdmin(k) }},
	"DELETE /api/bots/{id}": {who: "an admin", okAt: 204,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "DELETE", path: "/api/bots/" + w.bots[0]}
		},
		want: func(k mxKind, _ mxRoom) int { return asAdmin(k) }},
	"POST /api/bots/{id}/token": {who: "an admin", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/bots/" + w.bots[1] + "/token", body: map[string]string{}}
		},
		want: func(k mxKind, _ mxRoom) int { return asAdmin(k) }},
	"POST /api/rooms/{id}/messages": {who: "a bot, by its token: every public room, the private rooms and direct messages it is in", okAt: 201, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "POST", path: roomPath(w, r, "/messages"), body: map[string]string{"text": "from a bot"}}
		},
		want: func(k mxKind, r mxRoom) int {
			if k != kBot {
				return unauth
			}
			return inRoom(r, r == rPublic || r == rPrivate)
		}},

	"GET /api/push/key": {who: "a session's holder", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/api/push/key"} },
		want: func(k mxKind, _ mxRoom) int { return asSession(k, func() int { return ok }) }},
	"POST /api/push/subscriptions": {who: "an account's holder: one of their devices", okAt: 201,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "POST", path: "/api/push/subscriptions", body: subscription(w.next())}
		},
		want: func(k mxKind, _ mxRoom) int { return asAccount(k, func() int { return ok }) }},
	"DELETE /api/push/subscriptions": {who: "an account's holder: one of their devices", okAt: 204,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq {
			return mxReq{method: "DELETE", path: "/api/push/subscriptions", body: subscription(w.next())}
		},
		want: func(k mxKind, _ mxRoom) int { return asAccount(k, func() int { return ok }) }},
	"GET /api/rooms/{id}/notify": {who: "an account's holder who may read the room", okAt: 200, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "GET", path: roomPath(w, r, "/notify")}
		},
		want: func(k mxKind, r mxRoom) int { return asAccount(k, func() int { return inRoom(r, mayRead(k, r)) }) }},
	"PUT /api/rooms/{id}/notify": {who: "an account's holder who may read the room", okAt: 204, rooms: withRooms,
		call: func(w *mxWorld, a *mxActor, r mxRoom) mxReq {
			return mxReq{method: "PUT", path: roomPath(w, r, "/notify"), body: map[string]any{"level": "mentions"}}
		},
		want: func(k mxKind, r mxRoom) int { return asAccount(k, func() int { return inRoom(r, mayRead(k, r)) }) }},

	"GET /benchmark": {who: "clients on the server's host (-benchmark local), or anyone (all)", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/benchmark"} },
		want: func(mxKind, mxRoom) int { return ok }}, // the matrix's clients are all on this host
	"POST /benchmark": {who: "as GET /benchmark", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "POST", path: "/benchmark"} },
		want: func(mxKind, mxRoom) int { return ok }},
	"GET /metrics": {who: "clients on the server's host and admins (-metrics local), admins only, or anyone; or apart, on -metrics-addr", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/metrics"} },
		want: func(mxKind, mxRoom) int { return ok }},
	"GET /stats.json": {who: "as /metrics", okAt: 200,
		call: func(w *mxWorld, a *mxActor, _ mxRoom) mxReq { return mxReq{method: "GET", path: "/stats.json"} },
		want: func(mxKind, mxRoom) int { return ok }},
}

// wantFile is a file's answer: to whoever may read its room; a token's
// holder reads only its token's rooms; a bot's token is not a connection
// token; everyone else who is someone gets the 404 a missing file gets.
func wantFile(k mxKind, r mxRoom) int {
	switch {
	case k == kToken:
		return notFound
	case !session(k):
		return unauth
	case mayRead(k, r):
		return ok
	}
	return notFound
}

// fileOf is the id of the file sent in room r; for rMissing, one that no
// file has.
func (w *mxWorld) fileOf(r mxRoom) string {
	if id, ok := w.file[r]; ok {
		return id
	}
	return strings.Repeat("a", 26)
}

// invite is a new invitation into the spare room, made by its owner.
func (w *mxWorld) invite() string {
	w.t.Helper()
	code, out := w.owner.call("POST", "/api/invites", map[string]string{"room": w.spare})
	if code != http.StatusCreated {
		w.t.Fatalf("invitation: %d %v", code, out)
	}
	return out["code"].(string)
}

// secretsFor are the texts a's answers must never hold.
func secretsFor(k mxKind) []string {
	var out []string
	if !mayRead(k, rPrivate) {
		out = append(out, markPrivate, markTitle)
	}
	if !mayRead(k, rDirect) {
		out = append(out, markDirect)
	}
	return out
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	onOneAndTwoNodesWith(t, func(c *Config) {
		c.JWTSecret = []byte(testSecret) // for the token's holder
		fastSenders(c)                   // the matrix sends hundreds of events a socket
	}, runMatrix)
}

func runMatrix(t *testing.T, srv *Server, setupHS, hs *httptest.Server) {
	w := newMatrixWorld(t, srv, setupHS, hs)
	routes := srv.api.Routes()
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		spec, found := matrixRoutes[key]
		if !found {
			t.Errorf("%s calls %s and has no rows in the authorization matrix", key, rt.Action)
			continue
		}
		rooms := spec.rooms
		if rooms == nil {
			rooms = []mxRoom{rNone}
		}
		for _, a := range w.actors {
			for _, r := range rooms {
				cell := fmt.Sprintf("%s as %s", key, a.kind)
				if r != rNone {
					cell += " in " + r.String()
				}
				want := spec.want(a.kind, r)
				if want == ok {
					want = spec.okAt
				}
				got, body := w.do(a, spec.call(w, a, r))
				if got != want {
					t.Errorf("%s: %d, want %d: %.120q", cell, got, want, body)
				}
				for _, secret := range secretsFor(a.kind) {
					if strings.Contains(body, secret) {
						t.Errorf("%s: the answer holds %q, of a room %s may not read: %.300s", cell, secret, a.kind, body)
					}
				}
			}
		}
	}
	runWSMatrix(t, w)
}

// TestEveryActionHasItsRows: every route and event has rows in the
// matrix, and every action of server/actions taking an actor is reached
// by a route or an event (read from the code, so a new one without rows
// fails here).
func TestEveryActionHasItsRows(t *testing.T) {
	srv, _ := startServer(t, nil)
	called := map[string]bool{}
	for _, rt := range srv.api.Routes() {
		called[rt.Action] = true
		if _, ok := matrixRoutes[rt.Method+" "+rt.Pattern]; !ok {
			t.Errorf("route %s %s has no rows in the matrix", rt.Method, rt.Pattern)
		}
	}
	for typ, action := range ws.Events() {
		called[action] = true
		if _, ok := matrixEvents[typ]; !ok {
			t.Errorf("event %s has no rows in the matrix", typ)
		}
	}
	for key := range matrixRoutes {
		if !slices.ContainsFunc(srv.api.Routes(), func(rt api.Route) bool { return rt.Method+" "+rt.Pattern == key }) {
			t.Errorf("the matrix has rows for %s, which no route serves", key)
		}
	}
	actor := reflect.TypeFor[actions.Actor]()
	at := reflect.TypeFor[*actions.Actions]()
	var actionNames []string
	for i := range at.NumMethod() {
		m := at.Method(i)
		for j := 1; j < m.Type.NumIn(); j++ {
			if in := m.Type.In(j); in == actor || in == reflect.PointerTo(actor) {
				actionNames = append(actionNames, m.Name)
				break
			}
		}
	}
	sort.Strings(actionNames)
	if len(actionNames) < 30 {
		t.Fatalf("only %d actions found: %v", len(actionNames), actionNames)
	}
	for _, name := range actionNames {
		if !called[name] && !actionsWithoutRoute[name] {
			t.Errorf("action %s is called by no route and no event: give it one, with its rows", name)
		}
	}
	for name := range called {
		if _, ok := at.MethodByName(name); !ok {
			t.Errorf("a route or event calls %s, which server/actions has not", name)
		}
	}
}

// actionsWithoutRoute take an actor but are the transports' own steps, not
// something a client asks for by itself.
var actionsWithoutRoute = map[string]bool{
	"Connect":   true, // the WebSocket's upgrade: every row of runWSMatrix goes through it
	"JoinLobby": true, // every new connection's, at the upgrade
}

var _ = wire.TypeJoin
