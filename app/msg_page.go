package app

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The page's side of edits, reactions, replies, typing and read marks: the
// actions the message list posts, and the keys of the composer and the
// inline editor.

// msgUI is what the page shows about acting on messages, on this page
// only: the message being edited and the one whose picker is open.
type msgUI struct {
	editRoom string
	editSeq  uint64
	pickRoom string
	pickSeq  uint64

	typingSent time.Time // when a typing event last went out
	readSent   time.Time // when a read event last went out
	typingWake bool      // a render is due when the typing line expires

	// The @-completion of the composer: the names offered, the one
	// selected, and the text before the caret when they were offered.
	suggest       []string
	suggestSel    int
	suggestBefore string
}

// seqIn is seq when it is of the room on screen, else 0.
func (m *msgUI) seqIn(current, room string, seq uint64) uint64 {
	if room != current {
		return 0
	}
	return seq
}

func (p *chatPage) handleMessageActions(ctx app.Context) {
	ctx.Handle(actionEdit, func(ctx app.Context, a app.Action) {
		if ref, ok := a.Value.(msgRef); ok {
			p.startEdit(ref.Room, ref.Seq)
		}
	})
	ctx.Handle(actionEditSave, func(ctx app.Context, a app.Action) {
		if req, ok := a.Value.(editSave); ok {
			p.saveEdit(ctx, req.Room, req.Seq, req.Text)
		}
	})
	ctx.Handle(actionEditCancel, func(ctx app.Context, a app.Action) { p.cancelEdit() })
	ctx.Handle(actionPick, func(ctx app.Context, a app.Action) {
		ref, ok := a.Value.(msgRef)
		if !ok {
			return
		}
		if p.msg.pickSeq == ref.Seq && p.msg.pickRoom == ref.Room {
			p.msg.pickRoom, p.msg.pickSeq = "", 0
			return
		}
		p.msg.pickRoom, p.msg.pickSeq = ref.Room, ref.Seq
		focusAfterRender("#react-picker .pick")
	})
	ctx.Handle(actionReact, func(ctx app.Context, a app.Action) {
		req, ok := a.Value.(reactRequest)
		if !ok {
			return
		}
		wasPicking := p.msg.pickSeq == req.Seq
		p.msg.pickRoom, p.msg.pickSeq = "", 0
		p.st.sendReact(req.Room, req.Seq, req.Emoji)
		p.flush(ctx)
		if wasPicking {
			focusAfterRender(seqSelector(req.Seq) + " .react-msg")
		}
	})
	ctx.Handle(actionReply, func(ctx app.Context, a app.Action) {
		if ref, ok := a.Value.(msgRef); ok && p.st.startReply(ref.Room, ref.Seq) {
			focusAfterRender("composer-text")
		}
	})
	ctx.Handle(actionJump, func(ctx app.Context, a app.Action) {
		ref, ok := a.Value.(msgRef)
		if !ok || ref.Room != p.st.current {
			return
		}
		if p.st.cur().item(ref.Seq) == nil && !p.st.linked {
			p.st.lastError = "Not connected: the message answered can be shown once the connection is back."
			return
		}
		p.st.seekMessage(ref.Room, ref.Seq)
		p.showSought()
		p.flush(ctx)
	})
	ctx.Handle(actionUnread, func(ctx app.Context, a app.Action) {
		if room, _ := a.Value.(string); room == p.st.current {
			p.st.seekUnread()
			p.showSought()
			p.flush(ctx)
		}
	})
	ctx.Handle(actionSeen, func(ctx app.Context, a app.Action) {
		if ref, ok := a.Value.(msgRef); ok && ref.Room == p.st.current {
			p.st.seen(ref.Room, ref.Seq)
			p.flush(ctx)
		}
	})
}

func seqSelector(seq uint64) string {
	return `#messages li.msg[data-seq="` + strconv.FormatUint(seq, 10) + `"]`
}

// startEdit opens the inline editor on one's message.
func (p *chatPage) startEdit(room string, seq uint64) {
	r := p.st.rooms[room]
	if r == nil || seq == 0 {
		return
	}
	if it := r.item(seq); it == nil || it.User == "" || it.User != p.st.user {
		return
	}
	p.msg.editRoom, p.msg.editSeq = room, seq
	p.msg.pickRoom, p.msg.pickSeq = "", 0
	// The caret at the end of the text, as in a chat app.
	focusAfterRender("edit-text")
	var fn app.Func
	fn = app.FuncOf(func(app.Value, []app.Value) any {
		fn.Release()
		if el := app.Window().GetElementByID("edit-text"); el.Truthy() {
			// Past the end is the end.
			el.Call("setSelectionRange", 1<<30, 1<<30)
			fitComposer(el)
		}
		return nil
	})
	app.Window().Call("setTimeout", fn, 40)
}

func (p *chatPage) saveEdit(ctx app.Context, room string, seq uint64, text string) {
	if p.msg.editSeq != seq || p.msg.editRoom != room {
		return
	}
	if !p.st.sendEdit(room, seq, text) {
		return // the editor stays open, the reason in #error
	}
	p.msg.editRoom, p.msg.editSeq = "", 0
	p.flush(ctx)
	focusAfterRender("composer-text")
}

func (p *chatPage) cancelEdit() {
	if p.msg.editSeq == 0 {
		return
	}
	seq := p.msg.editSeq
	p.msg.editRoom, p.msg.editSeq = "", 0
	focusAfterRender(seqSelector(seq) + " .edit-msg")
}

// escapeMessage closes the editor, the picker or the reply, in that order;
// it reports whether there was one.
func (p *chatPage) escapeMessage() bool {
	switch {
	case len(p.msg.suggest) > 0:
		p.msg.suggest, p.msg.suggestSel = nil, 0
	case p.msg.editSeq != 0:
		p.cancelEdit()
	case p.msg.pickSeq != 0:
		seq := p.msg.pickSeq
		p.msg.pickRoom, p.msg.pickSeq = "", 0
		focusAfterRender(seqSelector(seq) + " .react-msg")
	case p.st.replyFor(p.st.current) != nil:
		p.st.reply = nil
		focusAfterRender("composer-text")
	default:
		return false
	}
	return true
}

func (p *chatPage) onReplyCancel(ctx app.Context, e app.Event) {
	p.st.reply = nil
	focusAfterRender("composer-text")
}

// listenMessageKeys makes Enter save and Escape cancel in the inline
// editor, ArrowUp in an empty composer edit one's last message, and typing
// in the composer say so (at most every typingEvery: a render each time).
// Raw listeners, like the composer's: a go-app handler would re-render
// the page on every key.
func (p *chatPage) listenMessageKeys(ctx app.Context) {
	doc := app.Window().Get("document")
	p.listen(doc, "keydown", func(e app.Value) {
		field := e.Get("target")
		key := e.Get("key").String()
		plain := !e.Get("shiftKey").Bool() && !e.Get("altKey").Bool() && !e.Get("ctrlKey").Bool() && !e.Get("metaKey").Bool()
		if plain && field.Get("classList").Call("contains", "pick").Bool() && movePickFocus(field, key) {
			e.Call("preventDefault")
			return
		}
		if plain && moveHitFocus(field, key) {
			e.Call("preventDefault")
			return
		}
		switch field.Get("id").String() {
		case "edit-text":
			if key == "Enter" && plain && !e.Get("isComposing").Bool() {
				e.Call("preventDefault")
				text := field.Get("value").String()
				ctx.Dispatch(func(ctx app.Context) {
					p.saveEdit(ctx, p.msg.editRoom, p.msg.editSeq, text)
				})
			}
		case "composer-text":
			if len(p.msg.suggest) > 0 && !e.Get("isComposing").Bool() {
				switch key {
				case "ArrowDown", "ArrowUp":
					e.Call("preventDefault")
					step := 1
					if key == "ArrowUp" {
						step = len(p.msg.suggest) - 1
					}
					ctx.Dispatch(func(app.Context) {
						if n := len(p.msg.suggest); n > 0 {
							p.msg.suggestSel = (p.msg.suggestSel + step) % n
						}
					})
					return
				case "Enter", "Tab":
					if plain {
						e.Call("preventDefault")
						name := p.msg.suggest[p.msg.suggestSel%len(p.msg.suggest)]
						ctx.Dispatch(func(app.Context) { p.pickMention(name) })
						return
					}
				}
			}
			if key == "ArrowUp" && plain && field.Get("value").String() == "" {
				if seq := p.st.lastMine(p.st.current); seq != 0 {
					e.Call("preventDefault")
					ctx.Dispatch(func(ctx app.Context) { p.startEdit(p.st.current, seq) })
				}
			}
		}
	})
	p.listen(doc, "input", func(e app.Value) {
		field := e.Get("target")
		switch field.Get("id").String() {
		case "edit-text":
			fitComposer(field)
			return
		case "search-text":
			p.searchTyped(ctx, field)
			return
		}
		if field.Get("id").String() != "composer-text" {
			return
		}
		p.suggestMentions(ctx, field)
		if field.Get("value").String() == "" || time.Since(p.msg.typingSent) < typingEvery {
			return
		}
		ctx.Dispatch(func(ctx app.Context) {
			if p.st.typed(&p.msg.typingSent) {
				p.flush(ctx)
			}
		})
	})
}

// movePickFocus moves the focus along the emoji picker's buttons with the
// arrows, Home and End, as in a toolbar (Tab goes along them too, and
// Enter picks the one focused); it reports whether the key was one of
// those. No render: the focus is the DOM's.
func movePickFocus(pick app.Value, key string) bool {
	picks := pick.Get("parentElement").Call("querySelectorAll", ".pick")
	n := picks.Length()
	if n == 0 {
		return false
	}
	at := 0
	for i := 0; i < n; i++ {
		if picks.Index(i).Equal(pick) {
			at = i
		}
	}
	switch key {
	case "ArrowRight", "ArrowDown":
		at = (at + 1) % n
	case "ArrowLeft", "ArrowUp":
		at = (at + n - 1) % n
	case "Home":
		at = 0
	case "End":
		at = n - 1
	default:
		return false
	}
	picks.Index(at).Call("focus")
	return true
}

// afterEvents runs after the server's events are applied: it shows what a
// fetch brought or a seek waited for, and keeps the typing line from
// outliving its word.
func (p *chatPage) afterEvents(ctx app.Context) {
	p.showSought()
	if p.st.typingLine(p.st.current) != "" && !p.msg.typingWake {
		p.msg.typingWake = true
		ctx.After(typingFor+100*time.Millisecond, func(ctx app.Context) {
			p.msg.typingWake = false
			p.afterEvents(ctx)
		})
	}
}

// showSought scrolls to the message sought (a quote's original, a search
// result) or to the first unread, once the state holds it (seek.go).
func (p *chatPage) showSought() {
	if seq := p.st.takeJump(); seq != 0 {
		jumpTo(seq)
	}
	if seq := p.st.takeSeek(); seq != 0 {
		jumpTo(seq)
	}
	if p.st.takeUnreadSeek() {
		jumpToUnread()
	}
}

// renderTyping is the line above the composer that says who is typing.
func (p *chatPage) renderTyping() app.UI {
	return app.P().ID("typing").Class("typing").Aria("live", "polite").Text(p.st.typingLine(p.st.current))
}

// suggestMentions offers the names of the room's people that complete the
// @word before the caret; a render only when what is offered changes.
func (p *chatPage) suggestMentions(ctx app.Context, field app.Value) {
	value := field.Get("value").String()
	units := utf16.Encode([]rune(value))
	caret := min(field.Get("selectionStart").Int(), len(units))
	before := string(utf16.Decode(units[:caret]))
	var names []string
	if _, prefix, ok := mentionPrefix(before); ok {
		names = suggestNames(prefix, p.st.cur().names, p.st.name)
	}
	if len(names) == 0 && len(p.msg.suggest) == 0 {
		return
	}
	ctx.Dispatch(func(app.Context) {
		if !slices.Equal(names, p.msg.suggest) {
			p.msg.suggestSel = 0
		}
		p.msg.suggest, p.msg.suggestBefore = names, before
	})
}

// pickMention puts @name in place of the @word being typed.
func (p *chatPage) pickMention(name string) {
	before := p.msg.suggestBefore
	p.msg.suggest, p.msg.suggestSel = nil, 0
	field := app.Window().GetElementByID("composer-text")
	at, _, ok := mentionPrefix(before)
	if !field.Truthy() || !ok {
		return
	}
	value := field.Get("value").String()
	if !strings.HasPrefix(value, before) {
		return // changed meanwhile
	}
	head := before[:at] + "@" + name + " "
	field.Set("value", head+value[len(before):])
	caret := len(utf16.Encode([]rune(head)))
	field.Call("focus")
	field.Call("setSelectionRange", caret, caret)
	fitComposer(field)
}

func (p *chatPage) onMentionClick(ctx app.Context, e app.Event) {
	p.pickMention(ctx.JSSrc().Get("dataset").Get("name").String())
}

// renderMentions is #mention-list, the names that complete the @word.
func (p *chatPage) renderMentions() app.UI {
	names := p.msg.suggest
	if len(names) == 0 {
		return nil
	}
	return app.Ul().ID("mention-list").Class("mention-list").Role("listbox").Aria("label", "People to mention").Body(
		app.Range(names).Slice(func(i int) app.UI {
			return app.Li().Role("presentation").Body(
				app.Button().Type("button").Class("mention-option").Role("option").
					DataSet("name", names[i]).
					Aria("selected", boolAttr(i == p.msg.suggestSel%len(names))).
					TabIndex(-1).
					OnClick(p.onMentionClick).
					Text("@" + names[i]),
			)
		}),
	)
}
