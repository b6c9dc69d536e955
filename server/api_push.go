package server

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"chat/server/outgoing"
	"chat/server/push"
	"chat/server/rooms"
	"chat/wire"
)

// Notifications (README "Notifications"). Who may call what:
//
//	GET    /api/push/key              a session's holder: the VAPID public key to subscribe with
//	POST   /api/push/subscriptions    an account's holder: keep this device's subscription
//	DELETE /api/push/subscriptions    an account's holder: forget one of their devices (by endpoint)
//	GET    /api/rooms/{id}/notify     an account's holder who may read the room: their choice for it
//	PUT    /api/rooms/{id}/notify     the same: set it ({"level":"all"|"mentions"|"none","previews":bool})
//
// Guests get no pushes (their session is not a person to find again).
// A choice for a room one may not read is refused like the room itself.

func (s *Server) pushRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/push/key", s.apiPushKey)
	mux.HandleFunc("POST /api/push/subscriptions", s.sameSite(s.apiSubscribe))
	mux.HandleFunc("DELETE /api/push/subscriptions", s.sameSite(s.apiUnsubscribe))
	mux.HandleFunc("GET /api/rooms/{id}/notify", s.apiNotifyChoice)
	mux.HandleFunc("PUT /api/rooms/{id}/notify", s.sameSite(s.apiNotifyChoice))
}

func (s *Server) apiPushKey(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.sessionOf(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": s.push.PublicKey()})
}

func (s *Server) apiSubscribe(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	var sub webpush.Subscription
	if !readJSON(w, r, &sub) {
		return
	}
	if !s.cfg.OutgoingAllowPrivate && literalPrivate(sub.Endpoint) {
		apiFail(w, http.StatusBadRequest, "a push endpoint must be a public address")
		return
	}
	d, err := s.push.Subscribe(r.Context(), sess.User, sub, time.Now())
	if errors.Is(err, push.ErrBadSubscription) {
		apiFail(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		apiError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"device": d.ID})
}

// literalPrivate says whether a URL names a non-public address outright
// (a host name is checked when a push is sent, by the outgoing client).
func literalPrivate(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return !outgoing.Public(ip)
	}
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

func (s *Server) apiUnsubscribe(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	var sub webpush.Subscription
	if !readJSON(w, r, &sub) {
		return
	}
	if err := s.push.Unsubscribe(r.Context(), sess.User, sub.Endpoint); err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiNotifyChoice(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.accountOf(w, r)
	if !ok {
		return
	}
	room := r.PathValue("id")
	if err := wire.ValidRoom(room); err != nil {
		apiError(w, err)
		return
	}
	if err := s.rooms.Can(r.Context(), sessionWho(sess), rooms.Join, room); err != nil {
		apiError(w, err)
		return
	}
	direct := false
	if rooms.Reserved(room) {
		rm, _, err := s.rooms.Get(r.Context(), room)
		if err != nil {
			apiError(w, err)
			return
		}
		direct = rm.Kind == rooms.Direct
	}
	if r.Method == http.MethodPut {
		var c push.Choice
		if !readJSON(w, r, &c) {
			return
		}
		if err := s.push.SetChoice(r.Context(), sess.User, room, c); err != nil {
			if errors.Is(err, push.ErrBadLevel) {
				apiFail(w, http.StatusBadRequest, err.Error())
				return
			}
			apiError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	c, err := s.push.Choice(r.Context(), sess.User, room, direct)
	if err != nil {
		apiError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
