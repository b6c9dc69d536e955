package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// The "Jump to first unread" pill of the message list: a room opened with
// more unread messages than fit above the end shows it at the top of the
// list while the "new messages" line is above the view, or not loaded yet.
// It goes once the line has been in view (the reader got there, by the
// pill or by scrolling), or when dismissed, until the next room opened.

// linePlace is where an element is against the timeline's view.
type linePlace uint8

const (
	placeNone linePlace = iota // not in the page
	placeAbove
	placeInView
	placeBelow
)

// unreadLinePlace is where the "new messages" line is.
func unreadLinePlace() linePlace {
	doc := app.Window().Get("document")
	line, tl := doc.Call("getElementById", "unread-line"), doc.Call("getElementById", "timeline")
	if !line.Truthy() || !tl.Truthy() {
		return placeNone
	}
	r, view := line.Call("getBoundingClientRect"), tl.Call("getBoundingClientRect")
	switch {
	case r.Get("bottom").Float() <= view.Get("top").Float()+2:
		return placeAbove
	case r.Get("top").Float() >= view.Get("bottom").Float()-2:
		return placeBelow
	}
	return placeInView
}

// followUnread shows or hides the pill for where the line is now; it runs
// after every scroll and update, like scrolled.
func (l *messageList) followUnread(ctx app.Context) {
	show, gone := false, l.pillGone
	if !gone {
		switch {
		case l.Unread != 0:
			switch unreadLinePlace() {
			case placeAbove:
				show = true
			case placeInView:
				gone = true // seen
			}
		case l.UnreadMore:
			show = true
		}
	}
	if show != l.pill || gone != l.pillGone {
		ctx.Dispatch(func(app.Context) { l.pill, l.pillGone = show, gone })
	}
}

// renderUnreadPill is #unread-pill while it shows.
func (l *messageList) renderUnreadPill() app.UI {
	if !l.pill {
		return nil
	}
	label := "Jump to first unread"
	if l.Seeking {
		label = "Loading unread messages…"
	}
	return app.Div().ID("unread-pill").Class("unread-pill").Body(
		app.Button().ID("jump-unread").Type("button").Class("unread-jump").
			Aria("busy", boolAttr(l.Seeking)).
			OnClick(l.onJumpUnread).
			Body(
				app.Span().Aria("hidden", "true").Text("↑ "),
				app.Text(label),
			),
		app.Button().ID("unread-dismiss").Type("button").Class("unread-dismiss").
			Title("Dismiss").Aria("label", "Dismiss jump to first unread").
			OnClick(l.onDismissUnread).Body(closeIcon()),
	)
}

// onJumpUnread scrolls to the line when it is in the page, else asks the
// page to load older history until it is (seek.go).
func (l *messageList) onJumpUnread(ctx app.Context, e app.Event) {
	if unreadLinePlace() != placeNone {
		jumpToUnread()
		focusByID("timeline")
		return
	}
	ctx.NewActionWithValue(actionUnread, l.Room)
}

func (l *messageList) onDismissUnread(ctx app.Context, e app.Event) {
	l.pillGone, l.pill = true, false
	focusByID("timeline")
}
