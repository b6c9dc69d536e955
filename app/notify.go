package app

import (
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// notifyUI is the notifications of this device and the choice for the
// room on screen: the bell's panel, and what in-page notifications
// follow.
type notifyUI struct {
	on       bool              // the person turned notifications on here (and the browser allowed them)
	endpoint string            // this device's Web Push subscription, "" for none
	levels   map[string]string // each room's level, as the server last said; missing: not asked yet
	waiting  map[string][]news // news of rooms whose level is being asked for
	open     bool              // the panel is open
	room     string            // the room the panel is about
	choice   notifyChoice      // that room's choice, once loaded
	loaded   bool
	busy     bool
	err      string
	note     string
}

// notifyKey keeps the device's notification setting in localStorage.
const notifyKey = "chat.notify"

type savedNotify struct {
	On       bool   `json:"on"`
	Endpoint string `json:"endpoint,omitempty"`
}

// loadNotify reads the device's setting; notifications the browser no
// longer allows (revoked in its settings) are off.
func (p *chatPage) loadNotify(ctx app.Context) {
	var saved savedNotify
	_ = ctx.LocalStorage().Get(notifyKey, &saved)
	p.notify.on = saved.On && ctx.Notifications().Permission() == app.NotificationGranted
	p.notify.endpoint = saved.Endpoint
}

func (p *chatPage) saveNotify(ctx app.Context) {
	_ = ctx.LocalStorage().Set(notifyKey, savedNotify{On: p.notify.on, Endpoint: p.notify.endpoint})
}

// notifyNews raises a system notification for each message that is for
// the person (newsFor) while the page is hidden: a visible page shows it
// already.
func (p *chatPage) notifyNews(ctx app.Context) {
	items := p.st.takeNews()
	if len(items) == 0 || !p.notify.on ||
		app.Window().Get("document").Get("visibilityState").String() == "visible" ||
		ctx.Notifications().Permission() != app.NotificationGranted {
		return
	}
	for _, n := range items {
		level, known := p.notify.levels[n.Room]
		if !known {
			// A choice made on another device, or before this page
			// loaded, is asked for once; until then the message waits.
			p.fetchLevelThenNotify(ctx, n)
			continue
		}
		p.notifyIfFor(ctx, n, level)
	}
}

// notifyIfFor shows a notification for n if it is for the person under
// the room's level.
func (p *chatPage) notifyIfFor(ctx app.Context, n news, level string) {
	direct := p.st.roomKind(n.Room) == kindDirect
	if !newsFor(level, direct, mentions(n.Text, p.st.name)) {
		return
	}
	showNotification(ctx, app.Notification{
		Title: p.newsTitle(n, direct),
		Body:  newsBody(n),
		Path:  "/?" + url.Values{"room": {n.Room}, "seq": {strconv.FormatUint(n.Seq, 10)}}.Encode(),
		Icon:  "/web/icon-192.png",
	})
}

// fetchLevelThenNotify learns the room's level from the server, once
// however many messages come meanwhile, then decides on each; without an
// answer, the default decides.
func (p *chatPage) fetchLevelThenNotify(ctx app.Context, n news) {
	if p.notify.waiting == nil {
		p.notify.waiting = make(map[string][]news)
	}
	room := n.Room
	queued, asking := p.notify.waiting[room]
	p.notify.waiting[room] = append(queued, n)
	if asking {
		return
	}
	p.home.Async(func() {
		c, err := fetchNotifyChoice(p.loop, room)
		p.home.Dispatch(func(ctx app.Context) {
			level := ""
			if err == nil {
				level = c.Level
				p.rememberLevel(room, level)
			}
			for _, n := range p.notify.waiting[room] {
				p.notifyIfFor(ctx, n, level)
			}
			delete(p.notify.waiting, room)
		})
	})
}

// newsTitle is who wrote, and where unless it is a direct message.
func (p *chatPage) newsTitle(n news, direct bool) string {
	if direct {
		return n.From
	}
	return n.From + " in " + p.st.roomHeading(n.Room)
}

// newsBody is the message's text, cut short, or what it carries.
func newsBody(n news) string {
	text := n.Text
	if text == "" {
		switch len(n.Files) {
		case 0:
			return ""
		case 1:
			return "sent " + n.Files[0].Name
		}
		return "sent " + strconv.Itoa(len(n.Files)) + " files"
	}
	const most = 180
	if utf8.RuneCountInString(text) > most {
		r := []rune(text)
		text = string(r[:most]) + "…"
	}
	return text
}

// showNotification shows n through the service worker, as go-app's
// ctx.Notifications().New does, but with its title: New (v10.1.11,
// goappNewNotification in app.js) deletes the title before it posts the
// rest to the worker, which then shows every notification as
// "Notification". The data is the shape go-app's worker gives its own, so
// that its notificationclick handler opens n.Path in the page. Without a
// service worker, New is right (it builds a Notification itself).
func showNotification(ctx app.Context, n app.Notification) {
	sw := app.Window().Get("navigator").Get("serviceWorker")
	if !sw.Truthy() {
		ctx.Notifications().New(n)
		return
	}
	var show app.Func
	show = app.FuncOf(func(this app.Value, args []app.Value) any {
		defer show.Release()
		return args[0].Call("showNotification", n.Title, map[string]any{
			"body": n.Body,
			"icon": n.Icon,
			"data": map[string]any{"goapp": map[string]any{"path": n.Path, "actions": []any{}}},
		})
	})
	var failed app.Func
	failed = app.FuncOf(func(this app.Value, args []app.Value) any {
		defer failed.Release()
		if len(args) > 0 && args[0].Truthy() {
			app.Window().Get("console").Call("warn", "notification not shown: "+args[0].Call("toString").String())
		}
		return nil
	})
	// A refusal (the permission gone, the worker replaced) is said in the
	// console instead of vanishing in a promise nobody holds.
	sw.Get("ready").Call("then", show).Call("then", failed, failed)
}

// onNotifyToggle opens or closes the bell's panel, for the room on
// screen.
func (p *chatPage) onNotifyToggle(ctx app.Context, e app.Event) {
	if p.notify.open {
		p.closeNotify(ctx)
		return
	}
	p.notify.open, p.notify.room, p.notify.loaded, p.notify.err, p.notify.note = true, p.st.current, false, "", ""
	focusAfterRender("notify-panel")
	if p.st.guest || p.st.user == "" {
		return
	}
	room := p.st.current
	p.home.Async(func() {
		c, err := fetchNotifyChoice(p.loop, room)
		p.home.Dispatch(func(app.Context) {
			if p.notify.room != room {
				return
			}
			if err != nil {
				p.notify.err = err.Error()
				return
			}
			p.notify.choice, p.notify.loaded = c, true
			p.rememberLevel(room, c.Level)
		})
	})
}

func (p *chatPage) closeNotify(ctx app.Context) {
	p.notify.open = false
	focusAfterRender("notify-toggle")
}

func (p *chatPage) rememberLevel(room, level string) {
	if p.notify.levels == nil {
		p.notify.levels = make(map[string]string)
	}
	p.notify.levels[room] = level
}

// onNotifyOn turns notifications on for this device: the browser's
// permission is asked now, when the person asked for them (never on
// load), then Web Push is subscribed so that messages reach them with the
// app closed too. A browser without push still shows them while a tab
// is open.
func (p *chatPage) onNotifyOn(ctx app.Context, e app.Event) {
	p.notify.busy, p.notify.err, p.notify.note = true, "", ""
	notes := ctx.Notifications()
	p.home.Async(func() {
		perm := notes.RequestPermission()
		if perm != app.NotificationGranted {
			p.home.Dispatch(func(app.Context) {
				p.notify.busy = false
				switch perm {
				case app.NotificationNotSupported:
					p.notify.err = "This browser cannot show notifications."
				default:
					p.notify.err = "Notifications are not allowed for this site: allow them in the browser's site settings, then try again."
				}
			})
			return
		}
		p.home.Dispatch(func(ctx app.Context) {
			p.notify.on = true
			p.saveNotify(ctx)
		})
		endpoint, err := subscribePush(p.loop, notes)
		p.home.Dispatch(func(ctx app.Context) {
			p.notify.busy = false
			switch {
			case errorStatus(err) == 403:
				p.notify.note = "Sign up to get notifications when the chat is closed."
			case errorStatus(err) != 0:
				p.notify.note = "On while the chat is open in a tab. The server did not take this device for pushes (" + err.Error() + "), so nothing comes while it is closed."
			case err != nil:
				// go-app's error is its own JSON: said in words instead.
				// A private window gives no push subscription, by design.
				p.notify.note = "On while the chat is open in a tab. This browser gives no push subscription here (private windows do not), so nothing comes while it is closed."
			default:
				p.notify.endpoint = endpoint
				p.notify.note = "On, also while the chat is closed."
			}
			p.saveNotify(ctx)
		})
	})
}

// onNotifyOff turns them off here: no more in-page notifications, and
// the server forgets this device's subscription.
func (p *chatPage) onNotifyOff(ctx app.Context, e app.Event) {
	p.notify.on, p.notify.err, p.notify.note = false, "", "Off on this device."
	endpoint := p.notify.endpoint
	p.notify.endpoint = ""
	p.saveNotify(ctx)
	p.home.Async(func() {
		err := unsubscribePush(p.loop, endpoint)
		if err != nil {
			p.home.Dispatch(func(app.Context) { p.notify.err = "The server could not be told: " + err.Error() })
		}
	})
}

// onNotifyLevel saves the level chosen for the panel's room.
func (p *chatPage) onNotifyLevel(ctx app.Context, e app.Event) {
	c := p.notify.choice
	c.Level = ctx.JSSrc().Get("value").String()
	p.putNotifyChoice(ctx, c)
}

// onNotifyPreviews saves whether pushes of the panel's room carry text.
func (p *chatPage) onNotifyPreviews(ctx app.Context, e app.Event) {
	c := p.notify.choice
	c.Previews = ctx.JSSrc().Get("checked").Bool()
	p.putNotifyChoice(ctx, c)
}

func (p *chatPage) putNotifyChoice(ctx app.Context, c notifyChoice) {
	room, before := p.notify.room, p.notify.choice
	p.notify.choice, p.notify.err, p.notify.note = c, "", ""
	p.rememberLevel(room, c.Level)
	p.home.Async(func() {
		err := saveNotifyChoice(p.loop, room, c)
		p.home.Dispatch(func(app.Context) {
			if err != nil {
				p.notify.choice = before
				p.rememberLevel(room, before.Level)
				p.notify.err = "Not saved: " + err.Error()
				return
			}
			p.notify.note = "Saved."
		})
	})
}

// OnNav opens the room and message a notification names (?room=R&seq=S)
// when the page is already running: go-app's service worker hands a
// notification's click to the open page as a navigation. On a first load
// OnMount takes the address instead, once the session is known.
func (p *chatPage) OnNav(ctx app.Context) {
	if !app.IsClient || p.openRoom != "" || p.me.ID == "" {
		return
	}
	q := ctx.Page().URL().Query()
	room := q.Get("room")
	if room == "" {
		return
	}
	seq, _ := strconv.ParseUint(q.Get("seq"), 10, 64)
	if p.st.join(room) {
		p.st.seekMessage(room, seq)
		p.showSought()
	}
	ctx.Page().ReplaceURL(&url.URL{Path: "/"})
	p.flush(ctx)
}
