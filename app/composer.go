package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// renderComposer is #composer: one text field, sent with Enter or the button,
// and #error above it, which shows the last error from anywhere.
func (p *chatPage) renderComposer() app.UI {
	invalid := "false"
	if p.st.composerRefused {
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
					Placeholder("Message "+p.st.roomHeading(p.st.current)).
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

// onSend puts the text in the outbox (sendTyped) and clears the field. The
// field is read from the DOM rather than tracked per keystroke: in go-app
// every event handler re-renders the whole page.
func (p *chatPage) onSend(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("composer-text")
	if p.st.sendTyped(input.Get("value").String()) != nil {
		return
	}
	input.Set("value", "")
	p.flush(ctx)
}

// sendIcon is a paper plane, decorative: the button's name is its label.
func sendIcon() app.UI {
	return app.Raw(`<svg class="send-icon" aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" fill="currentColor"/></svg>`)
}
