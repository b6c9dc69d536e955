package app

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The frame and the form pieces shared by the pages of accounts (sign in,
// sign up, account, admin, invitation): a card on the page's background,
// with the brand and a way back to the chat.

// authShell is a page of its own: the brand, a heading and the body. wide
// makes room for lists (account, admin). In the browser the page carries
// data-ready once app.wasm runs it (tests wait for that before typing:
// what is typed into the server's prerendering is held by early.js).
func authShell(id, heading string, wide bool, body ...app.UI) app.UI {
	class := "auth-card"
	if wide {
		class += " wide"
	}
	ready := ""
	if app.IsClient {
		ready = "true"
	}
	return app.Div().ID(id).Class("auth-page").DataSet("ready", ready).Body(
		app.Main().Class(class).Body(
			app.A().Class("auth-brand").Href("/").Body(
				app.Img().Class("logo").Src("/web/icon.svg").Alt("").Width(32).Height(32),
				app.Span().Class("brand-name").Text("Chat"),
			),
			app.H1().ID("page-title").Class("auth-title").Text(heading),
			app.Div().Class("auth-body").Body(body...),
		),
	)
}

// field is one labelled input of a form, with an optional hint under it.
type field struct {
	id, label, kind string // kind: the input's type
	autocomplete    string
	hint            string
	maxLength       int
	value           string
}

func (f field) render() app.UI {
	in := app.Input().ID(f.id).Name(f.id).Type(f.kind).
		Attr("autocomplete", f.autocomplete).Spellcheck(false).
		Attr("autocapitalize", "off").Required(true).Value(f.value)
	if f.maxLength > 0 {
		in = in.MaxLength(f.maxLength)
	}
	if f.hint != "" {
		in = in.Aria("describedby", f.id+"-hint")
	}
	return app.Div().Class("field").Body(
		app.Label().For(f.id).Class("field-label").Text(f.label),
		in,
		app.If(f.hint != "", func() app.UI {
			return app.P().ID(f.id + "-hint").Class("field-hint").Text(f.hint)
		}),
	)
}

// formError is a form's refusal, read out when it changes. It is always
// in the page (empty, hidden by CSS) so that the alert is announced.
func formError(id, text string) app.UI {
	return app.P().ID(id).Class("form-error").Role("alert").Text(text)
}

// formNote is a form's success, said politely.
func formNote(id, text string) app.UI {
	return app.P().ID(id).Class("form-note").Role("status").Text(text)
}

// fieldValue reads an input of the page. Forms read their fields from the
// DOM on submit rather than on every keystroke: in go-app every event
// handler re-renders the whole page.
func fieldValue(id string) string {
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return ""
	}
	return el.Get("value").String()
}

func setFieldValue(id, v string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", v)
	}
}

// localNext is where to go after signing in: a path of this site only, so
// that a link cannot send a person elsewhere (an open redirect); "/" for
// anything else.
func localNext(raw string) string {
	if raw == "" || !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.HasPrefix(raw, "/\\") {
		return "/"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return u.RequestURI()
}

// withNext adds ?next= to a page's path, unless next is the chat itself.
func withNext(path, next string) string {
	if next == "" || next == "/" {
		return path
	}
	return path + "?" + url.Values{"next": {next}}.Encode()
}

// roomURL is the chat with a room on screen.
func roomURL(room string) string {
	if room == "" {
		return "/"
	}
	return "/?" + url.Values{"room": {room}}.Encode()
}

// takeEarlyForm hands a page what was typed into its prerendered form
// before app.wasm ran (early.js holds it): the fields get their text back
// and, when the form was submitted meanwhile, submit runs as if it had
// been there.
func takeEarlyForm(ctx app.Context, form string, submit func(app.Context)) {
	in := takeEarlyInput()
	values := in.Values
	submitted := false
	for _, s := range in.Submits {
		if s.Form != form {
			continue
		}
		submitted = true
		for id, v := range s.Values {
			if values == nil {
				values = make(map[string]string)
			}
			values[id] = v
		}
	}
	if len(values) == 0 && !submitted {
		return
	}
	ctx.Defer(func(ctx app.Context) {
		for id, v := range values {
			if v != "" {
				setFieldValue(id, v)
			}
		}
		if in.Focus != "" {
			focusByID(in.Focus)
		}
		if submitted {
			submit(ctx)
		}
	})
}
