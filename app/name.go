package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// nameKey is where the chosen name is kept in the browser's localStorage.
const nameKey = "chat.name"

// loadName returns the name remembered in storage, or makes up and
// remembers a default one. A stored name that no longer passes
// wire.ValidName (the rules may tighten) is replaced.
func loadName(storage app.BrowserStorage) string {
	var name string
	if err := storage.Get(nameKey, &name); err == nil && wire.ValidName(name) == nil {
		return name
	}
	name = wire.GuestName() // guest-1234: chat at once, rename later
	saveName(storage, name)
	return name
}

// identityKey is where this browser's presence identity is kept.
const identityKey = "chat.id"

// loadIdentity returns this browser's identity, made up on the first visit.
// Every tab sends it in hello, so that presence counts a person with several
// tabs open once, and two guests who drew the same name twice.
func loadIdentity(storage app.BrowserStorage) string {
	var id string
	if err := storage.Get(identityKey, &id); err == nil && wire.ValidID(id) == nil {
		return id
	}
	id = newClientID()
	if err := storage.Set(identityKey, id); err != nil {
		app.Log("chat: saving the browser id:", err)
	}
	return id
}

// saveName remembers the name. Storage can be full or switched off (private
// windows); the name then lasts for this page only, which is no reason to
// bother anyone.
func saveName(storage app.BrowserStorage, name string) {
	if err := storage.Set(nameKey, name); err != nil {
		app.Log("chat: saving the name:", err)
	}
}

// renderNameForm is the nickname form: #name-form, #name and its save
// button, with the refusal next to the field.
func (p *chatPage) renderNameForm() app.UI {
	invalid := "false"
	if p.st.nameError != "" {
		invalid = "true"
	}
	return app.Form().
		ID("name-form").
		Class("side-form name-form").
		Aria("label", "Your name").
		OnSubmit(p.onNameSubmit).
		Body(
			app.Label().For("name").Class("side-label").Text("Your name"),
			app.Div().Class("field-row").Body(
				app.Input().
					ID("name").
					Name("name").
					Type("text").
					Value(p.st.name).
					AutoComplete(false).
					Spellcheck(false).
					Attr("autocapitalize", "off").
					Attr("enterkeyhint", "done").
					Aria("invalid", invalid).
					Aria("describedby", "name-error"),
				app.Button().
					ID("name-save").
					Type("submit").
					Class("button secondary").
					Text("Save"),
			),
			app.P().
				ID("name-error").
				Class("field-error").
				Aria("live", "polite").
				Text(p.st.nameError),
		)
}

// onNameSubmit checks and keeps a new name, and tells the server at once
// when connected. The field is read from the DOM rather than tracked per
// keystroke: in go-app every event handler re-renders the whole page.
func (p *chatPage) onNameSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("name")
	name := strings.TrimSpace(input.Get("value").String())
	if err := wire.ValidName(name); err != nil {
		p.st.nameError = errorText(err)
		p.st.lastError = p.st.nameError
		return
	}
	if p.st.lastError == p.st.nameError {
		p.st.lastError = ""
	}
	p.st.nameError = ""
	input.Set("value", name) // the trimmed form, which the virtual DOM may already hold
	saveName(ctx.LocalStorage(), name)
	if name == p.st.name {
		return
	}
	p.st.name = name
	p.st.emit(p.st.helloEvent())
	p.flush(ctx)
}
