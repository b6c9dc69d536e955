package app

import (
	"hash/fnv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// nearBottom is how close to the end, in CSS pixels, the reader must be for
// new messages to scroll the list; further up they are reading history and
// the list stays put.
const nearBottom = 96

// messageList is #messages. It is its own component so that go-app compares
// only its fields (two slice headers and a counter) when the page renders
// for other reasons, instead of diffing every row.
//
// Every text a person typed goes into a text node, never into markup.
type messageList struct {
	app.Compo

	Items   []chatItem
	Pending []pendingSend
	Rev     uint64 // chatState.rev: changes whenever Items or Pending did

	shownPending int
}

func (l *messageList) OnMount(ctx app.Context) {
	ctx.Defer(func(app.Context) { scrollToEnd() })
}

// OnUpdate runs before the new rows reach the DOM: measure where the reader
// is now, scroll once the rows are in.
func (l *messageList) OnUpdate(ctx app.Context) {
	sent := len(l.Pending) > l.shownPending
	l.shownPending = len(l.Pending)
	if sent || atEnd() {
		ctx.Defer(func(app.Context) { scrollToEnd() })
	}
}

func (l *messageList) Render() app.UI {
	now := time.Now()
	return app.Div().
		ID("timeline").
		Class("timeline").
		Role("log").
		Aria("label", "Messages").
		TabIndex(0).
		Body(
			app.If(len(l.Items) == 0 && len(l.Pending) == 0, func() app.UI {
				return app.P().Class("empty").Text("No messages yet. Say hello!")
			}),
			app.Ol().ID("messages").Class("messages").Body(
				app.Range(l.Items).Slice(func(i int) app.UI {
					if l.Items[i].System {
						return renderSystem(l.Items[i], now)
					}
					return renderMessage(l.Items[i], now)
				}),
				app.Range(l.Pending).Slice(func(i int) app.UI {
					return renderPending(l.Pending[i])
				}),
			),
		)
}

func renderMessage(m chatItem, now time.Time) app.UI {
	class := "msg"
	if m.Mine {
		class += " mine"
	}
	return app.Li().
		Class(class).
		DataSet("seq", m.Seq).
		DataSet("id", m.ID).
		Body(
			app.Span().Class("avatar", hueClass(m.From)).Aria("hidden", "true").Text(initial(m.From)),
			app.Div().Class("bubble").Body(
				app.Div().Class("meta").Body(
					app.Span().Class("from").Text(m.From),
					renderTime(m.TS, now),
				),
				app.P().Class("text").Text(m.Text),
			),
		)
}

func renderSystem(m chatItem, now time.Time) app.UI {
	return app.Li().Class("system").Body(
		app.Span().Class("text").Text(m.Text),
		renderTime(m.TS, now),
	)
}

// renderPending is a message of ours the server has not stored yet. It is not
// li.msg: it has no seq, and it becomes li.msg when the server echoes it.
func renderPending(p pendingSend) app.UI {
	class, note := "pending", "Sending…"
	if p.Failed != "" {
		class, note = "pending failed", "Not sent: "+p.Failed
	}
	return app.Li().
		Class(class).
		DataSet("id", p.ID).
		Body(
			app.Div().Class("bubble").Body(
				app.P().Class("text").Text(p.Text),
				app.P().Class("note").Text(note),
				app.If(p.Failed != "", func() app.UI {
					return app.Div().Class("actions").Body(
						app.Button().Type("button").Class("button link").DataSet("id", p.ID).DataSet("action", actionRetry).OnClick(onPendingButton).Text("Retry"),
						app.Button().Type("button").Class("button link").DataSet("id", p.ID).DataSet("action", actionDiscard).OnClick(onPendingButton).Text("Discard"),
					)
				}),
			),
		)
}

// Actions the list posts to the page, with a pending message's id as value.
// The list holds no callbacks: go-app compares a component's fields on every
// render of its parent, and two funcs never compare equal.
const (
	actionRetry   = "chat/retry"
	actionDiscard = "chat/discard"
)

// onPendingButton reads the id and action from the button itself: go-app
// keeps a node's first handler when it re-renders a row, so a closure over
// the row's message would act on whichever message the row first showed.
func onPendingButton(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	ctx.NewActionWithValue(data.Get("action").String(), data.Get("id").String())
}

// renderTime shows the clock time for today and the date before it for
// older messages; the full local time is in the tooltip.
func renderTime(ts, now time.Time) app.UI {
	if ts.IsZero() {
		return app.Time().Class("time")
	}
	local := ts.Local()
	label := local.Format("15:04")
	if y, m, d := local.Date(); y != now.Year() {
		label = local.Format("2 Jan 2006, 15:04")
	} else if m != now.Month() || d != now.Day() {
		label = local.Format("2 Jan, 15:04")
	}
	return app.Time().
		Class("time").
		DateTime(ts.UTC().Format(time.RFC3339)).
		Title(local.Format("Monday 2 January 2006, 15:04:05")).
		Text(label)
}

// initial is the avatar's letter.
func initial(name string) string {
	r, _ := utf8.DecodeRuneInString(name)
	if r == utf8.RuneError {
		return "?"
	}
	return string(unicode.ToUpper(r))
}

// hueClass gives each name one of the avatar colours in app.css, the same
// one in every browser.
func hueClass(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return "hue-" + string(rune('0'+h.Sum32()%8))
}

// atEnd reports whether the reader is at (or near) the newest message.
func atEnd() bool {
	if !app.IsClient {
		return false
	}
	el := app.Window().GetElementByID("timeline")
	if !el.Truthy() {
		return false
	}
	gap := el.Get("scrollHeight").Float() - el.Get("scrollTop").Float() - el.Get("clientHeight").Float()
	return gap < nearBottom
}

func scrollToEnd() {
	if !app.IsClient {
		return
	}
	if el := app.Window().GetElementByID("timeline"); el.Truthy() {
		el.Set("scrollTop", el.Get("scrollHeight"))
	}
}
