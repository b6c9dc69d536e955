package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// meKey is where the last known session's person is kept: a reload shows
// who they are at once (offline too), and a page that finds someone else
// signed in knows to forget what the browser kept for the one before.
const meKey = "chat.me"

// loadMe returns the person remembered in storage; the zero user when
// there is none or it is unreadable.
func loadMe(storage app.BrowserStorage) user {
	var me user
	if err := storage.Get(meKey, &me); err != nil || me.ID == "" || wire.ValidName(me.Name) != nil {
		return user{}
	}
	return me
}

// saveMe remembers who is signed in. Storage can be full or switched off
// (private windows); it is then asked again on the next visit.
func saveMe(storage app.BrowserStorage, me user) {
	if err := storage.Set(meKey, me); err != nil {
		app.Log("chat: saving who is signed in:", err)
	}
}

// forgetChat removes everything the chat keeps in the browser for the
// person signed in: their rooms, messages (private ones among them) and
// outbox. It runs when someone else signs in here, and on signing out, so
// that the next person sees nothing of the last one's.
func forgetChat(storage app.BrowserStorage) {
	var keys []string
	storage.ForEach(func(k string) {
		if k == roomsKey || k == outboxKey || k == meKey || strings.HasPrefix(k, roomKeyPrefix) {
			keys = append(keys, k)
		}
	})
	for _, k := range keys {
		storage.Del(k)
	}
}

// identityKey is where this browser's presence identity is kept.
const identityKey = "chat.id"

// loadIdentity returns this browser's identity, made up on the first visit.
// Every tab sends it in hello, so that presence counts a person with several
// tabs open once (the server counts an account by its id anyway).
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
