package actions

import (
	"context"
	"errors"
	"slices"
	"time"

	"chat/server/auth"
	"chat/server/rooms"
	"chat/wire"
)

// Kind is what an actor is.
type Kind uint8

const (
	// Anonymous has no session: a request without one, or a plain
	// WebSocket client (it may name itself with hello, with -access open).
	Anonymous Kind = iota
	// Guest has a guest session: a name the server gave, no account.
	Guest
	// Member has an account's session.
	Member
	// Bot posts with a bot's token.
	Bot
	// TokenHolder came with a connection token a site signed
	// (-jwt-key): an identity of the site's, perhaps bound to some rooms.
	TokenHolder
)

var kindNames = [...]string{"anonymous", "guest", "member", "bot", "token holder"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Actor is who acts, as the actions decided from what the request carried
// (FromSession, FromBotToken, FromConnectionToken): never what a client
// says of itself.
type Actor struct {
	Kind Kind
	// User is the stable id (an account's, a guest's, a bot's or a
	// token's); "" when Anonymous.
	User string
	Name string
	// Admin is the account's, as the account reads now.
	Admin bool
	// Session is the sign-in session's key: what signing out ends, and
	// the one a password change keeps.
	Session string
	// Rooms are the only rooms a connection token lets its holder into;
	// nil: no such bound.
	Rooms []string
	// Expires is when a connection token stops working.
	Expires time.Time
	// Browser is an anonymous socket's browser id (hello): it scopes the
	// dedupe of its messages and counts its tabs once in presence.
	Browser string
}

// Account reports whether the actor counts as signed in: an account, or
// a connection token's holder (the site vouches for them).
func (a Actor) Account() bool { return a.Kind == Member || a.Kind == TokenHolder }

// Identified reports whether the actor has a stable id to be counted by
// (reactions, read marks, its own messages).
func (a Actor) Identified() bool { return a.User != "" }

// who is the actor as rooms.Can asks.
func (a Actor) who() rooms.Who {
	return rooms.Who{User: a.User, Account: a.Kind == Member || a.Kind == Bot || a.Kind == TokenHolder, Admin: a.Admin && a.Kind == Member}
}

// sender is whom the dedupe of the actor's messages is scoped to: the
// user; else the browser's id when hello gave one (a resend from another
// connection of that browser is recognised); else the name.
func (a Actor) sender() string {
	switch {
	case a.Kind == Bot:
		return "bot:" + a.User
	case a.User != "":
		return "user:" + a.User
	case a.Browser != "":
		return "browser:" + a.Browser
	}
	return "name:" + a.Name
}

// stamp puts the actor's identity on an event it stores: who, never what
// a client said of itself.
func (a Actor) stamp(ev *wire.Event) {
	ev.From, ev.User = a.Name, a.User
	ev.Guest = a.Kind == Guest || a.Kind == Anonymous
	ev.Bot = a.Kind == Bot
}

// AnonymousActor is a plain WebSocket client before hello.
func AnonymousActor() Actor { return Actor{Kind: Anonymous, Name: wire.GuestName()} }

// FromSession is the actor a session cookie names: Anonymous when it
// names none (no cookie, an ended session, a banned account, a guest's
// session while only members may chat). The error is only for a store
// that could not be read. A session in use is kept alive (auth.Touch).
func (a *Actions) FromSession(ctx context.Context, cookie string) (Actor, error) {
	if cookie == "" {
		return Actor{Kind: Anonymous}, nil
	}
	sess, err := a.Auth.Session(ctx, cookie)
	if errors.Is(err, auth.ErrNoSession) || errors.Is(err, auth.ErrBanned) {
		return Actor{Kind: Anonymous}, nil
	}
	if err != nil {
		return Actor{}, unavailable(err, "the session could not be read")
	}
	if sess.Guest && a.cfg.Access == AccessMembers {
		// Made while the server was open: only members may chat now.
		return Actor{Kind: Anonymous}, nil
	}
	a.Auth.Touch(ctx, sess)
	act := Actor{Kind: Member, User: sess.User, Name: sess.Name, Admin: sess.Admin, Session: sess.Key}
	if sess.Guest {
		act.Kind, act.Admin = Guest, false
	}
	return act, nil
}

// FromBotToken is the bot whose token this is (the Authorization header's
// bearer token), or Unauthenticated. Each call reads the bot's record, so
// a revoked or rotated token fails at once on every node.
func (a *Actions) FromBotToken(ctx context.Context, token string) (Actor, error) {
	if token == "" {
		return Actor{}, fail(Unauthenticated, CodeSignIn, "a bot posts with its token: Authorization: Bearer <token>")
	}
	b, err := a.Auth.BotByToken(ctx, token)
	if errors.Is(err, auth.ErrBadToken) {
		return Actor{}, fail(Unauthenticated, CodeSignIn, "%s", err.Error())
	}
	if err != nil {
		return Actor{}, unavailable(err, "the bot could not be read")
	}
	return Actor{Kind: Bot, User: b.ID, Name: b.Name}, nil
}

// FromConnectionToken is the holder of a connection token a site signed
// (see server/tokens); a token whose name an account here holds is
// refused: names are owned.
func (a *Actions) FromConnectionToken(ctx context.Context, raw string) (Actor, error) {
	if a.Tokens == nil {
		return Actor{}, fail(Unauthenticated, CodeSignIn, "connection token refused: this server takes none (it was started without -jwt-key or -jwt-secret)")
	}
	id, err := a.Tokens.Verify(raw)
	if err != nil {
		return Actor{}, fail(Unauthenticated, CodeSignIn, "connection token refused: %v", err)
	}
	taken, err := a.Auth.NameTaken(ctx, id.Name)
	if err != nil {
		return Actor{}, unavailable(err, "connection token not checked")
	}
	if taken {
		return Actor{}, fail(Unauthenticated, CodeSignIn, "connection token refused: the name %q belongs to an account here", id.Name)
	}
	act := Actor{Kind: TokenHolder, User: id.User, Name: id.Name, Expires: id.Expires}
	if id.Rooms != nil {
		act.Rooms = slices.Clone(id.Rooms)
	}
	return act, nil
}

// Connect decides whether the actor may open a WebSocket: with -access
// members, only an account's holder or a token's.
func (a *Actions) Connect(ctx context.Context, who Actor) error {
	if a.cfg.Access == AccessMembers && !who.Account() {
		return fail(Unauthenticated, CodeSignIn, "sign in first: only members may chat here")
	}
	return nil
}

// Hello names an anonymous connection (a signed-in one keeps its
// session's name, whatever it asks): a valid name no account holds, and
// optionally the browser's id. It answers the name the connection has now.
func (a *Actions) Hello(ctx context.Context, who *Actor, c *Conn, name, browser string) (string, error) {
	if who.Kind != Anonymous {
		return who.Name, nil
	}
	if err := wire.ValidName(name); err != nil {
		return "", refusal(err)
	}
	if browser != "" {
		if err := wire.ValidID(browser); err != nil {
			return "", refusal(err)
		}
	}
	taken, err := a.Auth.NameTaken(ctx, name)
	if err != nil {
		return "", unavailable(err, "the name could not be checked; say hello again")
	}
	if taken {
		return "", invalid(wire.CodeBadName, "%q belongs to an account: sign in to use it, or choose another", name)
	}
	who.Name, who.Browser = name, browser
	a.Hub.Identify(c.Client, name, browser)
	return name, nil
}
