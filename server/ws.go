package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"chat/server/auth"
	"chat/server/httpx"
	"chat/server/hub"
	"chat/wire"
)

// readLimit is coder/websocket's hard cap on one inbound message. Messages
// between wire.MaxFrame and this are read, refused with an error event and a
// 1009 close; beyond it the library closes with 1009 by itself, having read
// no more than this.
const readLimit = 1 << 20

// serveWS upgrades /ws. The connection count is checked before the upgrade,
// so a full server answers 503 instead of accepting and dropping.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.closing.Load() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	if s.accepts != nil && !s.accepts.Allow() {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many new connections right now: retry in a moment", http.StatusServiceUnavailable)
		return
	}
	if s.conns.Add(1) > int64(s.cfg.MaxConns) {
		s.conns.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "server full: too many connections", http.StatusServiceUnavailable)
		return
	}
	// A page on another site must not open a socket with the person's
	// cookie (cross-site WebSocket hijacking): Origin is checked by
	// Accept; a browser's Sec-Fetch-Site says the same where Origin could
	// be missing. -origins lets named sites in, and then this check too.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" && len(s.cfg.Origins) == 0 {
		s.conns.Add(-1)
		http.Error(w, "cross-site WebSocket refused", http.StatusForbidden)
		return
	}
	// Who is connecting: the sign-in session of the cookie, if any. A
	// plain client without one is a guest of its own, as the seed's were,
	// unless only members may chat.
	tok, err := s.connectionToken(r)
	if err != nil {
		s.conns.Add(-1)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	sess, err := s.requestSession(r.Context(), r)
	if tok.user != "" {
		sess, err = auth.Session{}, nil // the token says who this is, not a cookie
	}
	if s.cfg.Access == AccessMembers && tok.user == "" && (err != nil || sess.Guest) {
		s.conns.Add(-1)
		http.Error(w, "sign in first: only members may chat here", http.StatusUnauthorized)
		return
	}
	ipKey, ok := s.perIP.take(httpx.ClientOf(r).Key())
	if !ok {
		s.conns.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many connections from your address", http.StatusTooManyRequests)
		return
	}
	// One allocation holds the session, its hub seat and its transport.
	ss := &session{srv: s}
	ss.client, ss.t.client = &ss.seat, &ss.seat
	ss.t.parker, ss.t.resume = s.parker, ss.resume
	conn, err := websocket.Accept(&hijacker{w, &ss.t}, r, &websocket.AcceptOptions{
		OriginPatterns: s.cfg.Origins,
		// Compression stays off: it costs tens of KB per connection and
		// Safari has had bugs with it; chat events are small.
		CompressionMode: websocket.CompressionDisabled,
		// Pings and pongs count against the event rate: a peer cannot make
		// the server write pongs faster than it may send messages.
		OnPingReceived: ss.onPing,
		OnPongReceived: ss.onPong,
	})
	if err != nil {
		// Accept has answered (403 for a foreign Origin, 426 for a plain GET).
		s.conns.Add(-1)
		s.perIP.release(ipKey)
		return
	}
	ss.ipKey = ipKey
	ss.t.ws, ss.conn = conn, conn
	ss.t.readDirect()
	conn.SetReadLimit(readLimit)
	name := wire.GuestName()
	if sess.Key != "" {
		ss.user, ss.sessKey, ss.account, ss.admin, name = sess.User, sess.Key, !sess.Guest, sess.Admin, sess.Name
	}
	if tok.user != "" {
		ss.user, ss.account, ss.tokenRooms, name = tok.user, true, tok.rooms, tok.name
	}
	if ss.user != "" {
		// Known by person too, for what concerns all their devices: read
		// marks, their rooms, a removal (and by session for its end).
		s.signedIn.add(ss)
	}
	s.hub.Attach(&ss.seat, &ss.t, name)
	if ss.user != "" {
		s.hub.Identify(&ss.seat, name, "u:"+ss.user) // presence counts the person, on every device
	}
	if tok.user != "" {
		// The token's life is the connection's: the site's page opens a
		// new one with a fresh token.
		ss.expiry = time.AfterFunc(time.Until(tok.expires), func() { ss.client.Close(hub.DisconnectTokenExpired) })
	}
	// The handler returns now: its goroutine and the request's memory go,
	// and the session's read loop lives on in a small new goroutine.
	go ss.run()
}

// connectionToken checks the request's connection token (see token.go):
// none is no error; a bad one, or one on a server without -jwt-key, is.
// A token's name is refused when an account here holds it: names are
// owned.
func (s *Server) connectionToken(r *http.Request) (tokenIdentity, error) {
	raw := requestToken(r)
	if raw == "" {
		return tokenIdentity{}, nil
	}
	if s.tokens == nil {
		return tokenIdentity{}, errors.New("connection token refused: this server takes none (it was started without -jwt-key)")
	}
	id, err := s.tokens.verify(raw)
	if err != nil {
		return tokenIdentity{}, fmt.Errorf("connection token refused: %v", err)
	}
	taken, err := s.auth.NameTaken(r.Context(), id.name)
	if err != nil {
		return tokenIdentity{}, fmt.Errorf("connection token not checked: %v; try again", err)
	}
	if taken {
		return tokenIdentity{}, fmt.Errorf("connection token refused: the name %q belongs to an account here", id.name)
	}
	return id, nil
}
