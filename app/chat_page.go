package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// chatPage is the whole UI: the room list and who is in the room (a
// sidebar, a drawer on a phone), the room's messages, the connection's
// state, the composer, and the install and update offers.
//
// Its fields change only on go-app's UI goroutine: in event handlers, which
// go-app runs there, and in ctx.Dispatch from the socket's goroutine. After
// each change that may have queued something to send or to keep, flush runs.
type chatPage struct {
	app.Compo

	st              *chatState
	sock            *socket
	sess            *session        // nil while disconnected
	loop            context.Context // ends with the page: the socket's and the API calls'
	stop            context.CancelFunc
	release         []func() // JS listeners to remove on dismount
	menuOpen        bool     // the room drawer, on a narrow screen
	markedConnected bool     // performance mark set for the first-load benchmark
	title           string
	wakeAt          time.Time // when a flush is due for what the pace held back; zero: none

	me       user   // who the session is, once GET /api/me (or the cache) said
	openRoom string // ?room=: the room to put on screen once the session is known

	panel       roomPanel    // the room's settings and members
	dialog      roomDialog   // "New private room", "New direct message", the public rooms
	publicRooms []publicRoom // GET /api/rooms/public, while the dialog lists them

	msg    msgUI    // editing, the emoji picker, typing and read pacing
	search searchUI // the search panel

	mentioned mentionedNames // the people present whom the room's messages mention

	attach  attachUI // files put in the composer, uploading or uploaded
	notify  notifyUI // notifications on this device and the room's choice
	openSeq uint64   // ?seq=: the message of openRoom to show (a notification's)

	pwa pwaState

	// home is the page's own context (OnMount's), for work that outlives
	// the control that started it: go-app drops a Dispatch whose source
	// element has left the page.
	home app.Context
}

func (p *chatPage) OnInit() {
	p.st = newChatState("")
}

// OnMount shows what the browser kept for the person last signed in here,
// then makes sure of the session (startSession), which starts the
// connection. go-app runs OnMount in the browser only, but the check
// stays: dialling from the server's prerender would be a bug that is hard
// to see.
func (p *chatPage) OnMount(ctx app.Context) {
	if !app.IsClient {
		return
	}
	p.home = ctx
	storage := ctx.LocalStorage()
	p.st.identity = loadIdentity(storage)
	cached := loadMe(storage)
	if cached.ID != "" {
		p.setMe(cached)
		p.st.load(storage)
	}
	p.takeEarly(ctx)
	p.pwa.installable = ctx.IsAppInstallable()
	p.openRoom = ctx.Page().URL().Query().Get("room")
	p.openSeq, _ = strconv.ParseUint(ctx.Page().URL().Query().Get("seq"), 10, 64)
	p.loadNotify(ctx)
	ctx.Handle(actionRetry, p.onRetry)
	ctx.Handle(actionDiscard, p.onDiscard)
	ctx.Handle(actionOlder, p.onOlder)
	ctx.Handle(actionDelete, p.onDelete)
	p.handleMessageActions(ctx)

	// What the browser says of its network decides between "offline" and
	// "server unreachable"; back online, try now rather than at the end of
	// the backoff.
	p.st.network(app.Window().Get("navigator").Get("onLine").Bool())
	p.listen(app.Window(), "online", func(app.Value) {
		ctx.Dispatch(func(app.Context) { p.st.network(true) })
		if p.sock != nil {
			p.sock.retry()
		}
	})
	p.listen(app.Window(), "offline", func(app.Value) {
		ctx.Dispatch(func(app.Context) { p.st.network(false) })
	})
	// Escape closes the dialog, else the search, else the panel, else the
	// drawer; Ctrl+K and "/" open the search (search.go). A raw
	// listener, so that other keys (all the typing) do not re-render the
	// page.
	p.listen(app.Window(), "keydown", func(e app.Value) {
		switch {
		case e.Get("key").String() == "Escape":
			ctx.Dispatch(p.onEscape)
		case searchKey(e):
			e.Call("preventDefault")
			ctx.Dispatch(p.openSearch)
		}
	})
	p.listenComposer()
	p.listenAttachments(ctx)
	p.listenMessageKeys(ctx)
	// Someone may have added this person to a room meanwhile: the list is
	// asked again when the page comes back into view.
	p.listen(app.Window().Get("document"), "visibilitychange", func(app.Value) {
		if app.Window().Get("document").Get("visibilityState").String() == "visible" {
			ctx.Dispatch(p.refreshRooms)
		}
	})

	loop, stop := context.WithCancel(context.Background())
	p.loop, p.stop = loop, stop
	ctx.Async(func() { checkForUpdates(loop) })
	p.startSession(ctx, cached)
	p.flush(ctx)
}

// connect starts the socket, once the session is known: the cookie the
// session set is what the server knows the connection by.
func (p *chatPage) connect(ctx app.Context) {
	if p.sock != nil {
		return
	}
	href := app.Window().Get("location").Get("href").String()
	wsURL, err := socketURL(href)
	if err != nil {
		p.st.lastError = "Cannot work out the server's address: " + err.Error()
		return
	}
	sock := newSocket(wsURL)
	in := &inbox{schedule: func(take func() []wire.Event) {
		ctx.Dispatch(func(ctx app.Context) { p.received(ctx, take()) })
	}}
	sock.opened = func(sess *session) {
		in.seal()
		ctx.Dispatch(func(ctx app.Context) {
			p.sess = sess
			p.st.connected()
			p.flush(ctx)
		})
	}
	sock.received = in.add
	sock.closed = func(err error, retryIn time.Duration) {
		in.seal()
		ended := websocket.CloseStatus(err) == closeSessionEnded
		ctx.Dispatch(func(ctx app.Context) {
			dialFailed := p.sess == nil
			p.sess = nil
			p.st.disconnected()
			if ended || p.st.sessionEnded {
				p.endSession(ctx)
				return
			}
			if dialFailed && p.st.status != statusOffline {
				// A refused upgrade looks like any failed dial in the
				// browser: ask whether the session is still there.
				p.checkSession(ctx)
			}
			p.flush(ctx)
		})
	}
	p.sock = sock
	loop := p.loop
	ctx.Async(func() { sock.run(loop) })
}

// received applies a batch of the socket's events (the frames that came
// while the UI was busy, inbox.go) and renders once.
func (p *chatPage) received(ctx app.Context, events []wire.Event) {
	roomsChanged := false
	for _, ev := range events {
		p.st.apply(ev)
		switch ev.Type {
		case wire.TypeWelcome:
			p.welcomed(ctx, ev)
		case wire.TypeRooms:
			roomsChanged = true
		}
	}
	if roomsChanged {
		p.refreshRooms(ctx)
	}
	if p.st.serverUpdated {
		p.st.serverUpdated = false
		app.TryUpdate()
	}
	if p.st.sessionEnded {
		p.endSession(ctx)
		return
	}
	p.panelFollowPresence(ctx)
	p.afterEvents(ctx)
	p.notifyNews(ctx)
	p.flush(ctx)
}

func (p *chatPage) OnDismount() {
	if p.stop != nil {
		p.stop()
	}
	for _, release := range p.release {
		release()
	}
	p.release = nil
}

// listen adds a JS event listener that lives as long as the page.
func (p *chatPage) listen(target app.Value, event string, f func(e app.Value)) {
	fn := app.FuncOf(func(this app.Value, args []app.Value) any {
		if len(args) > 0 {
			f(args[0])
		}
		return nil
	})
	target.Call("addEventListener", event, fn)
	p.release = append(p.release, func() {
		target.Call("removeEventListener", event, fn)
		fn.Release()
	})
}

// flush sends what the state has to send, as far as the pace allows (and
// comes back for the rest), keeps what changed in localStorage and brings
// the window's title up to date.
func (p *chatPage) flush(ctx app.Context) {
	if wait, ok := p.st.takeReads(&p.msg.readSent); ok {
		p.flushIn(ctx, wait)
	}
	frames := p.st.takeFrames()
	if p.sess != nil {
		for _, frame := range frames {
			p.sess.send(frame)
		}
	}
	if wait, ok := p.st.nextTakeOut(); ok {
		p.flushIn(ctx, wait)
	}
	p.st.save(ctx.LocalStorage())

	title := "Chat"
	if n := p.st.unreadTotal(); n > 0 {
		title = "(" + strconv.Itoa(n) + ") Chat"
	}
	if title != p.title {
		p.title = title
		app.Window().Get("document").Set("title", title)
	}
	if !p.markedConnected && p.st.status == statusConnected {
		// The first-load benchmark (e2e) reads this mark: navigation to
		// connected, timed by the browser itself.
		p.markedConnected = true
		app.Window().Get("performance").Call("mark", "chat-connected")
	}
}

// paceFlushEvery is the shortest wait between flushes for what the pace
// held back: several messages go out at each, rather than one at a time,
// each with a render of the page.
const paceFlushEvery = 200 * time.Millisecond

// flushIn flushes again after wait (at least paceFlushEvery), unless a
// flush is due sooner already.
func (p *chatPage) flushIn(ctx app.Context, wait time.Duration) {
	at := time.Now().Add(max(wait, paceFlushEvery))
	if !p.wakeAt.IsZero() && !p.wakeAt.After(at) {
		return
	}
	p.wakeAt = at
	ctx.After(time.Until(at), func(ctx app.Context) {
		if !p.wakeAt.Equal(at) {
			return // replaced by a sooner one
		}
		p.wakeAt = time.Time{}
		p.flush(ctx)
	})
}

func (p *chatPage) onRetry(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	p.st.retry(id)
	p.flush(ctx)
}

func (p *chatPage) onDiscard(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	p.st.discard(id)
	p.flush(ctx)
}

func (p *chatPage) onDelete(ctx app.Context, a app.Action) {
	req, ok := a.Value.(deleteRequest)
	if !ok {
		return
	}
	p.st.sendDelete(req.Room, req.Seq)
	p.flush(ctx)
}

func (p *chatPage) onOlder(ctx app.Context, a app.Action) {
	if room, _ := a.Value.(string); room != p.st.current {
		return // asked for by a list that has moved on since
	}
	p.st.requestOlder()
	p.flush(ctx)
}

func (p *chatPage) Render() app.UI {
	class := "app"
	if p.menuOpen {
		class += " menu-open"
	}
	if p.panel.open {
		class += " panel-open"
	}
	// go-app matches children by position: a child that comes and goes
	// sits last or in a wrapper of its own, or everything after it would
	// be rebuilt (and lose the focus and the scroll position).
	// Behind an open dialog the page is inert: Tab stays in the dialog,
	// and assistive technology reads only it.
	sidebar, pane := p.renderSidebar(), app.Div().Class("pane")
	if p.dialog.kind != "" {
		sidebar, pane = sidebar.Attr("inert", "true"), pane.Attr("inert", "true")
	}
	return app.Div().ID("chat").Class(class).DataSet("version", app.Getenv("GOAPP_VERSION")).Body(
		sidebar,
		app.Div().Class("backdrop").Aria("hidden", "true").OnClick(p.onBackdrop),
		pane.Body(
			p.renderTopbar(),
			app.Div().Class("offline-slot").Body(p.renderOffline()),
			app.Main().Class("main").Body(
				p.messageListFor(),
			),
			p.renderComposer(),
		),
		app.Div().Class("panel-slot").Body(p.renderPanel()),
		app.Div().Class("search-slot").Body(p.renderSearch()),
		app.Div().Class("notify-slot").Body(p.renderNotifyPanel()),
		app.Div().Class("dialog-slot").Body(p.renderDialog()),
		p.renderUpdateBanner(),
	)
}

// messageListFor is the message list of the room on screen, as the page
// renders it. go-app compares each field with the last render's (by value,
// slices deeply) and renders the list again only when one differs: what
// changes with presence stays out of it, or a room of many people would
// re-render every row at each coming and going.
func (p *chatPage) messageListFor() *messageList {
	cur := p.st.cur()
	unread, unreadMore := p.st.unreadStart()
	return &messageList{
		Room:       cur.name,
		Heading:    p.st.roomHeading(cur.name),
		Items:      cur.items,
		Pending:    cur.pending,
		Rev:        cur.rev,
		Linked:     p.st.linked,
		Queued:     queuedNote(p.st.status),
		Loading:    cur.loadingOlder,
		NoOlder:    cur.noOlder,
		Me:         p.st.user,
		DeleteAny:  p.st.deletesAny(cur.name),
		CanReact:   p.st.user != "",
		Editing:    p.msg.seqIn(cur.name, p.msg.editRoom, p.msg.editSeq),
		Picking:    p.msg.seqIn(cur.name, p.msg.pickRoom, p.msg.pickSeq),
		Unread:     unread,
		UnreadMore: unreadMore,
		Seeking:    cur.seekingUnread,
		Names:      p.mentioned.of(cur),
		MeName:     p.st.name,
	}
}

// renderTopbar is the room's header: the drawer button on a phone, the
// room's name and head count, install, the connection and leave.
func (p *chatPage) renderTopbar() app.UI {
	cur := p.st.cur()
	unread := p.st.unreadTotal()
	kind := p.st.roomKind(cur.name)
	topic := p.st.info[cur.name].Topic
	return app.Header().Class("topbar").Body(
		app.Button().
			ID("menu-toggle").
			Type("button").
			Class("icon-button menu-toggle").
			Aria("label", menuLabel(unread)).
			Aria("expanded", strconv.FormatBool(p.menuOpen)).
			Aria("controls", "sidebar").
			OnClick(p.onMenuToggle).
			Body(
				menuIcon(),
				app.If(unread > 0, func() app.UI {
					return app.Span().Class("badge").Aria("hidden", "true").Text(badgeText(unread))
				}),
			),
		app.Div().Class("room").Body(
			app.H1().Class("room-name").Body(
				roomMark(kind),
				app.Text(p.st.roomTitle(cur.name)),
			),
			p.renderOnline(),
			app.If(topic != "", func() app.UI {
				return app.P().ID("room-topic").Class("room-topic").Title(topic).Text(topic)
			}),
		),
		p.renderSearchButton(),
		p.renderNotifyButton(),
		p.renderInstall(),
		p.renderStatus(),
		// Each button in a slot of its own: go-app keeps a node's first
		// handler, so one button taking the other's place would keep
		// doing what the other did.
		app.Div().Class("topbar-slot").Body(
			app.If(kind == kindPublic && cur.name != wire.DefaultRoom, func() app.UI {
				return app.Button().
					ID("leave").
					Type("button").
					Class("icon-button leave").
					Title("Leave #"+cur.name).
					Aria("label", "Leave #"+cur.name).
					DataSet("room", cur.name).
					OnClick(p.onLeave).
					Body(leaveIcon())
			}),
		),
		app.Div().Class("topbar-slot").Body(
			app.If(kind != kindPublic, func() app.UI {
				return app.Button().
					ID("room-settings").
					Type("button").
					Class("icon-button").
					Title("Room settings and members").
					Aria("label", "Room settings and members").
					Aria("expanded", strconv.FormatBool(p.panel.open)).
					Aria("controls", "room-panel").
					OnClick(p.onPanelToggle).
					Body(settingsIcon())
			}),
		),
	)
}

func menuLabel(unread int) string {
	if unread == 0 {
		return "Rooms"
	}
	return "Rooms, " + strconv.Itoa(unread) + " unread"
}

// badgeText keeps a badge short.
func badgeText(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}

func (p *chatPage) onLeave(ctx app.Context, e app.Event) {
	// The room comes from the button, not from p.st.current: go-app keeps
	// a node's first handler, and reading the DOM is always right.
	room := ctx.JSSrc().Get("dataset").Get("room").String()
	p.st.leave(room)
	p.flush(ctx)
	ctx.Defer(func(app.Context) { focusByID("composer-text") })
}

func (p *chatPage) onMenuToggle(ctx app.Context, e app.Event) {
	if p.menuOpen {
		p.closeMenu(ctx, true)
		return
	}
	p.menuOpen = true
	ctx.Defer(func(app.Context) {
		// Into the drawer, on the room on screen, for keyboard users.
		if el := app.Window().Get("document").Call("querySelector", "#rooms .room-link[aria-current]"); el.Truthy() {
			el.Call("focus")
		}
	})
}

func (p *chatPage) onBackdrop(ctx app.Context, e app.Event) {
	p.closeMenu(ctx, false)
}

// closeMenu closes the drawer; refocus puts the keyboard back on the button
// that opened it.
func (p *chatPage) closeMenu(ctx app.Context, refocus bool) {
	if !p.menuOpen {
		ctx.PreventUpdate()
		return
	}
	p.menuOpen = false
	if refocus {
		ctx.Defer(func(app.Context) { focusByID("menu-toggle") })
	}
}

// focusAfterRender focuses what the selector (an id, or a CSS selector
// starting with #) names once the render under way has put it in the
// page and made it focusable (no longer inert behind a dialog). It is for
// handlers whose own element that render removes: go-app skips a
// ctx.Defer whose element is gone. It tries again a few times, a frame
// apart, and gives up quietly.
func focusAfterRender(selector string) {
	if !strings.ContainsAny(selector, " #[.") {
		selector = "#" + selector
	}
	tries := 0
	var fn app.Func
	fn = app.FuncOf(func(app.Value, []app.Value) any {
		doc := app.Window().Get("document")
		el := doc.Call("querySelector", selector)
		if el.Truthy() {
			el.Call("focus")
		}
		tries++
		switch {
		case el.Truthy() && doc.Get("activeElement").Equal(el):
			fn.Release()
		case tries >= 10:
			fn.Release()
		default:
			app.Window().Call("setTimeout", fn, 16)
		}
		return nil
	})
	app.Window().Call("setTimeout", fn, 0)
}

func focusByID(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}

// Icons are decorative: each button's name is its label.
func menuIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M4 6h16M4 12h16M4 18h16" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg>`)
}

func leaveIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l5-5-5-5M15 12H4" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" fill="none"/></svg>`)
}

func lockIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="14" height="14"><rect x="5" y="11" width="14" height="9" rx="2" stroke="currentColor" stroke-width="2" fill="none"/><path d="M8 11V8a4 4 0 0 1 8 0v3" stroke="currentColor" stroke-width="2" fill="none"/></svg>`)
}

func personIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="14" height="14"><circle cx="12" cy="8" r="4" stroke="currentColor" stroke-width="2" fill="none"/><path d="M4 21a8 8 0 0 1 16 0" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg>`)
}

func plusIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18"><path d="M12 5v14M5 12h14" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg>`)
}

func closeIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M6 6l12 12M18 6 6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg>`)
}

func settingsIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><circle cx="12" cy="12" r="3" stroke="currentColor" stroke-width="2" fill="none"/><path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" stroke="currentColor" stroke-width="1.6" fill="none"/></svg>`)
}

func trashIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" fill="none"/></svg>`)
}
