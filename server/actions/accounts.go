package actions

import (
	"context"
	"errors"
	"time"

	"chat/server/auth"
	"chat/server/rooms"
)

// Accounts and sessions. Who may:
//
//	sign up          anyone (-access members: with an invitation); per address
//	sign in          anyone, throttled by address, then backing off per name
//	sign out, me     a session's holder
//	guest            anyone while the server is open: a guest session
//	password         an account's holder, throttled per account; the
//	                 account's other sessions end
//	sessions         an account's holder: their own, and ending one of them

// User is what the API says of a person.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Admin bool   `json:"admin,omitempty"`
	Guest bool   `json:"guest,omitempty"`
}

// Credentials are a sign-up's or sign-in's: Addr is the client address's
// key (what per-address limits count), Agent the browser as it said.
type Credentials struct {
	Name, Password string
	Invite         string // a sign-up's invitation code, if any
	Addr, Agent    string
}

// SignedIn is a new session: the cookie's value, and who it is.
type SignedIn struct {
	User   User
	Cookie string
	Room   string // the room a room's invitation let a new account into
}

// SignUp makes an account, and a session for it.
func (a *Actions) SignUp(ctx context.Context, c Credentials) (SignedIn, error) {
	if c.Invite != "" {
		if err := codeParam(c.Invite); err != nil {
			return SignedIn{}, refusal(auth.ErrBadInvite)
		}
	}
	acc, err := a.Auth.SignUp(ctx, c.Name, c.Password, c.Invite, a.cfg.Access == AccessMembers, c.Addr)
	if err != nil {
		return SignedIn{}, refusal(err)
	}
	if acc.InvitedTo != "" {
		// A room's invitation: the new account is in the room at once
		// (unless the room went meanwhile: the account stays).
		if err := a.Rooms.Admit(ctx, acc.InvitedTo, rooms.Membership{User: acc.ID, Name: acc.Name}, acc.InvitedBy); err != nil {
			a.log.Warn("invited sign-up not let into the room", "room", acc.InvitedTo, "err", err)
		}
	}
	s, err := a.newSession(ctx, acc, c.Agent)
	if err != nil {
		return SignedIn{}, err
	}
	s.Room = acc.InvitedTo
	return s, nil
}

// SignIn checks a name and a password, and opens a session.
func (a *Actions) SignIn(ctx context.Context, c Credentials) (SignedIn, error) {
	acc, err := a.Auth.SignIn(ctx, c.Name, c.Password, c.Addr)
	if err != nil {
		return SignedIn{}, refusal(err)
	}
	return a.newSession(ctx, acc, c.Agent)
}

func (a *Actions) newSession(ctx context.Context, acc auth.Account, agent string) (SignedIn, error) {
	cookie, _, err := a.Auth.NewSession(ctx, acc, agent)
	if err != nil {
		return SignedIn{}, unavailable(err, "the session could not be made")
	}
	return SignedIn{User: User{ID: acc.ID, Name: acc.Name, Admin: acc.Admin}, Cookie: cookie}, nil
}

// SignOut ends the actor's session.
func (a *Actions) SignOut(ctx context.Context, who Actor) error {
	if err := needSession(who); err != nil {
		return err
	}
	if err := a.Auth.Revoke(ctx, who.Session); err != nil {
		return unavailable(err, "not signed out")
	}
	return nil
}

// Me is the session's person.
func (a *Actions) Me(ctx context.Context, who Actor) (User, error) {
	if err := needSession(who); err != nil {
		return User{}, err
	}
	return userOf(who), nil
}

func userOf(who Actor) User {
	return User{ID: who.User, Name: who.Name, Admin: who.Admin, Guest: who.Kind == Guest}
}

// Guest gives a visitor without a session a guest one, under a name the
// server picks, kept across reloads by the cookie; one with a session
// gets theirs back (Cookie empty). Only while the server is open.
func (a *Actions) Guest(ctx context.Context, who Actor, addr, agent string) (SignedIn, error) {
	if who.Kind == Member || who.Kind == Guest {
		return SignedIn{User: userOf(who)}, nil
	}
	if a.cfg.Access == AccessMembers {
		return SignedIn{}, fail(Forbidden, CodeSignIn, "only members may chat here: sign in")
	}
	cookie, sess, err := a.Auth.NewGuest(ctx, agent, addr)
	if err != nil {
		return SignedIn{}, refusal(err)
	}
	return SignedIn{User: User{ID: sess.User, Name: sess.Name, Guest: true}, Cookie: cookie}, nil
}

// ChangePassword sets a new password once the old one is checked; every
// other session of the account ends (a stolen cookie does not outlive the
// owner's change).
func (a *Actions) ChangePassword(ctx context.Context, who Actor, old, password string) error {
	if err := needAccount(who, "have passwords"); err != nil {
		return err
	}
	current := auth.Session{Key: who.Session, User: who.User, Name: who.Name}
	err := a.Auth.ChangePassword(ctx, current, old, password)
	if errors.Is(err, auth.ErrBadCredentials) {
		return fail(Forbidden, CodeSignIn, "the current password is not right")
	}
	return refusal(err)
}

// SessionInfo is one of a person's sessions (a device), as they see it.
type SessionInfo struct {
	ID      string    `json:"id"`
	Agent   string    `json:"agent"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
	Current bool      `json:"current,omitempty"`
}

// Sessions lists the actor's sessions.
func (a *Actions) Sessions(ctx context.Context, who Actor) ([]SessionInfo, error) {
	if err := needAccount(who, "list devices"); err != nil {
		return nil, err
	}
	list, err := a.Auth.Sessions(ctx, who.User)
	if err != nil {
		return nil, unavailable(err, "the sessions could not be read")
	}
	out := make([]SessionInfo, 0, len(list))
	for _, l := range list {
		out = append(out, SessionInfo{ID: l.ID(), Agent: l.Agent, Created: l.Created, Seen: l.Seen, Current: l.Key == who.Session})
	}
	return out, nil
}

// RevokeSession ends one of the actor's sessions, by its id; another
// person's, or none, is not found.
func (a *Actions) RevokeSession(ctx context.Context, who Actor, id string) error {
	if err := needAccount(who, "list devices"); err != nil {
		return err
	}
	if err := codeParam(id); err != nil {
		return fail(NotFound, CodeNotFound, "no such session")
	}
	list, err := a.Auth.Sessions(ctx, who.User)
	if err != nil {
		return unavailable(err, "the sessions could not be read")
	}
	for _, l := range list {
		if l.ID() == id {
			if err := a.Auth.Revoke(ctx, l.Key); err != nil {
				return unavailable(err, "the session was not ended")
			}
			return nil
		}
	}
	return fail(NotFound, CodeNotFound, "no such session")
}
