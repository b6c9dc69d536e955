package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nuid"
	"golang.org/x/time/rate"

	"chat/server/auth"
	"chat/server/broker"
	"chat/server/outgoing"
	"chat/server/rooms"
	"chat/wire"
)

// Bots (README "Bots and webhooks"). Who may call what:
//
//	POST   /api/bots              an admin: make a bot; its token (and its
//	                              webhook's secret) are answered this once
//	GET    /api/bots              an admin: the bots, without tokens or secrets
//	DELETE /api/bots/{id}         an admin: revoke; the token fails at once, everywhere
//	POST   /api/bots/{id}/token   an admin: a new token; the old one fails at once
//	POST   /api/rooms/{room}/messages  a bot, by its token (Authorization:
//	                              Bearer), in a room it may send to: every
//	                              public room, the private rooms and direct
//	                              messages it is a member of
//
// The admin calls are cookie-authenticated like the rest of the API, so
// they keep its same-site check. The post takes a bearer token and nothing
// else: a session cookie does not post there, so a page on another site
// cannot make a signed-in browser post (it cannot set Authorization
// without a CORS preflight, which is never granted).

// maxBotBody bounds a bot's post: a text of wire.MaxTextBytes with every
// character escaped fits.
const maxBotBody = 64 << 10

func (s *Server) botRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/bots", s.sameSite(s.apiCreateBot))
	mux.HandleFunc("GET /api/bots", s.apiBots)
	mux.HandleFunc("DELETE /api/bots/{id}", s.sameSite(s.apiRevokeBot))
	mux.HandleFunc("POST /api/bots/{id}/token", s.sameSite(s.apiRotateBotToken))
	mux.HandleFunc("POST /api/rooms/{room}/messages", s.apiBotPost)
}

// apiBot is what the API says of a bot: never its token or secret.
type apiBot struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Webhook string    `json:"webhook,omitempty"`
	By      string    `json:"by"`
	Created time.Time `json:"created"`
}

func botOut(b auth.Bot) apiBot {
	return apiBot{ID: b.ID, Name: b.Name, Webhook: b.Webhook, By: b.By, Created: b.Created}
}

func (s *Server) apiCreateBot(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.adminOf(w, r)
	if !ok {
		return
	}
	var req struct {
		Name    string `json:"name"`
		Webhook string `json:"webhook"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Webhook != "" {
		if err := s.checkWebhookURL(req.Webhook); err != nil {
			apiFail(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	b, token, err := s.auth.CreateBot(r.Context(), req.Name, req.Webhook, sess.User)
	if err != nil {
		apiError(w, err)
		return
	}
	out := map[string]any{"bot": botOut(b), "token": token}
	if b.Secret != "" {
		out["secret"] = b.Secret
	}
	writeJSON(w, http.StatusCreated, out)
}

// checkWebhookURL refuses a webhook that can never be called: not http or
// https, no host, or an address the outgoing client refuses. A name is
// checked at each call instead (what it resolves to may change).
func (s *Server) checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || len(raw) > 2000:
		return errors.New("the webhook is not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("the webhook must be an http or https URL")
	case u.Hostname() == "":
		return errors.New("the webhook's URL has no host")
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !s.cfg.OutgoingAllowPrivate && !outgoing.Public(ip) {
		return errors.New("the webhook's address is this server's machine or network, which webhooks may not call (see -outgoing-allow-private)")
	}
	return nil
}

func (s *Server) apiBots(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.adminOf(w, r); !ok {
		return
	}
	list, err := s.auth.Bots(r.Context())
	if err != nil {
		apiError(w, err)
		return
	}
	out := make([]apiBot, 0, len(list))
	for _, b := range list {
		out = append(out, botOut(b))
	}
	writeJSON(w, http.StatusOK, map[string][]apiBot{"bots": out})
}

func (s *Server) apiRevokeBot(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.adminOf(w, r)
	if !ok {
		return
	}
	err := s.auth.RevokeBot(r.Context(), r.PathValue("id"), sess.User)
	if errors.Is(err, auth.ErrNoBot) {
		apiFail(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiRotateBotToken(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.adminOf(w, r); !ok {
		return
	}
	token, err := s.auth.RotateBotToken(r.Context(), r.PathValue("id"))
	if errors.Is(err, auth.ErrNoBot) {
		apiFail(w, http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		apiError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": token})
}

// botPost is the body of POST /api/rooms/{room}/messages.
type botPost struct {
	Text string `json:"text"`
	ID   string `json:"id"` // optional: a resend with the same id is stored once
}

// apiBotPost stores a bot's message in the room's stream, as a WebSocket
// send does, so that it reaches every member on every node through the
// one fan-out and is in history; the server stamps who sent it.
func (s *Server) apiBotPost(w http.ResponseWriter, r *http.Request) {
	bot, ok := s.botOf(w, r)
	if !ok {
		return
	}
	if ok, wait := s.botRates.allow(bot.ID, s.cfg); !ok {
		tooMany(w, wait, "too many messages from this bot: try again later")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		apiFail(w, http.StatusUnsupportedMediaType, "send JSON (Content-Type: application/json)")
		return
	}
	var req botPost
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBotBody)).Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			apiFail(w, http.StatusRequestEntityTooLarge, "the body is over 64 KiB")
			return
		}
		apiFail(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	room := r.PathValue("room")
	if err := wire.ValidRoom(room); err != nil {
		apiError(w, err)
		return
	}
	// The permission before the message's checks: to a bot that may not
	// send there, every room it is not in looks the same.
	if err := s.rooms.Can(r.Context(), rooms.Who{User: bot.ID, Account: true}, rooms.Join, room); err != nil {
		apiError(w, err)
		return
	}
	if err := wire.ValidText(req.Text); err != nil {
		status := http.StatusBadRequest
		if len(req.Text) > wire.MaxTextBytes {
			status = http.StatusRequestEntityTooLarge
		}
		writeJSON(w, status, map[string]string{"error": err.(*wire.ProtocolError).Text, "code": wire.CodeBadText})
		return
	}
	if req.ID == "" {
		req.ID = nuid.Next()
	} else if err := wire.ValidID(req.ID); err != nil {
		apiError(w, err)
		return
	}
	if lag := s.delivery.Lag(); lag > s.cfg.MaxDeliveryLag {
		s.metrics.Busy.Add(1)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "busy: send it again in a moment", "code": wire.CodeBusy})
		return
	}
	m := wire.Event{ID: req.ID, From: bot.Name, User: bot.ID, Bot: true, Text: req.Text,
		TS: time.Now().UTC().Truncate(time.Millisecond)}
	seq, dup, err := s.broker.Store(r.Context(), room, "bot:"+bot.ID, m)
	if errors.Is(err, broker.ErrStoreFull) {
		writeJSON(w, http.StatusInsufficientStorage, map[string]string{"error": "the message store is full", "code": wire.CodeStoreFull})
		return
	}
	if err != nil {
		s.log.Warn("bot message not stored", "room", room, "bot", bot.Name, "err", err)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "not stored: send it again", "code": wire.CodeUnavailable})
		return
	}
	if !dup {
		s.metrics.MessagesIn.Add(1)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"room": room, "id": req.ID, "seq": seq})
}

// botOf is the bot whose token the request bears, or a 401 answered.
func (s *Server) botOf(w http.ResponseWriter, r *http.Request) (auth.Bot, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chat"`)
		apiFail(w, http.StatusUnauthorized, "a bot posts with its token: Authorization: Bearer <token>")
		return auth.Bot{}, false
	}
	b, err := s.auth.BotByToken(r.Context(), strings.TrimSpace(token))
	if errors.Is(err, auth.ErrBadToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chat", error="invalid_token"`)
		apiFail(w, http.StatusUnauthorized, err.Error())
		return auth.Bot{}, false
	}
	if err != nil {
		apiError(w, err)
		return auth.Bot{}, false
	}
	return b, true
}

// botRates are the bots' message rates on this node; the zero value is
// ready. Bots are few (an admin makes each), so one limiter each is kept.
type botRates struct {
	mu   sync.Mutex
	bots map[string]*rate.Limiter
}

// allow spends one of the bot's messages, or says how long to wait.
func (b *botRates) allow(bot string, cfg Config) (bool, time.Duration) {
	b.mu.Lock()
	l := b.bots[bot]
	if l == nil {
		def := DefaultConfig()
		r, burst := cfg.BotRate, cfg.BotBurst
		if r <= 0 || burst <= 0 {
			r, burst = def.BotRate, def.BotBurst
		}
		l = rate.NewLimiter(rate.Limit(r), burst)
		if b.bots == nil {
			b.bots = make(map[string]*rate.Limiter)
		}
		b.bots[bot] = l
	}
	b.mu.Unlock()
	res := l.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel() // refused: it does not spend the next token
		return false, d
	}
	return true, 0
}
