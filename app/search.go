package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Search: a panel over the messages with a field, found by the "Search"
// button of the room's header, Ctrl+K (⌘K) or "/" when not typing; it
// lists what GET /api/search finds as the person types, and a result
// clicked opens its room at the message (seek.go: loaded on demand when
// it is older than what the room holds). Escape closes it; the results
// stay for the next time it opens.

// searchUI is the panel's state, on the UI goroutine like the page's.
type searchUI struct {
	open  bool
	query string // the query of the results shown, or of the search under way
	busy  bool   // a search is under way
	done  bool   // hits are the answer for query
	err   string // why the last search failed
	hits  []searchHit
	words []string // the folded words hits answer: what is marked in them
	asked int      // counts searches: a late answer to an older query is dropped

	typed int // counts inputs in the field, for the pause before searching
}

// searchPause is how long typing must stop before the field's words are
// looked for: one request a pause, not one a key.
const searchPause = 250 * time.Millisecond

func (p *chatPage) openSearch(ctx app.Context) {
	if p.dialog.kind != "" {
		return
	}
	p.search.open = true
	p.menuOpen = false
	// The field is new each time the panel opens: it gets the last query
	// back here, not from a value attribute, which a render could put
	// back over what is being typed.
	q := p.search.query
	whenInPage("#search-text", func(el app.Value) {
		if el.Get("value").String() == "" {
			el.Set("value", q)
		}
		el.Call("focus")
		el.Call("select")
	})
}

func (p *chatPage) closeSearch(ctx app.Context) {
	p.search.open = false
	focusAfterRender("search-open")
}

func (p *chatPage) onSearchOpen(ctx app.Context, e app.Event) {
	if p.search.open {
		p.closeSearch(ctx)
		return
	}
	p.openSearch(ctx)
}

func (p *chatPage) onSearchClose(ctx app.Context, e app.Event) { p.closeSearch(ctx) }

// onSearchSubmit searches at once on Enter.
func (p *chatPage) onSearchSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.runSearch(ctx, app.Window().GetElementByID("search-text").Get("value").String())
}

// searchTyped runs from the field's raw input listener (a go-app handler
// would render the page at every key): the search goes once typing
// pauses. The count of inputs changes on the UI goroutine, without a
// render.
func (p *chatPage) searchTyped(ctx app.Context, field app.Value) {
	ctx.Dispatch(func(ctx app.Context) {
		ctx.PreventUpdate()
		p.search.typed++
		n := p.search.typed
		ctx.After(searchPause, func(ctx app.Context) {
			if n != p.search.typed || !p.search.open {
				ctx.PreventUpdate() // typed again since, or closed
				return
			}
			p.runSearch(ctx, field.Get("value").String())
		})
	})
}

// runSearch asks the server for q, off the UI goroutine; an answer comes
// back in ctx.Dispatch and counts only if no other search started since.
func (p *chatPage) runSearch(ctx app.Context, q string) {
	q = strings.TrimSpace(q)
	if q == p.search.query && (p.search.busy || p.search.done) {
		return
	}
	p.search.query, p.search.err, p.search.done = q, "", false
	p.search.asked++
	if len(searchWords(q)) == 0 {
		p.search.hits, p.search.words, p.search.busy = nil, nil, false
		return
	}
	p.search.busy = true
	n, loop := p.search.asked, p.loop
	ctx.Async(func() {
		hits, err := searchMessages(loop, q)
		ctx.Dispatch(func(ctx app.Context) {
			if p.search.asked != n {
				return
			}
			p.search.busy = false
			if err != nil {
				p.search.err = "Search failed: " + err.Error()
				return
			}
			p.search.hits, p.search.words, p.search.done = hits, searchWords(q), true
		})
	})
}

// onHitClick opens a result's room at its message. The result is read
// from the button: go-app keeps a row's first handler.
func (p *chatPage) onHitClick(ctx app.Context, e app.Event) {
	data := ctx.JSSrc().Get("dataset")
	room := data.Get("room").String()
	seq, err := strconv.ParseUint(data.Get("seq").String(), 10, 64)
	if err != nil {
		return
	}
	if !p.st.join(room) {
		// Over the limit of rooms, say: the reason is the room form's,
		// which a phone's drawer hides; the panel says it too.
		p.search.err = p.st.roomError
		return
	}
	p.search.open = false
	p.st.seekMessage(room, seq)
	p.showSought()
	p.flush(ctx)
	focusAfterRender("timeline")
}

// moveHitFocus moves the focus with the arrows from the search field down
// the results and back up to the field (Enter opens the result focused,
// as a button does); it reports whether it did. No render: the focus is
// the DOM's.
func moveHitFocus(from app.Value, key string) bool {
	if key != "ArrowDown" && key != "ArrowUp" {
		return false
	}
	doc := app.Window().Get("document")
	hits := doc.Call("querySelectorAll", "#search-results .search-hit")
	n := hits.Length()
	at := -1 // the field
	switch {
	case from.Get("id").String() == "search-text":
	case from.Get("classList").Call("contains", "search-hit").Bool():
		for i := 0; i < n; i++ {
			if hits.Index(i).Equal(from) {
				at = i
			}
		}
	default:
		return false
	}
	next := at + 1
	if key == "ArrowUp" {
		next = at - 1
	}
	switch {
	case next < 0:
		if field := doc.Call("getElementById", "search-text"); field.Truthy() && at >= 0 {
			field.Call("focus")
			return true
		}
		return false
	case next >= n:
		return at >= 0 // at the last result: stay
	}
	hits.Index(next).Call("focus")
	return true
}

// isTyping reports whether a key went to a field: "/" there is text.
func isTyping(target app.Value) bool {
	if !target.Truthy() {
		return false
	}
	switch strings.ToLower(target.Get("tagName").String()) {
	case "input", "textarea", "select":
		return true
	}
	return target.Get("isContentEditable").Bool()
}

// searchKey reports whether a keydown opens the search: Ctrl+K or ⌘K
// anywhere, "/" outside a field.
func searchKey(e app.Value) bool {
	key := e.Get("key").String()
	if (key == "k" || key == "K") && (e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool()) && !e.Get("altKey").Bool() {
		return true
	}
	return key == "/" && !e.Get("ctrlKey").Bool() && !e.Get("metaKey").Bool() && !e.Get("altKey").Bool() && !isTyping(e.Get("target"))
}

// renderSearchButton is the header's way into the search: a field's look
// on a wide screen, a magnifier on a phone.
func (p *chatPage) renderSearchButton() app.UI {
	return app.Button().ID("search-open").Type("button").Class("search-open").
		Title("Search messages (Ctrl+K)").
		Aria("label", "Search messages").
		Aria("keyshortcuts", "Control+K /").
		Aria("expanded", boolAttr(p.search.open)).
		Aria("controls", "search-panel").
		OnClick(p.onSearchOpen).
		Body(
			searchIcon(),
			app.Span().Class("search-open-text").Aria("hidden", "true").Text("Search"),
			app.Kbd().Class("search-open-key").Aria("hidden", "true").Text("Ctrl K"),
		)
}

// renderSearch is #search-panel, when open.
func (p *chatPage) renderSearch() app.UI {
	if !p.search.open {
		return nil
	}
	s := &p.search
	return app.Section().ID("search-panel").Class("search-panel").Aria("label", "Search messages").Body(
		app.Form().ID("search-form").Class("search-form").Role("search").OnSubmit(p.onSearchSubmit).Body(
			app.Label().For("search-text").Class("visually-hidden").Text("Search messages"),
			searchIcon(),
			app.Input().ID("search-text").Type("text").Class("search-field").
				Placeholder("Search messages").
				AutoComplete(false).Spellcheck(false).
				Attr("enterkeyhint", "search").
				Aria("controls", "search-results").
				Aria("describedby", "search-status"),
			app.Button().ID("search-close").Type("button").Class("icon-button small").
				Title("Close search (Escape)").Aria("label", "Close search").
				OnClick(p.onSearchClose).Body(closeIcon()),
		),
		app.P().ID("search-status").Class("search-status").Role("status").Aria("live", "polite").Text(p.searchStatus()),
		app.P().ID("search-error").Class("form-error").Role("alert").Text(s.err),
		app.Div().Class("search-slot").Body(
			app.If(s.done && len(s.hits) == 0, func() app.UI {
				return app.P().ID("search-empty").Class("search-empty").Text("No messages match “" + s.query + "”.")
			}),
		),
		app.Ul().ID("search-results").Class("search-results").Aria("busy", boolAttr(s.busy)).Body(
			app.Range(s.hits).Slice(func(i int) app.UI { return p.renderHit(s.hits[i]) }),
		),
	)
}

// searchStatus is the line under the field: what the panel is doing.
func (p *chatPage) searchStatus() string {
	s := &p.search
	switch {
	case s.busy:
		return "Searching…"
	case s.err != "":
		return ""
	case s.done && len(s.hits) == 1:
		return "1 message"
	case s.done && len(s.hits) >= searchMax:
		return "The newest " + strconv.Itoa(len(s.hits)) + " messages: add a word to narrow it down"
	case s.done:
		return strconv.Itoa(len(s.hits)) + " messages"
	}
	return "Words to find in your rooms' messages. Ctrl+K or / opens search."
}

// searchMax is the most results the server gives (server/search.go).
const searchMax = 50

// renderHit is one result: its room, author and time, and its text with
// the query's words marked. Every part of the text is a text node, never
// markup.
func (p *chatPage) renderHit(h searchHit) app.UI {
	words := p.search.words // not the query's while another is under way
	parts := highlight(snippet(h.Text, words), words)
	return app.Li().Class("search-item").Body(
		app.Button().Type("button").Class("search-hit").
			DataSet("room", h.Room).DataSet("seq", h.Seq).
			OnClick(p.onHitClick).
			Body(
				app.Span().Class("hit-head").Body(
					app.Span().Class("hit-room").Body(
						roomMark(p.st.roomKind(h.Room)),
						app.Text(p.hitRoom(h)),
					),
					app.Span().Class("hit-from").Text(h.From),
					hitTime(h.TS, time.Now()),
				),
				app.Span().Class("hit-text").Body(
					app.Range(parts).Slice(func(i int) app.UI {
						if parts[i].Hit {
							return app.Mark().Text(parts[i].Text)
						}
						return app.Span().Text(parts[i].Text)
					}),
				),
			),
	)
}

// hitRoom names a result's room: #name, or a private room's title (the
// room list's when the page has it, else the server's).
func (p *chatPage) hitRoom(h searchHit) string {
	switch {
	case !serverNamed(h.Room):
		return h.Room
	case p.st.info[h.Room].ID != "":
		return p.st.roomTitle(h.Room)
	case h.Title != "":
		return h.Title
	}
	return "Private room"
}

// hitTime is when a result was sent: the clock today, else the day.
func hitTime(ts, now time.Time) app.UI {
	local := ts.Local()
	label := local.Format("2 Jan 2006")
	switch y, m, d := local.Date(); {
	case y == now.Year() && m == now.Month() && d == now.Day():
		label = local.Format("15:04")
	case y == now.Year():
		label = local.Format("2 Jan")
	}
	return app.Time().Class("hit-time").DateTime(ts.UTC().Format(time.RFC3339)).
		Title(local.Format("Monday 2 January 2006, 15:04")).Text(label)
}

func searchIcon() app.UI {
	return app.Raw(`<svg class="search-icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18"><circle cx="11" cy="11" r="7" stroke="currentColor" stroke-width="2" fill="none"/><path d="m20 20-4-4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`)
}
