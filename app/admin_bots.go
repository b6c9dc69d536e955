package app

import (
	"context"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminBots is /admin's Bots section: make a bot (a name, a webhook if it
// answers mentions), its token and secret shown once, the list, a new
// token, revoke. A component of its own, so that its state stays out of
// the admin page's.
type adminBots struct {
	app.Compo

	bots    []bot
	loadErr string
	err     string
	note    string
	busy    bool
	// shown is the keys the server just gave, shown until the admin
	// leaves the page: the server keeps only a hash of the token.
	shown     *botKeys
	copied    string // which of them was copied: "token" or "secret"
	confirmID string // the bot whose revoke waits for a second click

	// home is the component's own context, for work that outlives the
	// button that started it: go-app drops a Dispatch whose source
	// element is gone, and a revoked bot's row (its button) goes.
	home app.Context
}

func (b *adminBots) OnMount(ctx app.Context) {
	b.home = ctx
	b.load(ctx)
}

func (b *adminBots) load(ctx app.Context) {
	ctx.Async(func() {
		list, err := fetchBots(context.Background())
		ctx.Dispatch(func(app.Context) {
			if err != nil {
				b.loadErr = err.Error()
				return
			}
			b.bots, b.loadErr = list, ""
		})
	})
}

func (b *adminBots) Render() app.UI {
	return app.Section().ID("bots-section").Class("auth-section").Aria("labelledby", "bots-title").Body(
		app.H2().ID("bots-title").Class("auth-subtitle").Text("Bots"),
		app.P().Class("field-hint").Text("A bot posts with a token (POST /api/rooms/{room}/messages); with a webhook it is called when mentioned or sent a direct message."),
		app.Form().ID("bot-form").Class("auth-form").OnSubmit(b.onCreate).Body(
			field{id: "bot-name", label: "Name", kind: "text", autocomplete: "off", maxLength: 24,
				hint: "Letters, digits, - and _: people mention it as @name."}.render(),
			app.Div().Class("field").Body(
				app.Label().For("bot-webhook").Class("field-label").Text("Webhook URL (optional)"),
				app.Input().ID("bot-webhook").Name("bot-webhook").Type("url").Attr("autocomplete", "off").
					Spellcheck(false).Placeholder("https://ci.example.org/chat"),
			),
			formError("bot-error", b.err),
			formNote("bot-note", b.note),
			app.Button().ID("bot-create").Type("submit").Class("button primary").Disabled(b.busy).Text("Make a bot"),
		),
		b.renderKeys(),
		formError("bots-error", b.loadErr),
		app.If(len(b.bots) == 0, func() app.UI {
			return app.P().ID("no-bots").Class("field-hint").Text("No bots yet.")
		}).Else(func() app.UI {
			return app.Ul().ID("bots").Class("bot-list").Body(
				app.Range(b.bots).Slice(func(i int) app.UI { return b.renderBot(b.bots[i]) }),
			)
		}),
	)
}

// renderKeys is the token (and secret) just made, with copy buttons and
// the word that they will not be shown again.
func (b *adminBots) renderKeys() app.UI {
	if b.shown == nil {
		return nil
	}
	k := b.shown
	key := func(id, label, value, which string) app.UI {
		copyLabel := "Copy"
		if b.copied == which {
			copyLabel = "Copied"
		}
		return app.Div().Class("field bot-key").Body(
			app.Label().For(id).Class("field-label").Text(label),
			app.Div().Class("copy-row").Body(
				app.Input().ID(id).Type("text").ReadOnly(true).Value(value).Spellcheck(false),
				app.Button().ID(id+"-copy").Type("button").Class("button secondary small").
					DataSet("which", which).DataSet("value", value).
					Aria("label", "Copy the "+strings.ToLower(label)).OnClick(b.onCopy).Text(copyLabel),
			),
		)
	}
	return app.Div().ID("bot-keys").Class("bot-keys").Role("region").Aria("label", "Keys of "+k.Bot.Name).Body(
		app.P().ID("bot-once").Class("bot-once").Body(
			app.Strong().Text("Shown once. "),
			app.Text("Copy them now and keep them safe: the server keeps no copy, and a lost token can only be replaced with a new one."),
		),
		key("bot-token", "Token of "+k.Bot.Name, k.Token, "token"),
		app.If(k.Secret != "", func() app.UI {
			return key("bot-secret", "Webhook secret (signs its calls)", k.Secret, "secret")
		}),
	)
}

func (b *adminBots) renderBot(x bot) app.UI {
	confirming := b.confirmID == x.ID
	return app.Li().Class("bot-row").DataSet("bot", x.ID).Body(
		app.Div().Class("bot-about").Body(
			app.Span().Class("bot-name").Text(x.Name),
			app.Span().Class("bot-meta").Text(botMeta(x)),
		),
		app.Div().Class("bot-actions").Body(
			app.Button().Type("button").Class("button secondary small bot-rotate").
				DataSet("bot", x.ID).DataSet("name", x.Name).Aria("label", "New token for "+x.Name).
				Disabled(b.busy).OnClick(b.onRotate).Text("New token"),
			app.Button().Type("button").Class("button danger small bot-revoke").
				DataSet("bot", x.ID).DataSet("name", x.Name).Aria("label", revokeLabel(x.Name, confirming)).
				Disabled(b.busy).OnClick(b.onRevoke).Text(revokeLabel("", confirming)),
		),
	)
}

func revokeLabel(name string, confirming bool) string {
	label := "Revoke"
	if confirming {
		label = "Yes, revoke"
	}
	if name != "" {
		label += " " + name
	}
	return label
}

func botMeta(x bot) string {
	meta := "made " + shortTime(x.Created)
	if x.Webhook != "" {
		meta += " · webhook " + x.Webhook
	}
	return meta
}

func (b *adminBots) onCreate(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if b.busy {
		return
	}
	name := strings.TrimSpace(fieldValue("bot-name"))
	webhook := strings.TrimSpace(fieldValue("bot-webhook"))
	if name == "" {
		b.err, b.note = "Give the bot a name.", ""
		return
	}
	b.busy, b.err, b.note = true, "", ""
	b.home.Async(func() {
		k, err := createBot(context.Background(), name, webhook)
		b.home.Dispatch(func(ctx app.Context) {
			b.busy = false
			if err != nil {
				b.err = err.Error()
				return
			}
			setFieldValue("bot-name", "")
			setFieldValue("bot-webhook", "")
			b.shown, b.copied = &k, ""
			b.note = k.Bot.Name + " is made."
			b.load(ctx)
			focusAfterRender("bot-token")
		})
	})
}

// onRotate gives the bot a new token; the old one stops at once.
func (b *adminBots) onRotate(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	id, name := data.Get("bot").String(), data.Get("name").String()
	b.busy, b.err, b.note, b.confirmID = true, "", "", ""
	b.home.Async(func() {
		token, err := rotateBotToken(context.Background(), id)
		b.home.Dispatch(func(app.Context) {
			b.busy = false
			if err != nil {
				b.err = err.Error()
				return
			}
			b.shown, b.copied = &botKeys{Bot: bot{ID: id, Name: name}, Token: token}, ""
			b.note = name + " has a new token; the old one no longer works."
			focusAfterRender("bot-token")
		})
	})
}

// onRevoke asks once more, then revokes: the token stops on every node
// and the name stays taken.
func (b *adminBots) onRevoke(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	id, name := data.Get("bot").String(), data.Get("name").String()
	if b.confirmID != id {
		b.confirmID = id
		return
	}
	b.busy, b.err, b.note, b.confirmID = true, "", "", ""
	b.home.Async(func() {
		err := revokeBot(context.Background(), id)
		b.home.Dispatch(func(ctx app.Context) {
			b.busy = false
			if err != nil {
				b.err = err.Error()
				return
			}
			if b.shown != nil && b.shown.Bot.ID == id {
				b.shown = nil
			}
			b.note = name + " is revoked: its token no longer works."
			b.load(ctx)
		})
	})
}

func (b *adminBots) onCopy(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	which, value := data.Get("which").String(), data.Get("value").String()
	copyText(ctx, value, func(ok bool) {
		if ok {
			b.copied = which
		} else {
			b.err = "Could not copy: select the text and copy it."
		}
	})
}
