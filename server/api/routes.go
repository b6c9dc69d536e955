// Package api is the server's REST transport: each route decodes its
// request, calls one action of server/actions, and encodes the answer or
// the action's refusal. Who may call what is the actions' to decide; this
// package only reads the credentials a route takes (Auth) and refuses a
// call that changes something from another site.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"chat/server/actions"
	"chat/server/httpx"
	"chat/server/metrics"
	"chat/server/tokens"
)

// Auth is which credentials a route reads to find its actor.
type Auth uint8

const (
	// Cookie: the session cookie; without one (or with an ended one) the
	// actor is anonymous, and the action decides.
	Cookie Auth = iota
	// BotToken: Authorization: Bearer <a bot's token>, and nothing else.
	// A browser does not send a bearer token by itself, and a page
	// elsewhere cannot add one without a CORS preflight, which is never
	// granted: a cookie never posts as a bot.
	BotToken
	// CookieOrToken: a connection token (?token= for an <img>, or a
	// bearer token) when the request has one, else the session cookie.
	CookieOrToken
)

// Route is one endpoint: the action it calls (a method of
// actions.Actions, by name), the credentials it reads, and whether it is
// refused from another site (every route that changes something is).
type Route struct {
	Method, Pattern string
	Action          string
	Auth            Auth
	SameSite        bool
	serve           func(h *Handler, w http.ResponseWriter, r *http.Request, who actions.Actor)
}

// Handler serves the API. It holds what its routes use.
type Handler struct {
	actions *actions.Actions
	metrics *metrics.Metrics
	opts    Options
	log     *slog.Logger
}

// Options are the API's settings; zero fields take the defaults.
type Options struct {
	// OperatorApart says /metrics and /stats.json are served elsewhere
	// (-metrics-addr), not here.
	OperatorApart bool
	// UploadIdle is the longest an upload's body may go without a byte,
	// and the grace before it must keep up its minimum rate; 10 s.
	UploadIdle time.Duration
}

// New makes the API over a, with m's figures at /metrics and /stats.json.
func New(a *actions.Actions, m *metrics.Metrics, opts Options, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	if opts.UploadIdle <= 0 {
		opts.UploadIdle = 10 * time.Second
	}
	return &Handler{actions: a, metrics: m, opts: opts, log: log}
}

// routes is every route of the API, the table the authorization matrix
// reads. Who may call each is in the action it names.
var routes = []Route{
	{"POST", "/api/signup", "SignUp", Cookie, true, (*Handler).signUp},
	{"POST", "/api/login", "SignIn", Cookie, true, (*Handler).signIn},
	{"POST", "/api/logout", "SignOut", Cookie, true, (*Handler).signOut},
	{"GET", "/api/me", "Me", Cookie, false, (*Handler).me},
	{"POST", "/api/guest", "Guest", Cookie, true, (*Handler).guest},
	{"POST", "/api/password", "ChangePassword", Cookie, true, (*Handler).changePassword},
	{"GET", "/api/sessions", "Sessions", Cookie, false, (*Handler).sessions},
	{"DELETE", "/api/sessions/{id}", "RevokeSession", Cookie, true, (*Handler).revokeSession},
	{"POST", "/api/bans", "Ban", Cookie, true, (*Handler).ban},
	{"GET", "/api/bans", "Bans", Cookie, false, (*Handler).bans},
	{"DELETE", "/api/bans/{user}", "Unban", Cookie, true, (*Handler).unban},

	{"GET", "/api/rooms", "MyRooms", Cookie, false, (*Handler).myRooms},
	{"GET", "/api/rooms/public", "PublicRooms", Cookie, false, (*Handler).publicRooms},
	{"POST", "/api/rooms", "CreateRoom", Cookie, true, (*Handler).createRoom},
	{"GET", "/api/rooms/{id}", "Room", Cookie, false, (*Handler).room},
	{"POST", "/api/rooms/{id}/members", "AddMember", Cookie, true, (*Handler).addMember},
	{"DELETE", "/api/rooms/{id}/members/{user}", "RemoveMember", Cookie, true, (*Handler).removeMember},
	{"POST", "/api/rooms/{id}/topic", "SetTopic", Cookie, true, (*Handler).setTopic},
	{"POST", "/api/invites", "Invite", Cookie, true, (*Handler).invite},
	{"GET", "/api/invites/{code}", "PeekInvite", Cookie, false, (*Handler).peekInvite},
	{"POST", "/api/invites/{code}/accept", "AcceptInvite", Cookie, true, (*Handler).acceptInvite},
	{"GET", "/api/search", "Search", Cookie, false, (*Handler).search},

	{"POST", "/api/rooms/{id}/files", "Upload", Cookie, true, (*Handler).upload},
	{"GET", "/files/{id}", "ReadFile", CookieOrToken, false, (*Handler).readFile},
	{"GET", "/files/{id}/thumb", "ReadFile", CookieOrToken, false, (*Handler).readFile},

	{"POST", "/api/bots", "CreateBot", Cookie, true, (*Handler).createBot},
	{"GET", "/api/bots", "Bots", Cookie, false, (*Handler).bots},
	{"DELETE", "/api/bots/{id}", "RevokeBot", Cookie, true, (*Handler).revokeBot},
	{"POST", "/api/bots/{id}/token", "RotateBotToken", Cookie, true, (*Handler).rotateBotToken},
	{"POST", "/api/rooms/{id}/messages", "Send", BotToken, false, (*Handler).botPost},

	{"GET", "/api/push/key", "PushKey", Cookie, false, (*Handler).pushKey},
	{"POST", "/api/push/subscriptions", "Subscribe", Cookie, true, (*Handler).subscribe},
	{"DELETE", "/api/push/subscriptions", "Unsubscribe", Cookie, true, (*Handler).unsubscribe},
	{"GET", "/api/rooms/{id}/notify", "NotifyChoice", Cookie, false, (*Handler).notifyChoice},
	{"PUT", "/api/rooms/{id}/notify", "SetNotifyChoice", Cookie, true, (*Handler).setNotifyChoice},

	{"GET", "/benchmark", "Benchmark", Cookie, false, (*Handler).benchmark},
	{"POST", "/benchmark", "Benchmark", Cookie, false, (*Handler).benchmark},
	{"GET", "/metrics", "Operator", Cookie, false, (*Handler).serveMetrics},
	{"GET", "/stats.json", "Operator", Cookie, false, (*Handler).serveStats},
}

// Routes are the API's routes as this handler serves them: without the
// operator's when they are served elsewhere, and without /benchmark when
// it is off.
func (h *Handler) Routes() []Route {
	var out []Route
	for _, rt := range routes {
		switch {
		case h.opts.OperatorApart && rt.Action == "Operator":
		case h.actions.Config().Benchmark == actions.BenchmarkOff && rt.Action == "Benchmark":
		default:
			out = append(out, rt)
		}
	}
	return out
}

// Handler serves one route: the cross-site check, the actor, the call.
func (h *Handler) Handler(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.SameSite && !sameSite(r) {
			refuse(w, http.StatusForbidden, "cross_site", "cross-site request refused")
			return
		}
		who, err := h.actor(r, rt.Auth)
		if err != nil {
			fail(w, err)
			return
		}
		rt.serve(h, w, r, who)
	})
}

// actor is who the request's credentials name, as the actions decide.
func (h *Handler) actor(r *http.Request, auth Auth) (actions.Actor, error) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	switch auth {
	case BotToken:
		return h.actions.FromBotToken(ctx, bearer(r))
	case CookieOrToken:
		if raw := tokens.FromRequest(r); raw != "" {
			return h.actions.FromConnectionToken(ctx, raw)
		}
	}
	return h.actions.FromSession(ctx, httpx.SessionCookie(r))
}
