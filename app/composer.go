package app

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// renderComposer is #composer: a text field, sent with Enter or the button
// (Shift+Enter is a new line), and #error above it, which shows the last
// error from anywhere.
func (p *chatPage) renderComposer() app.UI {
	invalid := "false"
	if p.st.composerRefused {
		invalid = "true"
	}
	return app.Footer().Class("composer-bar").Body(
		p.renderTyping(),
		app.Div().Class("reply-slot").Body(renderReplyBar(p.st.replyFor(p.st.current), p.onReplyCancel)),
		app.Div().Class("mention-slot").Body(p.renderMentions()),
		app.Div().Class("attach-slot").Body(p.renderAttachments()),
		app.P().
			ID("error").
			Class("error").
			Role("alert").
			Text(p.st.lastError),
		app.Form().
			ID("composer").
			Class("composer").
			Aria("label", "Send a message").
			OnSubmit(p.onSend).
			Body(
				p.renderAttachButton(),
				app.Label().For("composer-text").Class("visually-hidden").Text("Message"),
				p.renderComposerField(invalid),
				app.Span().ID("composer-hint").Class("visually-hidden").Text("Enter sends, Shift+Enter starts a new line."),
				app.Button().
					ID("composer-send").
					Type("submit").
					Class("button primary send").
					Body(
						sendIcon(),
						app.Span().Class("send-label").Text("Send"),
					),
			),
	)
}

// onSend puts the text in the outbox (sendTyped) and clears the field. The
// field is read from the DOM rather than tracked per keystroke: in go-app
// every event handler re-renders the whole page.
func (p *chatPage) onSend(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("composer-text")
	files, keys, wait := p.attach.ready(p.st.current)
	if wait != "" {
		// The text stays in the field, the files in the composer.
		p.st.lastError = wait
		return
	}
	if p.st.sendComposed(input.Get("value").String(), files) != nil {
		return
	}
	for _, key := range keys {
		// Sent: the message holds the files now (its preview is gone
		// with the chip; the list shows the server's thumbnail).
		p.attach.remove(key)
	}
	input.Set("value", "")
	fitComposer(input)
	p.msg.suggest = nil
	p.flush(ctx)
}

// renderAttachButton is the paperclip that opens the file picker (a
// hidden input: its own look cannot be styled), for accounts; a guest's
// says why it cannot. Not in the server's prerendering: there the form
// is a plain one that early.js keeps.
func (p *chatPage) renderAttachButton() app.UI {
	if !app.IsClient {
		return nil
	}
	label := "Attach files"
	if p.st.guest {
		label = "Attach files (sign up to share files)"
	}
	return app.Div().Class("attach").Body(
		app.Input().ID("file-input").Type("file").Multiple(true).Class("visually-hidden").
			TabIndex(-1).Aria("hidden", "true"),
		app.Button().ID("attach-files").Type("button").Class("icon-button attach-button").
			Title(label).Aria("label", label).OnClick(p.onAttachClick).Body(paperclipIcon()),
	)
}

// renderComposerField is #composer-text. In the browser it is a textarea
// that grows with its text, up to a few lines (chat.css caps it), where
// Enter sends (listenComposer) and Shift+Enter starts a new line. The
// server's prerendering, which is what a person types into until app.wasm
// runs, has a one-line input instead: there a plain Enter must submit the
// form, which early.js keeps in the page and the app then sends
// (early.go); a textarea would take that Enter as a new line.
func (p *chatPage) renderComposerField(invalid string) app.UI {
	placeholder := "Message " + p.st.roomHeading(p.st.current)
	if !app.IsClient {
		return app.Input().
			ID("composer-text").
			Name("text").
			Type("text").
			Class("composer-field").
			Placeholder(placeholder).
			AutoComplete(false).
			Attr("enterkeyhint", "send").
			Aria("invalid", invalid).
			Aria("describedby", "error")
	}
	return app.Textarea().
		ID("composer-text").
		Name("text").
		Class("composer-field").
		Rows(1).
		Placeholder(placeholder).
		Attr("autocomplete", "off").
		Attr("enterkeyhint", "send").
		Aria("invalid", invalid).
		Aria("describedby", "error composer-hint")
}

// listenComposer makes Enter send and keeps the composer as tall as its
// text. Raw listeners on the document rather than go-app handlers: a
// go-app handler re-renders the page on every key typed, and the
// document's listeners outlive a re-rendered field.
func (p *chatPage) listenComposer() {
	doc := app.Window().Get("document")
	// sent is true from an Enter that sent until that key is up: the line
	// break the key would type is not typed into the emptied field, even
	// where the browser delivers it despite the keydown's preventDefault
	// (a key event synthesized through DevTools does).
	sent := false
	p.listen(doc, "keydown", func(e app.Value) {
		sent = false // a key up missed (the focus moved away) ends it too
		field := e.Get("target")
		if field.Get("id").String() != "composer-text" || field.Get("tagName").String() != "TEXTAREA" ||
			e.Get("key").String() != "Enter" || e.Get("shiftKey").Bool() || e.Get("altKey").Bool() ||
			// An input method composing a word takes its own Enter.
			e.Get("isComposing").Bool() || e.Get("keyCode").Int() == 229 {
			return
		}
		if len(p.msg.suggest) > 0 {
			// Enter picks the name offered (listenMessageKeys); its line
			// break is kept out like a send's.
			sent = true
			return
		}
		e.Call("preventDefault")
		sent = true
		form := field.Get("form")
		switch {
		case !form.Truthy():
		case form.Get("requestSubmit").Truthy():
			form.Call("requestSubmit")
		default: // Safari before 16
			if send := doc.Call("getElementById", "composer-send"); send.Truthy() {
				send.Call("click")
			}
		}
	})
	p.listen(doc, "beforeinput", func(e app.Value) {
		switch e.Get("inputType").String() {
		case "insertLineBreak", "insertParagraph":
			if sent && e.Get("target").Get("id").String() == "composer-text" {
				e.Call("preventDefault")
			}
		}
	})
	p.listen(doc, "keyup", func(e app.Value) {
		if e.Get("key").String() == "Enter" {
			sent = false
		}
	})
	p.listen(doc, "input", func(e app.Value) {
		if field := e.Get("target"); field.Get("id").String() == "composer-text" {
			fitComposer(field)
		}
	})
	// A narrower window (a phone turned, a split screen) wraps the text
	// anew: the field's height follows.
	p.listen(app.Window(), "resize", func(app.Value) {
		fitComposer(app.Window().GetElementByID("composer-text"))
	})
}

// fitComposer sets the textarea's height to its text's, which chat.css
// caps (past it, the field scrolls).
func fitComposer(field app.Value) {
	if !field.Truthy() || field.Get("tagName").String() != "TEXTAREA" {
		return
	}
	style := field.Get("style")
	style.Set("height", "auto")
	borders := field.Get("offsetHeight").Float() - field.Get("clientHeight").Float()
	style.Set("height", strconv.FormatFloat(field.Get("scrollHeight").Float()+borders, 'f', -1, 64)+"px")
}

// sendIcon is a paper plane, decorative: the button's name is its label.
func sendIcon() app.UI {
	return app.Raw(`<svg class="send-icon" aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" fill="currentColor"/></svg>`)
}
