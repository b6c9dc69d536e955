package api

import (
	"net/http"

	webpush "github.com/SherClockHolmes/webpush-go"

	"chat/server/actions"
	"chat/server/push"
)

func (h *Handler) pushKey(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	key, err := h.actions.PushKey(r.Context(), who)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": key})
}

func (h *Handler) subscribe(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var sub webpush.Subscription
	if !readJSON(w, r, &sub, maxBody) {
		return
	}
	device, err := h.actions.Subscribe(r.Context(), who, sub)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"device": device})
}

func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var sub webpush.Subscription
	if !readJSON(w, r, &sub, maxBody) {
		return
	}
	if err := h.actions.Unsubscribe(r.Context(), who, sub.Endpoint); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) notifyChoice(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	c, err := h.actions.NotifyChoice(r.Context(), who, r.PathValue("id"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (h *Handler) setNotifyChoice(w http.ResponseWriter, r *http.Request, who actions.Actor) {
	var c push.Choice
	if !readJSON(w, r, &c, maxBody) {
		return
	}
	if err := h.actions.SetNotifyChoice(r.Context(), who, r.PathValue("id"), c); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
