package app

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// earlyScript keeps the prerendered page's forms from submitting before
// app.wasm runs and holds what was typed in them (see its comment). It is
// loaded in the head, before the body, so that nothing can be submitted
// before it listens.
const earlyScript = "/web/early.js"

// earlyInput is what was typed into the prerendered page before the app
// ran, as earlyScript holds it: the fields by id.
type earlyInput struct {
	Values  map[string]string `json:"values"` // typed and not submitted
	Submits []earlySubmit     `json:"submits"`
	Focus   string            `json:"focus"` // the field last focused
}

type earlySubmit struct {
	Form   string            `json:"form"`
	Values map[string]string `json:"values"`
}

// takeEarlyInput takes what earlyScript holds and stops it: from now on the
// app's handlers have the forms.
func takeEarlyInput() earlyInput {
	var in earlyInput
	early := app.Window().Get("chatEarly")
	if !early.Truthy() {
		return in
	}
	if err := json.Unmarshal([]byte(early.Call("take").String()), &in); err != nil {
		app.Log("chat: reading what was typed before the app ran:", err)
	}
	return in
}

// replayEarly acts on what was submitted before the app ran, in order, as
// the forms' handlers would have: messages go in the outbox, rooms are
// joined. It returns the text of each field for the
// app's page: what was typed and not submitted, or a submit it refused
// (with the reason where the form shows one), so that nothing typed is lost.
func (s *chatState) replayEarly(in earlyInput) map[string]string {
	fields := make(map[string]string, len(in.Values))
	for id, text := range in.Values {
		fields[id] = text
	}
	putBack := func(id, text string) {
		if fields[id] == "" {
			fields[id] = text
		}
	}
	for _, sub := range in.Submits {
		switch sub.Form {
		case "composer":
			if text := sub.Values["composer-text"]; s.sendTyped(text) != nil {
				putBack("composer-text", text)
			}
		case "room-form":
			if typed := sub.Values["room-name"]; !s.join(typed) {
				putBack("room-name", typed)
			}
		}
	}
	return fields
}

// takeEarly hands the app what was typed before it ran: what was submitted
// is acted on now (replayEarly), and each field gets its text back, and the
// focus, once the app's page is on screen.
func (p *chatPage) takeEarly(ctx app.Context) {
	in := takeEarlyInput()
	if len(in.Submits) == 0 && len(in.Values) == 0 {
		return
	}
	fields := p.st.replayEarly(in)
	ctx.Defer(func(app.Context) {
		for id, text := range fields {
			if el := app.Window().GetElementByID(id); text != "" && el.Truthy() {
				el.Set("value", text)
			}
		}
		if in.Focus != "" {
			focusByID(in.Focus)
		}
	})
}
