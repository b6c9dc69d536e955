package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"chat/internal/throttle"
	"chat/server/auth"
	"chat/server/httpx"
	"chat/server/rooms"
	"chat/wire"
)

// The HTTP API of rooms and invitations (README "HTTP API"). Who may call
// what; everyone else gets 403 forbidden, the same for a room that does not
// exist:
//
//	GET    /api/rooms                      a session's holder: their private rooms and direct messages
//	GET    /api/rooms/public               anyone with -access open; a session's holder with members: the public rooms to browse
//	GET    /api/search?q=…[&room=R]         a session's holder: messages in the rooms they may read (search.go)
//	POST   /api/rooms                      an account: a private room, or a direct message with accounts
//	GET    /api/rooms/{id}                 the room's members; admins
//	POST   /api/rooms/{id}/members         a private room's owner; admins: add an account by name
//	DELETE /api/rooms/{id}/members/{user}  the owner; admins; the member themselves (leaving)
//	POST   /api/rooms/{id}/topic           the owner; admins
//	POST   /api/invites                    an admin (to sign up), a private room's owner (into the room)
//	GET    /api/invites/{code}             whoever has the code: what it is for
//	POST   /api/invites/{code}/accept      an account: into the invitation's room

// maxDirect is how many people a direct message may have.
const maxDirect = 9

// What one person may make, an hour, on one node: rooms (private ones
// and direct messages), invitations, members added. Each is a KV record
// that stays; past these a person is answered 429 with Retry-After.
const (
	roomsPerHour   = 30
	invitesPerHour = 50
	addsPerHour    = 200
)

// apiThrottles are the limits above, per person.
type apiThrottles struct {
	rooms, invites, adds *throttle.Throttle
	uploads              *throttle.Throttle // api_files.go
}

func newAPIThrottles() apiThrottles {
	return apiThrottles{
		rooms:   throttle.New(roomsPerHour, time.Hour),
		invites: throttle.New(invitesPerHour, time.Hour),
		adds:    throttle.New(addsPerHour, time.Hour),
		uploads: newUploadThrottle(),
	}
}

// allowed spends one of user's attempts with t, or answers 429 saying
// what was made too often.
func allowed(w http.ResponseWriter, t *throttle.Throttle, user, what string) bool {
	if ok, wait := t.Allow(user, time.Now()); !ok {
		tooMany(w, wait, "too many "+what+" made in an hour: try again later")
		return false
	}
	return true
}

func (s *Server) roomRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/rooms", s.apiMyRooms)
	mux.HandleFunc("GET /api/rooms/public", s.apiPublicRooms)
	mux.HandleFunc("GET /api/search", s.apiSearch)
	mux.HandleFunc("POST /api/rooms", s.sameSite(s.apiCreateRoom))
	mux.HandleFunc("GET /api/rooms/{id}", s.apiRoom)
	mux.HandleFunc("POST /api/rooms/{id}/members", s.sameSite(s.apiAddMember))
	mux.HandleFunc("DELETE /api/rooms/{id}/members/{user}", s.sameSite(s.apiRemoveMember))
	mux.HandleFunc("POST /api/rooms/{id}/topic", s.sameSite(s.apiSetTopic))
	mux.HandleFunc("POST /api/invites", s.sameSite(s.apiInvite))
	mux.HandleFunc("GET /api/invites/{code}", s.apiPeekInvite)
	mux.HandleFunc("POST /api/invites/{code}/accept", s.sameSite(s.apiAcceptInvite))
}

// apiRoom is what the API says of a room: the caller's role in it, and
// for a direct message its people's names (it has no title).
type apiRoom struct {
	rooms.Room
	Role  string   `json:"role,omitempty"`
	Names []string `json:"names,omitempty"`
}

type roomRequest struct {
	Kind  string   `json:"kind"`
	Title string   `json:"title"`
	With  []string `json:"with"`
	Name  string   `json:"name"`
	Topic string   `json:"topic"`
	Room  string   `json:"room"`
}

func sessionWho(sess auth.Session) rooms.Who {
	return rooms.Who{User: sess.User, Account: !sess.Guest, Admin: sess.Admin}
}

func (s *Server) apiMyRooms(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.sessionOf(w, r)
	if !ok {
		return
	}
	mine, err := s.rooms.Mine(r.Context(), sess.User)
	if err != nil {
		apiError(w, err)
		return
	}
	out := make([]apiRoom, 0, len(mine))
	for _, rm := range mine {
		ar, err := s.describeRoom(r.Context(), sess, rm)
		if err != nil {
			continue // left or removed between the two reads
		}
		out = append(out, ar)
	}
	writeJSON(w, http.StatusOK, map[string][]apiRoom{"rooms": out})
}

// publicRoom is a public room in the directory.
type publicRoom struct {
	Name   string    `json:"name"`
	Active time.Time `json:"active"` // its last message, edit, reaction or delete
	Online int       `json:"online"`
}

// apiPublicRooms lists the public rooms that keep messages, those with
// most people online first, then the most recently active: what a newcomer browses instead of having to know a name. No
// private room or direct message is listed, whoever asks.
func (s *Server) apiPublicRooms(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Access == AccessMembers {
		if _, ok := s.accountOf(w, r); !ok {
			return
		}
	}
	active, err := s.broker.Activity(r.Context())
	if err != nil {
		apiError(w, err)
		return
	}
	out := make([]publicRoom, 0, len(active))
	for name, at := range active {
		if rooms.Reserved(name) {
			continue
		}
		out = append(out, publicRoom{Name: name, Active: at, Online: s.presence.Current(name).Count})
	}
	slices.SortFunc(out, func(a, b publicRoom) int {
		if a.Online != b.Online {
			return b.Online - a.Online
		}
		if c := b.Active.Compare(a.Active); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	writeJSON(w, http.StatusOK, map[string][]publicRoom{"rooms": out})
}

// describeRoom is rm as sess sees it.
func (s *Server) describeRoom(ctx context.Context, sess auth.Session, rm rooms.Room) (apiRoom, error) {
	ms, err := s.rooms.Members(ctx, sessionWho(sess), rm.ID)
	if err != nil {
		return apiRoom{}, err
	}
	ar := apiRoom{Room: rm}
	for _, m := range ms {
		if m.User == sess.User {
			ar.Role = m.Role
		}
		if rm.Kind == rooms.Direct {
			ar.Names = append(ar.Names, m.Name)
		}
	}
	slices.Sort(ar.Names)
	return ar, nil
}

func (s *Server) apiCreateRoom(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	var req roomRequest
	if !readJSON(w, r, &req) || !allowed(w, s.throttles.rooms, sess.User, "rooms") {
		return
	}
	me := rooms.Membership{User: sess.User, Name: sess.Name}
	var others []rooms.Membership
	if req.Kind == rooms.Direct {
		if len(req.With) == 0 || len(req.With) >= maxDirect {
			apiFail(w, http.StatusBadRequest, "a direct message is with 1 to 8 other people, named in \"with\"")
			return
		}
		for _, name := range req.With {
			a, err := s.auth.AccountNamed(r.Context(), name)
			if errors.Is(err, auth.ErrNoAccount) || (err == nil && a.Banned) {
				apiFail(w, http.StatusBadRequest, "no account is named "+name)
				return
			}
			if err != nil {
				apiError(w, err)
				return
			}
			if a.ID != sess.User {
				others = append(others, rooms.Membership{User: a.ID, Name: a.Name})
			}
		}
		if len(others) == 0 {
			apiFail(w, http.StatusBadRequest, "a direct message needs someone other than you")
			return
		}
	}
	rm, err := s.rooms.Create(r.Context(), req.Kind, req.Title, me, others)
	if err != nil {
		apiError(w, err)
		return
	}
	s.answerRoom(w, r, sess, rm, http.StatusCreated)
}

// answerRoom answers with rm as sess sees it.
func (s *Server) answerRoom(w http.ResponseWriter, r *http.Request, sess auth.Session, rm rooms.Room, status int) {
	ar, err := s.describeRoom(r.Context(), sess, rm)
	if err != nil {
		apiError(w, err)
		return
	}
	writeJSON(w, status, map[string]apiRoom{"room": ar})
}

func (s *Server) apiRoom(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.sessionOf(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	ms, err := s.rooms.Members(r.Context(), sessionWho(sess), id)
	if err != nil {
		apiError(w, err)
		return
	}
	rm, _, err := s.rooms.Get(r.Context(), id)
	if err != nil {
		apiError(w, err)
		return
	}
	ar := apiRoom{Room: rm}
	for _, m := range ms {
		if m.User == sess.User {
			ar.Role = m.Role
		}
	}
	if ar.Role == "" && sess.Admin {
		ar.Role = "admin"
	}
	type member struct {
		User  string    `json:"user"`
		Name  string    `json:"name"`
		Role  string    `json:"role"`
		Added time.Time `json:"added"`
	}
	out := make([]member, 0, len(ms))
	for _, m := range ms {
		out = append(out, member{User: m.User, Name: m.Name, Role: m.Role, Added: m.Added})
	}
	slices.SortFunc(out, func(a, b member) int { // the owner first, then by name
		return strings.Compare(rankName(a.Role, a.Name), rankName(b.Role, b.Name))
	})
	writeJSON(w, http.StatusOK, map[string]any{"room": ar, "role": ar.Role, "members": out})
}

func (s *Server) apiAddMember(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	var req roomRequest
	if !readJSON(w, r, &req) {
		return
	}
	if !allowed(w, s.throttles.adds, sess.User, "members added") {
		return
	}
	id := r.PathValue("id")
	// The permission first: to someone who may not invite, a name that
	// is no account and a room that does not exist look the same.
	if err := s.rooms.Can(r.Context(), sessionWho(sess), rooms.Invite, id); err != nil {
		apiError(w, err)
		return
	}
	a, err := s.auth.AccountNamed(r.Context(), req.Name)
	if errors.Is(err, auth.ErrNoAccount) || (err == nil && a.Banned) {
		apiFail(w, http.StatusBadRequest, "no account is named "+req.Name)
		return
	}
	if err != nil {
		apiError(w, err)
		return
	}
	if err := s.rooms.AddMember(r.Context(), sessionWho(sess), id, rooms.Membership{User: a.ID, Name: a.Name}); err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiRemoveMember(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.sessionOf(w, r)
	if !ok {
		return
	}
	if err := s.rooms.RemoveMember(r.Context(), sessionWho(sess), r.PathValue("id"), r.PathValue("user")); err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSetTopic(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	var req roomRequest
	if !readJSON(w, r, &req) {
		return
	}
	if err := s.rooms.SetTopic(r.Context(), sessionWho(sess), r.PathValue("id"), req.Topic); err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiInvite makes an invitation: to sign up (an admin's), or into a
// private room (its owner's or an admin's), which also lets a new person
// sign up with -access members.
func (s *Server) apiInvite(w http.ResponseWriter, r *http.Request) {
	var req roomRequest
	if !readJSON(w, r, &req) {
		return
	}
	var sess auth.Session
	if req.Room == "" {
		var ok bool
		if sess, ok = s.adminOf(w, r); !ok {
			return
		}
	} else {
		var ok bool
		if sess, ok = s.accountOf(w, r); !ok {
			return
		}
		if err := s.rooms.Can(r.Context(), sessionWho(sess), rooms.Invite, req.Room); err != nil {
			apiError(w, err)
			return
		}
	}
	if !allowed(w, s.throttles.invites, sess.User, "invitations") {
		return
	}
	code, err := s.auth.NewInvite(r.Context(), sess.User, req.Room)
	if err != nil {
		apiError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"code": code, "url": s.inviteURL(r, code, req.Room != "")})
}

// inviteURL is the page an invitation's link opens: the sign-up page, or
// for a room's the page that lets an account in (and offers a new person
// to sign up first).
func (s *Server) inviteURL(r *http.Request, code string, room bool) string {
	scheme := "http"
	if httpx.ClientOf(r).Secure {
		scheme = "https"
	}
	if room {
		return scheme + "://" + r.Host + "/invite/" + url.PathEscape(code)
	}
	return scheme + "://" + r.Host + "/signup?invite=" + url.QueryEscape(code)
}

func (s *Server) apiPeekInvite(w http.ResponseWriter, r *http.Request) {
	inv, err := s.auth.PeekInvite(r.Context(), r.PathValue("code"))
	if err != nil {
		apiError(w, err)
		return
	}
	out := map[string]any{"setup": inv.By == auth.SetupBy}
	if inv.Room != "" {
		if rm, ok, err := s.rooms.Get(r.Context(), inv.Room); err == nil && ok {
			out["room"] = map[string]string{"id": rm.ID, "kind": rm.Kind, "title": rm.Title}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiAcceptInvite(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	code := r.PathValue("code")
	if inv, err := s.auth.PeekInvite(r.Context(), code); err != nil {
		apiError(w, err)
		return
	} else if inv.Room == "" {
		apiFail(w, http.StatusBadRequest, "this invitation is for signing up, not into a room")
		return
	}
	inv, err := s.auth.UseInvite(r.Context(), code)
	if err != nil {
		apiError(w, err)
		return
	}
	if err := s.rooms.Admit(r.Context(), inv.Room, rooms.Membership{User: sess.User, Name: sess.Name}, inv.By); err != nil {
		apiError(w, err)
		return
	}
	rm, _, err := s.rooms.Get(r.Context(), inv.Room)
	if err != nil {
		apiError(w, err)
		return
	}
	s.answerRoom(w, r, sess, rm, http.StatusOK)
}

func rankName(role, name string) string {
	if role == rooms.Owner {
		return "0" + strings.ToLower(name)
	}
	return "1" + strings.ToLower(name)
}

// apiFail answers an error with status and text for a person.
func apiFail(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, map[string]string{"error": text})
}

// forbiddenJSON is the API's one refusal about a room.
func forbiddenJSON(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, map[string]string{"error": "this room is not open to you: it is private, or it does not exist", "code": wire.CodeForbidden})
}
