package api

import (
	"net/http"
	"net/url"

	"chat/server/actions"
	"chat/server/httpx"
)

// invite makes an invitation; its link opens the sign-up page, or for a
// room's the page that lets an account in (and offers a new person to
// sign up first).
func (h *Handler) invite(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var req roomRequest
	if !readJSON(w, r, &req, maxBody) {
		return
	}
	inv, err := h.actions.Invite(r.Context(), who, req.Room)
	if err != nil {
		fail(w, err)
		return
	}
	scheme := "http"
	if httpx.ClientOf(r).Secure {
		scheme = "https"
	}
	link := scheme + "://" + r.Host + "/signup?invite=" + url.QueryEscape(inv.Code)
	if inv.Room != "" {
		link = scheme + "://" + r.Host + "/invite/" + url.PathEscape(inv.Code)
	}
	writeJSON(w, http.StatusCreated, map[string]string{"code": inv.Code, "url": link})
}

func (h *Handler) peekInvite(w http.ResponseWriter, r *http.Request, _ actions.Actor) {
	info, err := h.actions.PeekInvite(r.Context(), r.PathValue("code"))
	if err != nil {
		fail(w, err)
		return
	}
	out := map[string]any{"setup": info.Setup}
	if info.Room != nil {
		out["room"] = info.Room
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	rm, err := h.actions.AcceptInvite(r.Context(), who, r.PathValue("code"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]actions.RoomInfo{"room": rm})
}
