package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// renderComposer is #composer: one text field, sent with Enter or the button,
// and #error above it, which shows the last error from anywhere.
func (p *chatPage) renderComposer() app.UI {
	invalid := "false"
	if p.composerInvalid {
		invalid = "true"
	}
	return app.Footer().Class("composer-bar").Body(
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
				app.Label().For("composer-text").Class("visually-hidden").Text("Message"),
				app.Input().
					ID("composer-text").
					Name("text").
					Type("text").
					Placeholder("Message #"+p.st.current).
					AutoComplete(false).
					Attr("enterkeyhint", "send").
					Aria("invalid", invalid).
					Aria("describedby", "error"),
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

// onSend checks the text, puts it in the outbox and clears the field. The
// field is read from the DOM rather than tracked per keystroke: in go-app
// every event handler re-renders the whole page.
func (p *chatPage) onSend(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("composer-text")
	text := strings.TrimSpace(input.Get("value").String())
	if err := wire.ValidText(text); err != nil {
		p.st.lastError = errorText(err)
		p.composerInvalid = true
		return
	}
	p.composerInvalid = false
	p.st.lastError = ""
	input.Set("value", "")
	p.st.queue(newClientID(), text)
	p.flush(ctx)
}

// sendIcon is a paper plane, decorative: the button's name is its label.
func sendIcon() app.UI {
	return app.Raw(`<svg class="send-icon" aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" fill="currentColor"/></svg>`)
}
