package app

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

const statsTitle = "Server stats · Chat"

// statsPage is the live dashboard (/stats): the server's figures for the
// last ten minutes, one point a second, polled from /stats.json while the
// page is on screen.
//
// Its fields change only on go-app's UI goroutine: the poller's callbacks
// turn into ctx.Dispatch.
type statsPage struct {
	app.Compo

	points  []statPoint // oldest first, the window only (mergePoints)
	failing bool        // the last request failed
	refused bool        // the server keeps its figures from this visitor
	stop    context.CancelFunc
}

// OnMount starts polling. go-app runs OnMount in the browser only; the
// check stays because polling from the server's prerender would be a bug
// that is hard to see.
func (p *statsPage) OnMount(ctx app.Context) {
	if !app.IsClient {
		return
	}
	app.Window().Get("document").Set("title", statsTitle)
	poller := &statsPoller{
		url:     "/stats.json", // fetch resolves it against the page
		get:     fetchBody,
		every:   statsPollEvery,
		timeout: statsTimeout,
		got: func(points []statPoint) {
			ctx.Dispatch(func(app.Context) {
				p.points = mergePoints(p.points, points)
				p.failing = false
			})
		},
		failed: func(error) {
			ctx.Dispatch(func(app.Context) { p.failing = true })
		},
		refused: func() {
			ctx.Dispatch(func(app.Context) { p.refused = true })
		},
	}
	loop, stop := context.WithCancel(context.Background())
	p.stop = stop
	ctx.Async(func() { poller.run(loop) })
}

func (p *statsPage) OnDismount() {
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
}

func (p *statsPage) Render() app.UI {
	charts := make([]app.UI, len(statCharts))
	for i, c := range statCharts {
		charts[i] = c.render(p.points)
	}
	state, note := p.status()
	return app.Div().ID("stats").Class("stats").DataSet("points", len(p.points)).Body(
		app.Header().Class("stats-top").Body(
			app.A().Class("stats-back").Href("/").Aria("label", "Back to the chat").Body(
				backIcon(),
				app.Span().Text("Chat"),
			),
			app.Div().Class("stats-heading").Body(
				app.H1().Class("stats-title").Text("Server stats"),
				app.P().ID("stats-status").Class("stats-status").DataSet("state", state).Text(note),
			),
		),
		app.Main().Class("stats-grid").Body(charts...),
	)
}

// status is the line under the title: whether the figures are live.
func (p *statsPage) status() (state, note string) {
	switch {
	case p.refused:
		return "refused", "These figures are for the server's operator: sign in as an admin, or open this page on the server's own machine."
	case p.failing:
		return "error", "Cannot reach the server; trying again every second."
	case len(p.points) == 0:
		return "waiting", "Waiting for the first figures…"
	}
	return "live", "Live, one point a second."
}

func backIcon() app.UI {
	return app.Raw(`<svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path d="M15 5l-7 7 7 7" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" fill="none"/></svg>`)
}
