package app

import (
	"context"
	"net/url"
	"time"
)

// The API calls of accounts, sessions, invitations and bans (the server's
// api.go). Each blocks until the answer: call them from ctx.Async.

// user is who a session is: an account (Guest false) or a guest.
type user struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Admin bool   `json:"admin,omitempty"`
	Guest bool   `json:"guest,omitempty"`
}

type userAnswer struct {
	User user `json:"user"`
}

// fetchMe is GET /api/me: who this browser's session is; a 401 apiError
// without one.
func fetchMe(ctx context.Context) (user, error) {
	var a userAnswer
	err := apiCall(ctx, "GET", "/api/me", nil, &a)
	return a.User, err
}

// startGuest is POST /api/guest: a guest session with a name the server
// picks. A 403 means only members may chat here.
func startGuest(ctx context.Context) (user, error) {
	var a userAnswer
	err := apiCall(ctx, "POST", "/api/guest", struct{}{}, &a)
	return a.User, err
}

type credentials struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Invite   string `json:"invite,omitempty"`
}

func signUp(ctx context.Context, c credentials) (user, error) {
	var a userAnswer
	err := apiCall(ctx, "POST", "/api/signup", c, &a)
	return a.User, err
}

func signIn(ctx context.Context, c credentials) (user, error) {
	var a userAnswer
	err := apiCall(ctx, "POST", "/api/login", c, &a)
	return a.User, err
}

func signOut(ctx context.Context) error {
	return apiCall(ctx, "POST", "/api/logout", struct{}{}, nil)
}

func changePassword(ctx context.Context, old, password string) error {
	return apiCall(ctx, "POST", "/api/password", map[string]string{"old": old, "password": password}, nil)
}

// device is one signed-in session of an account.
type device struct {
	ID      string    `json:"id"`
	Agent   string    `json:"agent"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
	Current bool      `json:"current,omitempty"`
}

func fetchSessions(ctx context.Context) ([]device, error) {
	var a struct {
		Sessions []device `json:"sessions"`
	}
	err := apiCall(ctx, "GET", "/api/sessions", nil, &a)
	return a.Sessions, err
}

func revokeSession(ctx context.Context, id string) error {
	return apiCall(ctx, "DELETE", "/api/sessions/"+url.PathEscape(id), nil, nil)
}

// invite is a new invitation: its code and the page to open with it.
type invite struct {
	Code string `json:"code"`
	URL  string `json:"url"`
}

// makeInvite is POST /api/invites: to the server (an admin) with room
// empty, else to that room (its owner or an admin).
func makeInvite(ctx context.Context, room string) (invite, error) {
	body := map[string]string{}
	if room != "" {
		body["room"] = room
	}
	var inv invite
	err := apiCall(ctx, "POST", "/api/invites", body, &inv)
	return inv, err
}

// inviteInfo is what GET /api/invites/{code} says of an invitation.
type inviteInfo struct {
	Setup bool      `json:"setup"`
	Room  *roomInfo `json:"room,omitempty"`
}

func fetchInvite(ctx context.Context, code string) (inviteInfo, error) {
	var info inviteInfo
	err := apiCall(ctx, "GET", "/api/invites/"+url.PathEscape(code), nil, &info)
	return info, err
}

// acceptInvite is POST /api/invites/{code}/accept: the signed-in account
// joins the invitation's room.
func acceptInvite(ctx context.Context, code string) (roomInfo, error) {
	var a struct {
		Room roomInfo `json:"room"`
	}
	err := apiCall(ctx, "POST", "/api/invites/"+url.PathEscape(code)+"/accept", struct{}{}, &a)
	return a.Room, err
}

// ban is one banned account, the admin who banned it and when.
type ban struct {
	User user      `json:"user"`
	By   user      `json:"by"`
	At   time.Time `json:"at"`
}

func fetchBans(ctx context.Context) ([]ban, error) {
	var a struct {
		Bans []ban `json:"bans"`
	}
	err := apiCall(ctx, "GET", "/api/bans", nil, &a)
	return a.Bans, err
}

// banName is POST /api/bans by name.
func banName(ctx context.Context, name string) error {
	return apiCall(ctx, "POST", "/api/bans", map[string]string{"name": name}, nil)
}

// unban is DELETE /api/bans/{user}: the account may sign in again.
func unban(ctx context.Context, userID string) error {
	return apiCall(ctx, "DELETE", "/api/bans/"+url.PathEscape(userID), nil, nil)
}
