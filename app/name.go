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
	return sideForm{
		id: "name-form", class: "name-form", label: "Your name",
		inputID: "name", input: app.Input().Name("name").Value(p.st.name), hint: "done",
		button: "name-save", buttonText: "Save",
		errID: "name-error", err: p.st.nameError,
	}.render(p.onNameSubmit)
}

// sideForm is a one-field form of the sidebar: a label, a text input with
// its submit button, and the refusal under them, tied together for
// assistive technology.
type sideForm struct {
	id, class, label   string
	inputID            string
	input              app.HTMLInput // with what differs from form to form (name, value, limits)
	hint               string        // the on-screen keyboard's enter key: enterkeyhint
	button, buttonText string
	errID, err         string
}

func (f sideForm) render(onSubmit app.EventHandler) app.UI {
	invalid := "false"
	if f.err != "" {
		invalid = "true"
	}
	return app.Form().
		ID(f.id).
		Class(strings.TrimSpace("side-form "+f.class)).
		Aria("label", f.label).
		OnSubmit(onSubmit).
		Body(
			app.Label().For(f.inputID).Class("side-label").Text(f.label),
			app.Div().Class("field-row").Body(
				f.input.
					ID(f.inputID).
					Type("text").
					AutoComplete(false).
					Spellcheck(false).
					Attr("autocapitalize", "off").
					Attr("enterkeyhint", f.hint).
					Aria("invalid", invalid).
					Aria("describedby", f.errID),
				app.Button().ID(f.button).Type("submit").Class("button secondary").Text(f.buttonText),
			),
			app.P().ID(f.errID).Class("field-error").Aria("live", "polite").Text(f.err),
		)
}

// onNameSubmit checks and keeps a new name (rename). The field is read
// from the DOM rather than tracked per keystroke: in go-app every event
// handler re-renders the whole page.
func (p *chatPage) onNameSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	input := app.Window().GetElementByID("name")
	name, err := p.st.rename(input.Get("value").String())
	if err != nil {
		return
	}
	input.Set("value", name) // the trimmed form, which the virtual DOM may already hold
	saveName(ctx.LocalStorage(), name)
	p.flush(ctx)
}

// rename checks a new name and takes it, and tells the server at once when
// connected; a refusal is shown next to the field and in #error. It returns
// the name as taken (trimmed).
func (s *chatState) rename(typed string) (string, error) {
	name := strings.TrimSpace(typed)
	if err := wire.ValidName(name); err != nil {
		s.nameError = errorText(err)
		s.lastError = s.nameError
		return name, err
	}
	if s.lastError == s.nameError {
		s.lastError = ""
	}
	s.nameError = ""
	if name != s.name {
		s.name = name
		s.emit(s.helloEvent())
	}
	return name, nil
}
