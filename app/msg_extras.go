package app

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// What a message shows besides its text (a reply's quote, "(edited)", its
// reactions) and the buttons that act on it: edit, react, reply. Like the
// delete button, every handler reads the message from the button's data
// attributes: go-app keeps a row's first handler when it re-renders.

// Actions the list posts to the page about one message.
const (
	actionEdit       = "chat/edit"        // value: msgRef, start editing
	actionEditSave   = "chat/edit-save"   // value: editSave
	actionEditCancel = "chat/edit-cancel" // no value
	actionPick       = "chat/pick"        // value: msgRef, open or close the emoji picker
	actionReact      = "chat/react"       // value: reactRequest
	actionReply      = "chat/reply"       // value: msgRef
	actionJump       = "chat/jump"        // value: msgRef, show the original of a reply
	actionSeen       = "chat/seen"        // value: msgRef, the newest message is on screen
	actionUnread     = "chat/unread"      // value: the room, show its first unread message
)

// msgRef names a message of a room.
type msgRef struct {
	Room string
	Seq  uint64
}

type editSave struct {
	msgRef
	Text string
}

type reactRequest struct {
	msgRef
	Emoji string
}

// seqOf reads the data-seq of the element a handler runs for.
func seqOf(ctx app.Context) uint64 {
	seq, _ := strconv.ParseUint(ctx.JSSrc().Get("dataset").Get("seq").String(), 10, 64)
	return seq
}

// renderQuote is what a reply shows of the message it answers; a button
// that jumps to it.
func (l *messageList) renderQuote(m chatItem) app.UI {
	if m.Reply == 0 || m.Quote == nil {
		return nil
	}
	return app.Button().Type("button").Class("quote").
		DataSet("seq", m.Reply).
		Title("Show the message this answers").
		Aria("label", "In reply to "+m.Quote.From+": "+m.Quote.Text).
		OnClick(l.onQuote).
		Body(
			app.Span().Class("quote-from").Text(m.Quote.From),
			app.Span().Class("quote-text").Text(m.Quote.Text),
		)
}

func (l *messageList) onQuote(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionJump, msgRef{Room: l.Room, Seq: seqOf(ctx)})
}

// renderEdited marks a message whose text changed.
func renderEdited(m chatItem) app.UI {
	if m.Edited.IsZero() {
		return nil
	}
	return app.Span().Class("edited").Title("Edited " + m.Edited.Local().Format("Monday 2 January 2006, 15:04")).Text("(edited)")
}

// renderReactions is a message's reaction chips: each emoji with its count,
// marked when one of them is the viewer's; a click toggles the viewer's.
func (l *messageList) renderReactions(m chatItem) app.UI {
	if len(m.Reactions) == 0 {
		return nil
	}
	return app.Div().Class("reactions").Body(
		app.Range(m.Reactions).Slice(func(i int) app.UI {
			re := m.Reactions[i]
			mine := l.Me != "" && slices.Contains(re.Users, l.Me)
			class := "chip"
			if mine {
				class += " mine"
			}
			names := strings.Join(re.Names, ", ")
			return app.Button().Type("button").Class(class).
				DataSet("seq", m.Seq).DataSet("emoji", re.Emoji).
				Title(names).
				Aria("label", re.Emoji+" "+strconv.Itoa(len(re.Users))+": "+names).
				Aria("pressed", boolAttr(mine)).
				Disabled(!l.Linked || !l.CanReact).
				OnClick(l.onChip).
				Body(
					app.Span().Class("chip-emoji").Text(re.Emoji),
					app.Span().Class("chip-count").Text(strconv.Itoa(len(re.Users))),
				)
		}),
	)
}

func (l *messageList) onChip(ctx app.Context, e app.Event) {
	emoji := ctx.JSSrc().Get("dataset").Get("emoji").String()
	ctx.NewActionWithValue(actionReact, reactRequest{msgRef{l.Room, seqOf(ctx)}, emoji})
}

// renderActions is the buttons of a message other than delete: react and
// reply for everyone with a session, edit for its author.
func (l *messageList) renderActions(m chatItem) app.UI {
	if m.Seq == 0 || l.Editing == m.Seq {
		return nil
	}
	mine := m.User != "" && m.User == l.Me
	return app.Div().Class("msg-actions").Body(
		app.If(l.CanReact, func() app.UI {
			return app.Button().Type("button").Class("icon-button small msg-action react-msg").
				DataSet("seq", m.Seq).Title("Add a reaction").Aria("label", "Add a reaction").
				Aria("expanded", boolAttr(l.Picking == m.Seq)).
				Disabled(!l.Linked).OnClick(l.onPick).Body(smileIcon())
		}),
		app.Button().Type("button").Class("icon-button small msg-action reply-msg").
			DataSet("seq", m.Seq).Title("Reply").Aria("label", "Reply").
			OnClick(l.onReply).Body(replyIcon()),
		app.If(mine, func() app.UI {
			return app.Button().Type("button").Class("icon-button small msg-action edit-msg").
				DataSet("seq", m.Seq).Title("Edit message").Aria("label", "Edit message").
				Disabled(!l.Linked).OnClick(l.onEdit).Body(pencilIcon())
		}),
	)
}

func (l *messageList) onPick(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionPick, msgRef{l.Room, seqOf(ctx)})
}

func (l *messageList) onReply(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionReply, msgRef{l.Room, seqOf(ctx)})
}

func (l *messageList) onEdit(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionEdit, msgRef{l.Room, seqOf(ctx)})
}

// renderPicker is the emoji picker of the message it was opened on.
func (l *messageList) renderPicker(m chatItem) app.UI {
	if l.Picking != m.Seq || m.Seq == 0 {
		return nil
	}
	return app.Div().ID("react-picker").Class("react-picker").Role("group").Aria("label", "Reactions").Body(
		app.Range(quickEmoji).Slice(func(i int) app.UI {
			return app.Button().Type("button").Class("pick").
				DataSet("seq", m.Seq).DataSet("emoji", quickEmoji[i]).
				Aria("label", "React with "+quickEmoji[i]).
				OnClick(l.onChip).Text(quickEmoji[i])
		}),
	)
}

// renderEditor is the inline editor of one's message: Enter saves, Escape
// cancels (listenMessageKeys), and so do the buttons.
func (l *messageList) renderEditor(m chatItem) app.UI {
	return app.Div().Class("editor").Body(
		app.Label().For("edit-text").Class("visually-hidden").Text("Edit message"),
		app.Textarea().ID("edit-text").Class("edit-field").Rows(2).
			DataSet("seq", m.Seq).
			Aria("describedby", "edit-hint").
			Text(m.Text),
		app.Div().Class("editor-bar").Body(
			app.Span().ID("edit-hint").Class("edit-hint").Text("Enter saves, Escape cancels"),
			app.Button().ID("edit-cancel").Type("button").Class("button secondary small").OnClick(l.onEditCancel).Text("Cancel"),
			app.Button().ID("edit-save").Type("button").Class("button primary small").DataSet("seq", m.Seq).OnClick(l.onEditSave).Text("Save"),
		),
	)
}

func (l *messageList) onEditSave(ctx app.Context, e app.Event) {
	text := app.Window().GetElementByID("edit-text").Get("value").String()
	ctx.NewActionWithValue(actionEditSave, editSave{msgRef{l.Room, seqOf(ctx)}, text})
}

func (l *messageList) onEditCancel(ctx app.Context, e app.Event) {
	ctx.NewAction(actionEditCancel)
}

// noteSeen tells the page that the newest message is on screen: the list
// at its end in a visible page. Only when it grows.
func (l *messageList) noteSeen(ctx app.Context) {
	_, last, _ := bounds(l.Items)
	if last == 0 || (last <= l.seenLast && l.Room == l.seenRoom) || !atEnd() ||
		app.Window().Get("document").Get("visibilityState").String() == "hidden" {
		return
	}
	l.seenLast, l.seenRoom = last, l.Room
	ctx.NewActionWithValue(actionSeen, msgRef{l.Room, last})
}

// jumpTo scrolls to a message and highlights it for a moment, once the
// render under way has put it in the page. At once, not smoothly: the
// older history that comes in above it while a smooth scroll is under way
// would stop the scroll half-way (the list keeps the reader's place by
// setting scrollTop), and the highlight says where the reader landed.
func jumpTo(seq uint64) {
	whenInPage(seqSelector(seq), func(el app.Value) {
		tellJump()
		el.Call("scrollIntoView", map[string]any{"block": "center", "behavior": "instant"})
		el.Get("classList").Call("add", "flash")
		var unflash app.Func
		unflash = app.FuncOf(func(app.Value, []app.Value) any {
			el.Get("classList").Call("remove", "flash")
			unflash.Release()
			return nil
		})
		app.Window().Call("setTimeout", unflash, int(flashFor/time.Millisecond))
	})
}

// jumpToUnread scrolls to the "new messages" line, at the top of the list.
func jumpToUnread() {
	whenInPage("#unread-line", func(el app.Value) {
		tellJump()
		el.Call("scrollIntoView", map[string]any{"block": "start"})
	})
}

// tellJump tells the list that the reader is being taken somewhere (a
// jump event on #timeline): a list that followed its end would otherwise
// take them back there at the next change of size.
func tellJump() {
	if tl := app.Window().GetElementByID("timeline"); tl.Truthy() {
		tl.Call("dispatchEvent", app.Window().Get("Event").New(jumpEvent))
	}
}

// whenInPage runs do on the element the selector names once the render
// under way has put it in the page: it looks every 30 ms until the element
// is there, a newer request takes over (the reader asked for something
// else), or whenInPageFor has passed (the message went away). A render of
// a page of history can take seconds on a slow phone: a bound of 20 tries
// (600 ms) gave up before it, and "Jump to first unread" did nothing.
func whenInPage(selector string, do func(el app.Value)) {
	whenInPageGen++
	gen, until := whenInPageGen, time.Now().Add(whenInPageFor)
	var fn app.Func
	fn = app.FuncOf(func(app.Value, []app.Value) any {
		el := app.Window().Get("document").Call("querySelector", selector)
		switch {
		case gen != whenInPageGen:
			fn.Release()
		case el.Truthy():
			fn.Release()
			do(el)
		case time.Now().After(until):
			fn.Release()
		default:
			app.Window().Call("setTimeout", fn, 30)
		}
		return nil
	})
	app.Window().Call("setTimeout", fn, 0)
}

// whenInPageGen counts whenInPage's requests: only the last is served.
// (The UI's goroutine alone reads and writes it.)
var whenInPageGen uint64

// whenInPageFor is how long whenInPage waits for its element.
const whenInPageFor = 15 * time.Second

// jumpEvent is the DOM event whenInPage fires on #timeline.
const jumpEvent = "chat-jump"

// flashFor is how long a message jumped to stays highlighted.
const flashFor = 2 * time.Second

// renderReplyBar is the quote above the composer while it answers a
// message, with a button that stops answering.
func renderReplyBar(rd *replyDraft, onCancel app.EventHandler) app.UI {
	if rd == nil {
		return nil
	}
	return app.Div().ID("reply-bar").Class("reply-bar").Body(
		replyIcon(),
		app.Div().Class("reply-what").Body(
			app.Span().Class("reply-label").Body(app.Text("Replying to "), app.Strong().Text(rd.From)),
			app.Span().Class("reply-text").Text(rd.Text),
		),
		app.Button().ID("reply-cancel").Type("button").Class("icon-button small").
			Title("Cancel reply").Aria("label", "Cancel reply").OnClick(onCancel).Body(closeIcon()),
	)
}

func smileIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16"><circle cx="12" cy="12" r="9" stroke="currentColor" stroke-width="2" fill="none"/><path d="M8 14s1.5 2 4 2 4-2 4-2M9 9.5h.01M15 9.5h.01" stroke="currentColor" stroke-width="2" stroke-linecap="round" fill="none"/></svg>`)
}

func replyIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16"><path d="M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z" stroke="currentColor" stroke-width="2" stroke-linejoin="round" fill="none"/></svg>`)
}

func pencilIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="16" height="16"><path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" stroke="currentColor" stroke-width="2" stroke-linejoin="round" fill="none"/></svg>`)
}
