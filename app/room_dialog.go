package app

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// roomDialog is the "New private room" or "New direct message" dialog:
// one field (a title, or people's names) and the server's refusal.
type roomDialog struct {
	kind string // kindPrivate or kindDirect; "" when closed
	err  string
	busy bool
}

func (p *chatPage) onNewRoom(ctx app.Context, e app.Event) {
	kind := ctx.JSSrc().Get("dataset").Get("kind").String()
	p.dialog = roomDialog{kind: kind}
	p.menuOpen = false
	ctx.Defer(func(app.Context) { focusByID("dialog-input") })
}

func (p *chatPage) closeDialog(ctx app.Context) {
	opener := "new-private"
	switch p.dialog.kind {
	case kindDirect:
		opener = "new-direct"
	case kindBrowse:
		opener = "browse-rooms"
	}
	p.dialog = roomDialog{}
	focusAfterRender(opener)
}

func (p *chatPage) onDialogCancel(ctx app.Context, e app.Event) {
	p.closeDialog(ctx)
}

// onDialogSubmit creates the room, then puts it on screen.
func (p *chatPage) onDialogSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.dialog.busy {
		return
	}
	kind := p.dialog.kind
	typed := strings.TrimSpace(app.Window().GetElementByID("dialog-input").Get("value").String())
	var with []string
	switch {
	case kind == kindPrivate && typed == "":
		p.dialog.err = "Give the room a title."
		return
	case kind == kindDirect:
		if with = splitNames(typed); len(with) == 0 {
			p.dialog.err = "Name at least one person."
			return
		}
	}
	p.dialog.busy, p.dialog.err = true, ""
	loop := p.loop
	ctx.Async(func() {
		ri, err := createRoom(loop, kind, typed, with)
		ctx.Dispatch(func(ctx app.Context) {
			p.dialog.busy = false
			if p.dialog.kind != kind {
				return
			}
			if err != nil {
				p.dialog.err = err.Error()
				return
			}
			p.dialog = roomDialog{}
			p.st.roomCreated(ri)
			p.flush(ctx)
			focusAfterRender("composer-text")
		})
	})
}

// renderDialog is #room-dialog, a modal over the page, when open.
func (p *chatPage) renderDialog() app.UI {
	switch p.dialog.kind {
	case "":
		return nil
	case kindBrowse:
		return p.renderBrowse()
	}
	title, label, hint, button := "New private room", "Title", "Only the people you add or invite can see it.", "Create room"
	if p.dialog.kind == kindDirect {
		title, label, hint, button = "New direct message", "People", "Their names, separated by commas: bo, cy", "Start"
	}
	invalid := "false"
	if p.dialog.err != "" {
		invalid = "true"
	}
	return app.Div().Class("modal-wrap").Body(
		app.Div().Class("modal-backdrop").Aria("hidden", "true").OnClick(p.onDialogCancel),
		app.Div().
			ID("room-dialog").
			Class("modal").
			Role("dialog").
			Aria("modal", "true").
			Aria("labelledby", "dialog-title").
			Body(
				app.Form().ID("dialog-form").OnSubmit(p.onDialogSubmit).Body(
					app.H2().ID("dialog-title").Class("modal-title").Text(title),
					app.Label().For("dialog-input").Class("field-label").Text(label),
					app.Input().ID("dialog-input").Type("text").Name("value").
						MaxLength(200).AutoComplete(false).Spellcheck(false).
						Attr("autocapitalize", "off").Attr("enterkeyhint", "go").
						Aria("invalid", invalid).Aria("describedby", "dialog-hint dialog-error"),
					app.P().ID("dialog-hint").Class("field-hint").Text(hint),
					app.P().ID("dialog-error").Class("form-error").Role("alert").Text(p.dialog.err),
					app.Div().Class("modal-actions").Body(
						app.Button().ID("dialog-cancel").Type("button").Class("button secondary").OnClick(p.onDialogCancel).Text("Cancel"),
						app.Button().ID("dialog-create").Type("submit").Class("button primary").Disabled(p.dialog.busy).Text(button),
					),
				),
			),
	)
}
