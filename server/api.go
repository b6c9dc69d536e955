package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"chat/server/auth"
	"chat/server/httpx"
	"chat/server/rooms"
	"chat/wire"
)

// The HTTP API of accounts and sessions (README "HTTP API"). Who may call
// what:
//
//	POST /api/signup      anyone; with -access members, with an invitation
//	POST /api/login       anyone, throttled per name and per address
//	POST /api/logout      the session's holder
//	GET  /api/me          the session's holder
//	POST /api/guest       anyone, with -access open: a guest session
//	POST /api/password    the account's holder
//	GET  /api/sessions    the account's holder: their own sessions
//	DELETE /api/sessions/{id}  the account's holder: one of their own
//	POST /api/invites     an admin; a room's owner (see api_rooms.go)
//	POST /api/bans        an admin; GET /api/bans and DELETE /api/bans/{user}, an admin
//	/api/bots...          an admin; a bot's post by its token (see api_bots.go)
//
// Every call that changes something is refused from another site
// (Sec-Fetch-Site, else Origin) and needs a JSON body, so that a page
// elsewhere cannot make a signed-in browser call it.

// sessionCookie is the name of the session cookie.
const sessionCookie = "chat_session"

// maxAPIBody bounds a request body: names and passwords are small.
const maxAPIBody = 4 << 10

func (s *Server) apiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/signup", s.sameSite(s.apiSignup))
	mux.HandleFunc("POST /api/login", s.sameSite(s.apiLogin))
	mux.HandleFunc("POST /api/logout", s.sameSite(s.apiLogout))
	mux.HandleFunc("GET /api/me", s.apiMe)
	mux.HandleFunc("POST /api/guest", s.sameSite(s.apiGuest))
	mux.HandleFunc("POST /api/password", s.sameSite(s.apiPassword))
	mux.HandleFunc("GET /api/sessions", s.apiSessions)
	mux.HandleFunc("DELETE /api/sessions/{id}", s.sameSite(s.apiRevoke))
	mux.HandleFunc("POST /api/bans", s.sameSite(s.apiBan))
	mux.HandleFunc("GET /api/bans", s.apiBans)
	mux.HandleFunc("DELETE /api/bans/{user}", s.sameSite(s.apiUnban))
	s.roomRoutes(mux)
	s.fileRoutes(mux)
	s.botRoutes(mux)
	s.pushRoutes(mux)
}

// apiUser is what the API says of a person.
type apiUser struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Admin bool   `json:"admin,omitempty"`
	Guest bool   `json:"guest,omitempty"`
}

type credentials struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Invite   string `json:"invite,omitempty"`
	Old      string `json:"old,omitempty"` // POST /api/password: the current one
	User     string `json:"user,omitempty"`
}

func (s *Server) apiSignup(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !readJSON(w, r, &c) {
		return
	}
	a, err := s.auth.SignUp(r.Context(), c.Name, c.Password, c.Invite, s.cfg.Access == AccessMembers, httpx.ClientOf(r).Key())
	if err != nil {
		apiError(w, err)
		return
	}
	if a.InvitedTo != "" {
		// A room's invitation: the new account is in the room at once
		// (unless the room went meanwhile: the account stays).
		if err := s.rooms.Admit(r.Context(), a.InvitedTo, rooms.Membership{User: a.ID, Name: a.Name}, a.InvitedBy); err != nil {
			s.log.Warn("invited sign-up not let into the room", "room", a.InvitedTo, "err", err)
		}
	}
	s.startSession(w, r, a, http.StatusCreated)
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !readJSON(w, r, &c) {
		return
	}
	a, err := s.auth.SignIn(r.Context(), c.Name, c.Password, httpx.ClientOf(r).Key())
	if err != nil {
		apiError(w, err)
		return
	}
	s.startSession(w, r, a, http.StatusOK)
}

// startSession opens a session for a, sets its cookie and answers with
// the account.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a auth.Account, status int) {
	cookie, _, err := s.auth.NewSession(r.Context(), a, r.UserAgent())
	if err != nil {
		apiError(w, err)
		return
	}
	setSessionCookie(w, r, cookie, int(auth.SessionTTL.Seconds()))
	out := map[string]any{"user": apiUser{ID: a.ID, Name: a.Name, Admin: a.Admin}}
	if a.InvitedTo != "" && status == http.StatusCreated {
		out["room"] = a.InvitedTo // the room the invitation let the new account into
	}
	writeJSON(w, status, out)
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: httpx.ClientOf(r).Secure,
	})
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if sess, ok := s.sessionOf(w, r); ok {
		if err := s.auth.Revoke(r.Context(), sess.Key); err != nil {
			apiError(w, err)
			return
		}
		setSessionCookie(w, r, "", -1)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	if sess, ok := s.sessionOf(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]apiUser{"user": {ID: sess.User, Name: sess.Name, Admin: sess.Admin, Guest: sess.Guest}})
	}
}

// apiGuest gives a visitor without a session a guest one: a name the
// server picks, kept across reloads by the cookie. One with a session gets
// it back.
func (s *Server) apiGuest(w http.ResponseWriter, r *http.Request) {
	if sess, err := s.requestSession(r.Context(), r); err == nil {
		writeJSON(w, http.StatusOK, map[string]apiUser{"user": {ID: sess.User, Name: sess.Name, Admin: sess.Admin, Guest: sess.Guest}})
		return
	}
	if s.cfg.Access == AccessMembers {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "only members may chat here: sign in"})
		return
	}
	cookie, sess, err := s.auth.NewGuest(r.Context(), r.UserAgent(), httpx.ClientOf(r).Key())
	if err != nil {
		apiError(w, err)
		return
	}
	setSessionCookie(w, r, cookie, int(auth.SessionTTL.Seconds()))
	writeJSON(w, http.StatusOK, map[string]apiUser{"user": {ID: sess.User, Name: sess.Name, Guest: true}})
}

func (s *Server) apiPassword(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	var c credentials
	if !readJSON(w, r, &c) {
		return
	}
	if err := s.auth.ChangePassword(r.Context(), sess, c.Old, c.Password); err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type apiSession struct {
	ID      string    `json:"id"`
	Agent   string    `json:"agent"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
	Current bool      `json:"current,omitempty"`
}

func (s *Server) apiSessions(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	list, err := s.auth.Sessions(r.Context(), sess.User)
	if err != nil {
		apiError(w, err)
		return
	}
	out := make([]apiSession, 0, len(list))
	for _, l := range list {
		out = append(out, apiSession{ID: l.ID(), Agent: l.Agent, Created: l.Created, Seen: l.Seen, Current: l.Key == sess.Key})
	}
	writeJSON(w, http.StatusOK, map[string][]apiSession{"sessions": out})
}

func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	list, err := s.auth.Sessions(r.Context(), sess.User)
	if err != nil {
		apiError(w, err)
		return
	}
	for _, l := range list {
		if l.ID() == r.PathValue("id") {
			if err := s.auth.Revoke(r.Context(), l.Key); err != nil {
				apiError(w, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	// Another person's session, or none: the same answer.
	apiFail(w, http.StatusNotFound, "no such session")
}

func (s *Server) apiBan(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.adminOf(w, r)
	if !ok {
		return
	}
	var c credentials
	if !readJSON(w, r, &c) {
		return
	}
	if c.User == "" && c.Name != "" {
		a, err := s.auth.AccountNamed(r.Context(), c.Name)
		if err != nil {
			apiError(w, err)
			return
		}
		c.User = a.ID
	}
	if c.User == "" || c.User == sess.User {
		apiFail(w, http.StatusBadRequest, "name an account other than your own")
		return
	}
	if err := s.auth.Ban(r.Context(), c.User, sess.User); err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiUnban(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.adminOf(w, r); !ok {
		return
	}
	if err := s.auth.Unban(r.Context(), r.PathValue("user")); err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiBans(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.adminOf(w, r); !ok {
		return
	}
	list, err := s.auth.Banned(r.Context())
	if err != nil {
		apiError(w, err)
		return
	}
	type ban struct {
		User apiUser   `json:"user"`
		By   apiUser   `json:"by"`
		At   time.Time `json:"at"`
	}
	out := make([]ban, 0, len(list))
	for _, a := range list {
		by := apiUser{ID: a.BannedBy}
		if admin, err := s.auth.Account(r.Context(), a.BannedBy); err == nil {
			by.Name = admin.Name
		}
		out = append(out, ban{User: apiUser{ID: a.ID, Name: a.Name}, By: by, At: a.BannedAt})
	}
	writeJSON(w, http.StatusOK, map[string][]ban{"bans": out})
}

// sessionOf is the request's session, or a 401 answered.
func (s *Server) sessionOf(w http.ResponseWriter, r *http.Request) (auth.Session, bool) {
	sess, err := s.requestSession(r.Context(), r)
	if err != nil {
		apiFail(w, http.StatusUnauthorized, "not signed in")
		return auth.Session{}, false
	}
	return sess, true
}

// accountOf is sessionOf for calls only accounts may make.
func (s *Server) accountOf(w http.ResponseWriter, r *http.Request) (auth.Session, bool) {
	sess, ok := s.sessionOf(w, r)
	if ok && sess.Guest {
		apiFail(w, http.StatusForbidden, "sign up first")
		return auth.Session{}, false
	}
	return sess, ok
}

// adminOf is sessionOf for admins' calls; anyone else gets 403.
func (s *Server) adminOf(w http.ResponseWriter, r *http.Request) (auth.Session, bool) {
	sess, ok := s.sessionOf(w, r)
	if !ok {
		return sess, false
	}
	if a, err := s.auth.Account(r.Context(), sess.User); err != nil || !a.Admin || a.Banned {
		apiFail(w, http.StatusForbidden, "only an admin may do this")
		return auth.Session{}, false
	}
	return sess, true
}

// requestSession reads the request's session cookie.
func (s *Server) requestSession(ctx context.Context, r *http.Request) (auth.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.Session{}, auth.ErrNoSession
	}
	sess, err := s.auth.Session(ctx, c.Value)
	if err == nil {
		s.auth.Touch(ctx, sess)
	}
	return sess, err
}

// sameSite refuses a state-changing call made from another site: by
// Sec-Fetch-Site where the browser sends it, else by Origin.
func (s *Server) sameSite(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Sec-Fetch-Site") {
		case "", "same-origin", "none":
		default:
			apiFail(w, http.StatusForbidden, "cross-site request refused")
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || !strings.EqualFold(u.Host, r.Host) {
				apiFail(w, http.StatusForbidden, "cross-site request refused")
				return
			}
		}
		h(w, r)
	}
}

// readJSON reads a small JSON body, answering 400 or 415 itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodDelete {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			apiFail(w, http.StatusUnsupportedMediaType, "send JSON (Content-Type: application/json)")
			return false
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return false
	}
	return true
}

// apiError answers an error with its status and its text for a person.
func apiError(w http.ResponseWriter, err error) {
	var te *auth.ThrottledError
	var pe *wire.ProtocolError
	var pwe *auth.PasswordError
	switch {
	case errors.As(err, &te):
		tooMany(w, te.RetryAfter, te.Error())
	case errors.As(err, &pe):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": pe.Text, "code": pe.Code})
	case errors.As(err, &pwe):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": pwe.Text})
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrBanned):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
	case errors.Is(err, auth.ErrNameTaken):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case errors.Is(err, rooms.ErrForbidden):
		forbiddenJSON(w)
	case errors.Is(err, auth.ErrNoAccount):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	case errors.Is(err, auth.ErrInviteRequired), errors.Is(err, auth.ErrBadInvite):
		writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "try again in a moment"})
	}
}

func tooMany(w http.ResponseWriter, wait time.Duration, text string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
	writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": text})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
