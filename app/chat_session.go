package app

import (
	"context"
	"net/url"
	"time"

	"github.com/coder/websocket"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// closeSessionEnded is the server's close code for a session that ended
// (hub.DisconnectSessionEnded): signed out elsewhere, revoked, or banned.
// The browser may not pass it on (coder/websocket#505); the going_away
// error before it says the same (isSessionEnded).
const closeSessionEnded websocket.StatusCode = 4003

// sessionRetry is how long the page waits before asking for a session
// again after the server failed to give one (not a refusal: an error).
const sessionRetry = 3 * time.Second

// ensureSession returns the browser's session: the one its cookie holds,
// or else a new guest one. In members mode the guest is refused (403): the
// caller sends the person to sign in.
func ensureSession(ctx context.Context) (user, error) {
	me, err := fetchMe(ctx)
	if errorStatus(err) == 401 {
		me, err = startGuest(ctx)
	}
	return me, err
}

// startSession asks for the session off the UI goroutine; sessionReady
// takes the answer. cached is who the browser last knew: what the page
// shows until the answer, and uses when there is no answer (offline).
func (p *chatPage) startSession(ctx app.Context, cached user) {
	loop := p.loop
	ctx.Async(func() {
		me, err := ensureSession(loop)
		if loop.Err() != nil {
			return
		}
		ctx.Dispatch(func(ctx app.Context) { p.sessionReady(ctx, cached, me, err) })
	})
}

// sessionReady starts the chat as the session's person. Someone other than
// the one cached means another person signed in on this browser: what was
// kept for the last one goes.
func (p *chatPage) sessionReady(ctx app.Context, cached, me user, err error) {
	switch status := errorStatus(err); {
	case err == nil:
	case status == 403 || status == 401:
		// Members only, and no account signed in.
		p.toLogin(ctx, "")
		return
	case status == 0 && cached.ID != "":
		// No answer (offline, or the server is down): chat as the person
		// last known; the socket retries until the server is back.
		p.connect(ctx)
		p.flush(ctx)
		return
	default:
		p.st.lastError = "Could not start a session: " + err.Error()
		ctx.After(sessionRetry, func(ctx app.Context) { p.startSession(ctx, cached) })
		return
	}
	storage := ctx.LocalStorage()
	switch {
	case cached.ID == "":
		// A first visit (or one from before sessions): what the page holds
		// is what was typed since it loaded, which is this person's; what
		// storage holds is nobody's known.
		forgetChat(storage)
		p.st.listDirty, p.st.outboxDirty = true, true
		for name := range p.st.rooms {
			p.st.dirtyRooms[name] = true
		}
	case me.ID != cached.ID:
		// Someone else signed in on this browser: nothing of the last
		// person's stays, on screen or in storage.
		forgetChat(storage)
		st := newChatState("")
		st.identity = p.st.identity
		st.network(!p.st.networkDown)
		p.st = st
	}
	saveMe(storage, me)
	p.setMe(me)
	if p.openRoom != "" {
		p.st.join(p.openRoom)
		p.st.seekMessage(p.openRoom, p.openSeq)
		p.openRoom, p.openSeq = "", 0
		// The room is on screen: the address need not say it again.
		ctx.Page().ReplaceURL(&url.URL{Path: "/"})
	}
	p.connect(ctx)
	p.flush(ctx)
}

// setMe takes who the session is into the page and the chat state.
func (p *chatPage) setMe(me user) {
	p.me = me
	p.st.name, p.st.user, p.st.guest, p.st.admin = me.Name, me.ID, me.Guest, me.Admin
	if p.st.name == "" || wire.ValidName(p.st.name) != nil {
		p.st.name = wire.GuestName() // only said in hello; the session's name wins
	}
}

// welcomed checks the connection's person against the page's: a welcome
// without a user is a connection the server took for one without a
// session (the cookie went), and one with another user is someone else
// signed in from another tab.
func (p *chatPage) welcomed(ctx app.Context, ev wire.Event) {
	switch {
	case p.st.noSession:
		p.st.noSession = false
		p.renewSession(ctx)
	case p.me.ID != "" && ev.User != p.me.ID:
		// Start over as them: a reload is the one path that resets all.
		app.Window().Get("location").Call("reload")
	default:
		p.me.Name, p.me.Guest = p.st.name, p.st.guest
		// Rooms may have come or gone while this page was away.
		p.refreshRooms(ctx)
	}
}

// renewSession gets a session again and reconnects with its cookie.
func (p *chatPage) renewSession(ctx app.Context) {
	loop := p.loop
	ctx.Async(func() {
		me, err := ensureSession(loop)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.sessionReady(ctx, p.me, me, err)
				return
			}
			if me.ID != p.me.ID {
				app.Window().Get("location").Call("reload")
				return
			}
			if p.sess != nil {
				p.sess.close("new session")
			}
		})
	})
}

// checkSession asks whether the session still stands after a failed dial:
// a server that lets only members in refuses the upgrade (401) once it has
// ended, and the browser does not say why a dial failed.
func (p *chatPage) checkSession(ctx app.Context) {
	if p.me.ID == "" {
		return
	}
	loop := p.loop
	ctx.Async(func() {
		_, err := fetchMe(loop)
		if errorStatus(err) != 401 {
			return // there, or no answer: the socket keeps trying
		}
		ctx.Dispatch(func(ctx app.Context) {
			if p.me.Guest {
				p.renewSession(ctx)
				return
			}
			p.endSession(ctx)
		})
	})
}

// endSession stops the chat for a session the server ended, forgets what
// the browser kept of it, and sends the person to sign in again.
func (p *chatPage) endSession(ctx app.Context) {
	p.stopSocket()
	forgetChat(ctx.LocalStorage())
	p.st.lastError = "Your session ended."
	p.toLogin(ctx, "ended")
}

// stopSocket ends the connection and its retries for good.
func (p *chatPage) stopSocket() {
	if p.stop != nil {
		p.stop()
	}
	p.sock, p.sess = nil, nil
}

// toLogin goes to the sign-in page, saying why when reason is set.
func (p *chatPage) toLogin(ctx app.Context, reason string) {
	u := &url.URL{Path: "/login"}
	if reason != "" {
		u.RawQuery = url.Values{"reason": {reason}}.Encode()
	}
	ctx.NavigateTo(u)
}

// onSignOut ends the session here: the socket first, so that its end is
// not taken for one from elsewhere, then the server's session and what
// the browser kept.
func (p *chatPage) onSignOut(ctx app.Context, e app.Event) {
	p.stopSocket()
	forgetChat(ctx.LocalStorage())
	// This device's pushes are the person's: they stop with the session.
	endpoint := p.notify.endpoint
	p.notify.on, p.notify.endpoint = false, ""
	p.saveNotify(ctx)
	ctx.Async(func() {
		if endpoint != "" {
			_ = unsubscribePush(context.Background(), endpoint)
		}
		err := signOut(context.Background())
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil && errorStatus(err) != 401 {
				p.st.lastError = "Signing out failed: " + err.Error()
			}
			ctx.Navigate("/login")
		})
	})
}

// onEscape closes what is open on top, one layer at a time.
func (p *chatPage) onEscape(ctx app.Context) {
	switch {
	case p.dialog.kind != "":
		p.closeDialog(ctx)
	case p.search.open:
		p.closeSearch(ctx)
	case p.notify.open:
		p.closeNotify(ctx)
	case p.escapeMessage():
	case p.panel.open:
		p.closePanel(ctx)
	default:
		p.closeMenu(ctx, true)
	}
}
