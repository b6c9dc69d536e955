package api

import (
	"net/http"

	"chat/server/actions"
	"chat/server/auth"
	"chat/server/httpx"
)

type credentials struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Invite   string `json:"invite,omitempty"`
	Old      string `json:"old,omitempty"` // POST /api/password: the current one
	User     string `json:"user,omitempty"`
}

func (c credentials) of(r *http.Request) actions.Credentials {
	return actions.Credentials{Name: c.Name, Password: c.Password, Invite: c.Invite,
		Addr: httpx.ClientOf(r).Key(), Agent: r.UserAgent()}
}

// signedIn sets the new session's cookie and answers with its person.
func signedIn(w http.ResponseWriter, r *http.Request, s actions.SignedIn, status int) {
	if s.Cookie != "" {
		httpx.SetSessionCookie(w, r, s.Cookie, int(auth.SessionTTL.Seconds()))
	}
	out := map[string]any{"user": s.User}
	if s.Room != "" {
		out["room"] = s.Room // the room the invitation let the new account into
	}
	writeJSON(w, status, out)
}

func (h *Handler) signUp(w http.ResponseWriter, r *http.Request, _ actions.Actor) {
	var c credentials
	if !readJSON(w, r, &c, maxBody) {
		return
	}
	s, err := h.actions.SignUp(r.Context(), c.of(r))
	if err != nil {
		fail(w, err)
		return
	}
	signedIn(w, r, s, http.StatusCreated)
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, _ actions.Actor) {
	var c credentials
	if !readJSON(w, r, &c, maxBody) {
		return
	}
	s, err := h.actions.SignIn(r.Context(), c.of(r))
	if err != nil {
		fail(w, err)
		return
	}
	signedIn(w, r, s, http.StatusOK)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.SignOut(r.Context(), who); err != nil {
		fail(w, err)
		return
	}
	httpx.SetSessionCookie(w, r, "", -1)
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	u, err := h.actions.Me(r.Context(), who)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]actions.User{"user": u})
}

func (h *Handler) guest(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	s, err := h.actions.Guest(r.Context(), who, httpx.ClientOf(r).Key(), r.UserAgent())
	if err != nil {
		fail(w, err)
		return
	}
	signedIn(w, r, s, http.StatusOK)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var c credentials
	if !readJSON(w, r, &c, maxBody) {
		return
	}
	if err := h.actions.ChangePassword(r.Context(), who, c.Old, c.Password); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) sessions(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	list, err := h.actions.Sessions(r.Context(), who)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]actions.SessionInfo{"sessions": list})
}

func (h *Handler) revokeSession(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.RevokeSession(r.Context(), who, r.PathValue("id")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) ban(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var c credentials
	if !readJSON(w, r, &c, maxBody) {
		return
	}
	if err := h.actions.Ban(r.Context(), who, c.User, c.Name); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) unban(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.Unban(r.Context(), who, r.PathValue("user")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) bans(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	list, err := h.actions.Bans(r.Context(), who)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]actions.BanInfo{"bans": list})
}
