package api

import (
	"net/http"
	"strings"

	"chat/server/actions"

	"github.com/nats-io/nuid"
)

// bearer is the request's bearer token, "" if none.
func bearer(r *http.Request) string {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func (h *Handler) createBot(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var req struct {
		Name    string `json:"name"`
		Webhook string `json:"webhook"`
	}
	if !readJSON(w, r, &req, maxBody) {
		return
	}
	b, err := h.actions.CreateBot(r.Context(), who, req.Name, req.Webhook)
	if err != nil {
		fail(w, err)
		return
	}
	out := map[string]any{"bot": b.Bot, "token": b.Token}
	if b.Secret != "" {
		out["secret"] = b.Secret
	}
	writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) bots(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	list, err := h.actions.Bots(r.Context(), who)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]actions.BotInfo{"bots": list})
}

func (h *Handler) revokeBot(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	if err := h.actions.RevokeBot(r.Context(), who, r.PathValue("id")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) rotateBotToken(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	token, err := h.actions.RotateBotToken(r.Context(), who, r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": token})
}

// botPost stores a bot's message in the room's stream, as a WebSocket
// send does, so that it reaches every member on every node through the
// one fan-out and is in history; the action stamps who sent it.
func (h *Handler) botPost(w http.ResponseWriter, r *http.Request, bot actions.Actor) {
	var req struct {
		Text string `json:"text"`
		ID   string `json:"id"` // optional: a resend with the same id is stored once
	}
	if !readJSON(w, r, &req, maxPostBody) {
		return
	}
	if req.ID == "" {
		req.ID = nuid.Next() // the bot's choice; else each post is its own
	}
	room := r.PathValue("id")
	seq, err := h.actions.Send(r.Context(), bot, nil, actions.SendRequest{Room: room, ID: req.ID, Text: req.Text})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"room": room, "id": req.ID, "seq": seq})
}
