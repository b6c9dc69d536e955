package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// linkRel is every link's rel: the page it opens gets no handle on ours
// (noopener), no address of ours (noreferrer), and no credit from us
// (nofollow: anyone can post a link).
const linkRel = "noopener noreferrer nofollow"

// renderText is a message's text, div.text: parseRich's spans as go-app
// elements, every character a person typed in a text node. It is a div,
// not a p, because a code block is a pre. Only the browser renders
// messages (they come from its storage and the socket): go-app's server
// HTML, which indents children, would show that indentation under
// white-space: pre-wrap.
func renderText(text string) app.UI {
	spans := parseRich(text)
	return app.Div().Class("text").Body(
		app.Range(spans).Slice(func(i int) app.UI {
			return renderSpan(spans[i])
		}),
	)
}

func renderSpan(sp richSpan) app.UI {
	switch sp.Kind {
	case richLink:
		return app.A().
			Href(sp.Text).
			Rel(linkRel).
			Target("_blank").
			Text(sp.Text)
	case richCode:
		return app.Code().Class("code").Text(sp.Text)
	case richBlock:
		// Focusable, so that a keyboard can scroll a long line into view.
		pre := app.Pre().Class("code-block").TabIndex(0)
		if sp.Lang != "" {
			pre = pre.DataSet("lang", sp.Lang)
		}
		return pre.Body(app.Code().Text(sp.Text))
	}
	return app.Text(sp.Text)
}
