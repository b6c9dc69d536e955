package app

import (
	"hash/fnv"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Scroll thresholds, in CSS pixels. Within nearBottom of the end the list
// follows new messages; further up the reader is reading history and the
// list stays put. Within loadOlderAt of the top, older history is fetched.
const (
	nearBottom  = 96
	loadOlderAt = 300
)

// Actions the list posts to the page. The list holds no callbacks: go-app
// compares a component's fields on every render of its parent, and two
// funcs never compare equal.
const (
	actionRetry   = "chat/retry"   // value: a pending message's id
	actionDiscard = "chat/discard" // value: a pending message's id
	actionOlder   = "chat/older"   // value: the room whose older history is wanted
	actionDelete  = "chat/delete"  // value: deleteRequest
)

// deleteRequest is a confirmed delete, from the list to the page.
type deleteRequest struct {
	Room string
	Seq  uint64
}

// messageList is the room's timeline: #messages, the "new messages" marker
// and the way to older history. It is its own component so that go-app
// compares only its fields when the page renders for other reasons,
// instead of diffing every row.
//
// Every text a person typed goes into a text node, never into markup.
type messageList struct {
	app.Compo

	Room    string
	Heading string // the room in a sentence: #lobby, or a private room's title
	Items   []chatItem
	Pending []pendingSend
	Rev     uint64 // room.rev: changes whenever Items or Pending did
	Linked  bool   // connected: pending messages are on their way
	Queued  string // what a pending message says while there is no connection
	Loading bool   // older history was asked for
	NoOlder bool   // there is nothing older to ask for

	Me         string   // the viewer's user id: their own messages can be deleted
	DeleteAny  bool     // the viewer may delete anyone's message here (an admin, the room's owner)
	CanReact   bool     // the viewer has a session, which reacting takes
	Editing    uint64   // the seq of the message being edited here, 0 for none
	Picking    uint64   // the seq of the message whose emoji picker is open
	Unread     uint64   // the first unread message, which the "new messages" line stands above
	UnreadMore bool     // there are unread messages older than those held
	Seeking    bool     // older history is loading to reach the first unread message
	Names      []string // the people in the room whom its messages mention: their @names are marked
	MeName     string   // the viewer's name: their mentions stand out

	// What the last render showed, to tell what changed: go-app copies the
	// exported fields only, so these survive an update.
	shownRoom    string
	shownLast    uint64
	shownPending int
	newBelow     bool // messages came in below while the reader was up the list
	seenLast     uint64
	seenRoom     string // the newest message the page was told is on screen, and its room

	// confirming is the seq of the message whose delete waits for "Yes,
	// delete" (in that room): one at a time, and a click elsewhere on the
	// list's buttons is no confirmation.
	confirming     uint64
	confirmingRoom string

	// stuck says the reader is at the end of the list, as of their last
	// scroll; size is the list's (scroll height, height, width) then. When
	// the size changes under a stuck reader (a narrower window, a phone's
	// keyboard, text that wraps anew), the list is taken back to its end:
	// the same scroll position is no longer the end. Neither is rendered,
	// so the scroll listener keeps them without a render (it runs on the
	// one JS thread, as the UI goroutine does).
	stuck bool
	size  [3]float64

	// pill is the "Jump to first unread" pill showing; pillGone that it
	// was seen or dismissed in the room on screen (unread_pill.go).
	pill     bool
	pillGone bool

	timeline  app.Value
	onScroll  app.Func
	onResize  app.Func
	onVisible app.Func
	onJump    app.Func
	resizes   app.Value // the ResizeObserver on the list and its content
}

func (l *messageList) OnMount(ctx app.Context) {
	ctx.Defer(func(ctx app.Context) {
		l.timeline = app.Window().GetElementByID("timeline")
		if !l.timeline.Truthy() {
			return
		}
		// A raw listener: a go-app handler would re-render on every scroll
		// event; this one wakes Go only when a threshold is crossed.
		l.onScroll = app.FuncOf(func(this app.Value, args []app.Value) any {
			l.scrolled(ctx)
			return nil
		})
		l.timeline.Call("addEventListener", "scroll", l.onScroll, map[string]any{"passive": true})
		// A resize moves no scroll position, so it fires no scroll event
		// when the content grows: watch the sizes themselves.
		l.onResize = app.FuncOf(func(this app.Value, args []app.Value) any {
			l.track()
			return nil
		})
		if ro := app.Window().Get("ResizeObserver"); ro.Truthy() {
			l.resizes = ro.New(l.onResize)
			l.resizes.Call("observe", l.timeline)
			if list := app.Window().GetElementByID("messages"); list.Truthy() {
				l.resizes.Call("observe", list)
			}
		}
		// Taken to a message (a quote's original, a search result, the
		// first unread): no longer following the end.
		l.onJump = app.FuncOf(func(this app.Value, args []app.Value) any {
			l.stuck = false
			return nil
		})
		l.timeline.Call("addEventListener", jumpEvent, l.onJump)
		l.stuck = true
		scrollToEnd()
		// Coming back to the page is seeing what came meanwhile.
		l.onVisible = app.FuncOf(func(app.Value, []app.Value) any {
			l.noteSeen(ctx)
			return nil
		})
		app.Window().Get("document").Call("addEventListener", "visibilitychange", l.onVisible)
	})
}

func (l *messageList) OnDismount() {
	if l.onVisible != nil {
		app.Window().Get("document").Call("removeEventListener", "visibilitychange", l.onVisible)
		l.onVisible.Release()
		l.onVisible = nil
	}
	if l.onScroll != nil {
		l.timeline.Call("removeEventListener", "scroll", l.onScroll)
		l.onScroll.Release()
		l.onScroll = nil
	}
	if l.onJump != nil {
		l.timeline.Call("removeEventListener", jumpEvent, l.onJump)
		l.onJump.Release()
		l.onJump = nil
	}
	if l.onResize != nil {
		if l.resizes != nil {
			l.resizes.Call("disconnect")
			l.resizes = nil
		}
		l.onResize.Release()
		l.onResize = nil
	}
}

// track keeps stuck and size up to date, after every scroll and update and
// at every resize. A change of size is the layout's doing, not the
// reader's: a stuck reader is taken back to the end and stays stuck.
// Otherwise the reader moved, and stuck is whether they are at the end.
func (l *messageList) track() {
	if l.timeline == nil || !l.timeline.Truthy() {
		return
	}
	size := [3]float64{
		l.timeline.Get("scrollHeight").Float(),
		l.timeline.Get("clientHeight").Float(),
		l.timeline.Get("clientWidth").Float(),
	}
	if size != l.size {
		l.size = size
		if l.stuck {
			scrollToEnd()
		}
		return
	}
	l.stuck = atEnd()
}

// scrolled runs on every scroll of the timeline, and after every update:
// a list too short to scroll must fetch older history too.
func (l *messageList) scrolled(ctx app.Context) {
	if l.timeline == nil {
		return // not mounted yet
	}
	l.track()
	if l.newBelow && atEnd() {
		ctx.Dispatch(func(app.Context) { l.newBelow = false })
	}
	l.noteSeen(ctx)
	l.followUnread(ctx)
	if !l.Loading && !l.NoOlder && l.Linked && len(l.Items) > 0 &&
		l.timeline.Get("scrollTop").Float() < loadOlderAt {
		ctx.NewActionWithValue(actionOlder, l.Room)
	}
}

// OnUpdate runs before the new rows reach the DOM: measure where the reader
// is now, and scroll once the rows are in.
func (l *messageList) OnUpdate(ctx app.Context) {
	_, last, lastMine := bounds(l.Items)
	switch {
	case l.Room != l.shownRoom:
		l.newBelow, l.stuck = false, true
		l.pill, l.pillGone = false, false
		ctx.Defer(func(app.Context) { scrollToEnd() })
	case len(l.Pending) > l.shownPending || l.stuck || atEnd():
		// Just sent, or at the end: follow.
		l.newBelow, l.stuck = false, true
		ctx.Defer(func(app.Context) { scrollToEnd() })
	default:
		// The reader is up the list: whatever goes in above (older
		// history, which arrives oldest first, a day separator) must not
		// move what they are reading.
		if a, ok := readAnchor(); ok {
			ctx.Defer(func(app.Context) { a.restore() })
		}
		if last > l.shownLast && !lastMine {
			l.newBelow = true
		}
	}
	ctx.Defer(l.scrolled)
}

func (l *messageList) Render() app.UI {
	now := time.Now()
	l.shownRoom = l.Room
	_, l.shownLast, _ = bounds(l.Items)
	l.shownPending = len(l.Pending)
	rows := timelineRows(l.Items, now)
	if l.Unread != 0 {
		if i := slices.IndexFunc(rows, func(r timelineRow) bool {
			return r.Kind == rowMessage && l.Items[r.Item].Seq == l.Unread
		}); i >= 0 {
			rows = slices.Insert(rows, i, timelineRow{Kind: rowUnread})
			if i+1 < len(rows) {
				rows[i+1].Cont = false
			}
		}
	}
	return app.Div().Class("timeline-wrap").Body(
		app.Div().
			ID("timeline").
			Class("timeline").
			Role("log").
			Aria("label", "Messages in "+l.Heading).
			TabIndex(0).
			Body(
				app.Div().Class("timeline-top").Body(l.renderTop()),
				app.Ol().ID("messages").Class("messages").Body(
					app.Range(rows).Slice(func(i int) app.UI {
						row := rows[i]
						switch row.Kind {
						case rowDay:
							return renderDay(row.Day)
						case rowSystem:
							return renderSystem(l.Items[row.Item])
						case rowUnread:
							return app.Li().ID("unread-line").Class("unread-line").Body(app.Span().Text("New messages"))
						}
						return l.renderMessage(l.Items[row.Item], row.Cont)
					}),
					app.Range(l.Pending).Slice(func(i int) app.UI {
						return renderPending(l.Pending[i], l.Linked, l.Queued)
					}),
				),
			),
		// A slot of its own: the pill comes and goes beside the marker.
		app.Div().Class("unread-slot").Body(l.renderUnreadPill()),
		app.If(l.newBelow, func() app.UI {
			return app.Button().
				ID("new-messages").
				Type("button").
				Class("new-messages").
				OnClick(l.onNewMessages).
				Body(
					app.Span().Aria("hidden", "true").Text("↓ "),
					app.Text("New messages"),
				)
		}),
	)
}

// renderTop is what stands above the oldest message: a way to load older
// ones (also for keyboards: scrolling up does it by itself), or the start
// of the room.
func (l *messageList) renderTop() app.UI {
	switch {
	case len(l.Items) == 0 && len(l.Pending) == 0:
		return app.P().Class("empty").Text("No messages yet in " + l.Heading + ". Say hello!")
	case l.NoOlder:
		return app.P().Class("start").Text("This is the start of " + l.Heading + ".")
	case len(l.Items) == 0:
		return nil
	}
	label := "Load older messages"
	if l.Loading {
		label = "Loading older messages…"
	}
	return app.Button().
		ID("load-older").
		Type("button").
		Class("button link load-older").
		Disabled(!l.Linked).
		Aria("busy", boolAttr(l.Loading)).
		OnClick(l.onLoadOlder).
		Text(label)
}

func (l *messageList) onLoadOlder(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionOlder, l.Room)
}

// onNewMessages takes the reader down. Not in a Defer: this button is gone
// once the list renders, and go-app skips a Defer whose element is gone.
func (l *messageList) onNewMessages(ctx app.Context, e app.Event) {
	l.newBelow, l.stuck = false, true
	scrollToEnd()
	focusByID("timeline")
}

// bounds returns the first and last seq of the messages, and whether the
// last one is ours.
func bounds(items []chatItem) (first, last uint64, lastMine bool) {
	for _, it := range items {
		if !it.System {
			first = it.Seq
			break
		}
	}
	for i := len(items) - 1; i >= 0; i-- {
		if !items[i].System {
			return first, items[i].Seq, items[i].Mine
		}
	}
	return first, 0, false
}

func renderDay(label string) app.UI {
	return app.Li().Class("day").Body(app.Span().Text(label))
}

// renderMessage is one li.msg: the author (with a guest badge), the text,
// the time, and a delete button where the viewer may delete it, which asks
// to confirm in place. Names and texts are text nodes, never markup.
func (l *messageList) renderMessage(m chatItem, cont bool) app.UI {
	class := "msg"
	if m.Mine {
		class += " mine"
	}
	if cont {
		class += " cont"
	}
	if m.Fetched {
		class += " fetched"
	}
	editing := l.Editing == m.Seq && m.Seq != 0
	deletable := (m.User != "" && m.User == l.Me) || l.DeleteAny
	confirming := deletable && l.confirming == m.Seq && l.confirmingRoom == l.Room
	return app.Li().
		Class(class).
		DataSet("seq", m.Seq).
		DataSet("id", m.ID).
		DataSet("user", m.User).
		Body(
			app.Span().Class("avatar", hueClass(m.From)).Aria("hidden", "true").Text(initial(m.From)),
			app.Div().Class("bubble").Body(
				app.Div().Class("from-line").Body(
					app.Span().Class("from").Text(m.From),
					app.If(m.Guest, guestBadge),
					app.If(m.Bot, botBadge),
				),
				l.renderQuote(m),
				app.If(editing, func() app.UI { return l.renderEditor(m) }).
					ElseIf(m.Text != "", func() app.UI { return renderMessageText(m.Text, l.Names, l.MeName) }),
				renderFiles(m.Files),
				app.Div().Class("meta").Body(
					renderEdited(m),
					renderTime(m.TS),
				),
				l.renderReactions(m),
				l.renderPicker(m),
			),
			// A slot of its own, last: the buttons come and go.
			app.Div().Class("msg-tools").Body(
				l.renderActions(m),
				app.If(deletable && !confirming && !editing, func() app.UI {
					return app.Button().Type("button").Class("icon-button small delete-msg").
						DataSet("seq", m.Seq).Title("Delete message").Aria("label", "Delete message").
						Disabled(!l.Linked).OnClick(l.onDeleteAsk).Body(trashIcon())
				}),
				app.If(confirming, func() app.UI {
					return app.Div().Class("confirm-delete").Role("group").Aria("label", "Delete this message?").Body(
						app.Span().Class("confirm-text").Text("Delete?"),
						app.Button().ID("confirm-delete").Type("button").Class("button danger small").
							DataSet("seq", m.Seq).OnClick(l.onDeleteYes).Text("Delete"),
						app.Button().ID("cancel-delete").Type("button").Class("button secondary small").
							OnClick(l.onDeleteNo).Text("Cancel"),
					)
				}),
			),
		)
}

// onDeleteAsk shows the confirmation for the message of the button (read
// from the DOM: go-app keeps a row's first handler).
func (l *messageList) onDeleteAsk(ctx app.Context, e app.Event) {
	seq, err := strconv.ParseUint(ctx.JSSrc().Get("dataset").Get("seq").String(), 10, 64)
	if err != nil {
		return
	}
	l.confirming, l.confirmingRoom = seq, l.Room
	focusAfterRender("confirm-delete")
}

func (l *messageList) onDeleteYes(ctx app.Context, e app.Event) {
	seq, err := strconv.ParseUint(ctx.JSSrc().Get("dataset").Get("seq").String(), 10, 64)
	l.confirming, l.confirmingRoom = 0, ""
	if err != nil {
		return
	}
	ctx.NewActionWithValue(actionDelete, deleteRequest{Room: l.Room, Seq: seq})
	focusByID("timeline")
}

func (l *messageList) onDeleteNo(ctx app.Context, e app.Event) {
	seq := l.confirming
	l.confirming, l.confirmingRoom = 0, ""
	focusAfterRender(`#messages li.msg[data-seq="` + strconv.FormatUint(seq, 10) + `"] .delete-msg`)
}

func renderSystem(m chatItem) app.UI {
	return app.Li().Class("system").Body(
		app.Span().Class("text").Text(m.Text),
		renderTime(m.TS),
	)
}

// renderPending is a message of ours the server has not stored yet. It is
// not li.msg: it has no seq, and it becomes li.msg when the server confirms
// it.
func renderPending(p pendingSend, linked bool, queued string) app.UI {
	class, note := "pending", "Sending…"
	switch {
	case p.Failed != "":
		class, note = "pending failed", "Not sent: "+p.Failed
	case !linked:
		class, note = "pending queued", queued
	}
	return app.Li().
		Class(class).
		DataSet("id", p.ID).
		Body(
			app.Div().Class("bubble").Body(
				app.If(p.Text != "", func() app.UI { return renderText(p.Text) }),
				renderPendingFiles(p.Files),
				app.P().Class("note").Body(
					clockIcon(),
					app.Text(note),
				),
				app.If(p.Failed != "", func() app.UI {
					return app.Div().Class("actions").Body(
						app.Button().Type("button").Class("button link").DataSet("id", p.ID).DataSet("action", actionRetry).OnClick(onPendingButton).Text("Retry"),
						app.Button().Type("button").Class("button link").DataSet("id", p.ID).DataSet("action", actionDiscard).OnClick(onPendingButton).Text("Discard"),
					)
				}),
			),
		)
}

// onPendingButton reads the id and action from the button itself: go-app
// keeps a node's first handler when it re-renders a row, so a closure over
// the row's message would act on whichever message the row first showed.
func onPendingButton(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	ctx.NewActionWithValue(data.Get("action").String(), data.Get("id").String())
}

// renderTime shows the local clock time; the day is in the separator above
// and the full date in the tooltip.
func renderTime(ts time.Time) app.UI {
	if ts.IsZero() {
		return app.Time().Class("time")
	}
	local := ts.Local()
	return app.Time().
		Class("time").
		DateTime(ts.UTC().Format(time.RFC3339)).
		Title(local.Format("Monday 2 January 2006, 15:04:05")).
		Text(local.Format("15:04"))
}

func clockIcon() app.UI {
	return app.Raw(`<svg class="note-icon" aria-hidden="true" viewBox="0 0 24 24" width="12" height="12"><circle cx="12" cy="12" r="9" stroke="currentColor" stroke-width="2" fill="none"/><path d="M12 7v5l3 2" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg>`)
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// initial is the avatar's letter.
func initial(name string) string {
	r, _ := utf8.DecodeRuneInString(name)
	if r == utf8.RuneError {
		return "?"
	}
	return string(unicode.ToUpper(r))
}

// hueClass gives each name one of the avatar colours in chat.css, the same
// one in every browser.
func hueClass(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return "hue-" + string(rune('0'+h.Sum32()%8))
}

// atEnd reports whether the reader is at (or near) the newest message.
func atEnd() bool {
	return scrollFromEnd() < nearBottom
}

// scrollFromEnd is how far the timeline is scrolled up from its end.
func scrollFromEnd() float64 {
	if !app.IsClient {
		return 0
	}
	el := app.Window().GetElementByID("timeline")
	if !el.Truthy() {
		return 0
	}
	return el.Get("scrollHeight").Float() - el.Get("scrollTop").Float() - el.Get("clientHeight").Float()
}

// anchor is a message on screen and how far it is from the top of the
// timeline: the browser's own scroll anchoring, done by hand, because
// Safari has none and Chromium's does not cover every insertion. It is the
// lowest message in view: older history goes in anywhere above it (it
// arrives oldest first, so the first page shows above the reader and the
// next ones go in between), new messages below it.
type anchor struct {
	seq string
	top float64
}

// readAnchor finds the lowest message in view.
func readAnchor() (anchor, bool) {
	doc := app.Window().Get("document")
	tl := doc.Call("getElementById", "timeline")
	if !tl.Truthy() {
		return anchor{}, false
	}
	box := tl.Call("getBoundingClientRect")
	x := box.Get("left").Float() + box.Get("width").Float()/2
	// A few points up from the bottom, past a gap or a system line.
	for y := box.Get("bottom").Float() - 16; y > box.Get("top").Float(); y -= 40 {
		el := doc.Call("elementFromPoint", x, y)
		if !el.Truthy() {
			continue
		}
		li := el.Call("closest", "li.msg")
		if !li.Truthy() {
			continue
		}
		return anchor{
			seq: li.Get("dataset").Get("seq").String(),
			top: li.Call("getBoundingClientRect").Get("top").Float() - box.Get("top").Float(),
		}, true
	}
	return anchor{}, false
}

// restore scrolls so that the anchor's message is where it was.
func (a anchor) restore() {
	doc := app.Window().Get("document")
	tl := doc.Call("getElementById", "timeline")
	li := doc.Call("querySelector", `#messages li.msg[data-seq="`+a.seq+`"]`)
	if !tl.Truthy() || !li.Truthy() {
		return
	}
	top := li.Call("getBoundingClientRect").Get("top").Float() - tl.Call("getBoundingClientRect").Get("top").Float()
	if moved := top - a.top; moved != 0 {
		tl.Set("scrollTop", tl.Get("scrollTop").Float()+moved)
	}
}

func scrollToEnd() {
	if !app.IsClient {
		return
	}
	if el := app.Window().GetElementByID("timeline"); el.Truthy() {
		el.Set("scrollTop", el.Get("scrollHeight"))
	}
}
