package app

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// updateCheckEvery is how often an open page asks for a new version: go-app
// v10 no longer does it by itself.
const updateCheckEvery = 30 * time.Minute

// chatPage is the whole UI: the lobby's messages, who is online, the
// connection's state, the name form and the composer.
//
// Its fields change only on go-app's UI goroutine: in event handlers, which
// go-app runs there, and in ctx.Dispatch from the socket's goroutine.
type chatPage struct {
	app.Compo

	st              *chatState
	sock            *socket
	sess            *session // nil while disconnected
	stop            context.CancelFunc
	composerInvalid bool
	updateAvailable bool
}

func (p *chatPage) OnInit() {
	p.st = newChatState(wire.DefaultRoom, "")
}

// OnMount starts the connection. go-app runs OnMount in the browser only,
// but the check stays: dialling from the server's prerender would be a bug
// that is hard to see.
func (p *chatPage) OnMount(ctx app.Context) {
	if !app.IsClient {
		return
	}
	p.st.name = loadName(ctx.LocalStorage())
	p.st.identity = loadIdentity(ctx.LocalStorage())
	ctx.Handle(actionRetry, p.onRetry)
	ctx.Handle(actionDiscard, p.onDiscard)

	href := app.Window().Get("location").Get("href").String()
	wsURL, err := socketURL(href)
	if err != nil {
		p.st.lastError = "Cannot work out the server's address: " + err.Error()
		return
	}
	sock := newSocket(wsURL)
	sock.opened = func(sess *session) {
		ctx.Dispatch(func(app.Context) {
			p.sess = sess
			for _, frame := range p.st.resumeFrames() {
				sess.send(frame)
			}
		})
	}
	sock.received = func(events []wire.Event) {
		ctx.Dispatch(func(app.Context) {
			for _, ev := range events {
				p.st.apply(ev)
			}
			if p.st.serverUpdated {
				p.st.serverUpdated = false
				app.TryUpdate()
			}
		})
	}
	sock.closed = func(err error, retryIn time.Duration) {
		ctx.Dispatch(func(app.Context) {
			p.sess = nil
			p.st.disconnected()
		})
	}
	p.sock = sock

	loop, stop := context.WithCancel(context.Background())
	p.stop = stop
	ctx.Async(func() { sock.run(loop) })
	ctx.Async(func() { checkForUpdates(loop) })
}

func (p *chatPage) OnDismount() {
	if p.stop != nil {
		p.stop()
	}
}

// OnAppUpdate is go-app's word that a new version has been downloaded.
func (p *chatPage) OnAppUpdate(ctx app.Context) {
	p.updateAvailable = ctx.AppUpdateAvailable()
}

func checkForUpdates(ctx context.Context) {
	t := time.NewTicker(updateCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			app.TryUpdate()
		case <-ctx.Done():
			return
		}
	}
}

func (p *chatPage) onRetry(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	ev, ok := p.st.retry(id)
	if ok && p.sess != nil {
		p.sess.send(wire.Encode(ev))
	}
}

func (p *chatPage) onDiscard(ctx app.Context, a app.Action) {
	id, _ := a.Value.(string)
	p.st.discard(id)
}

func (p *chatPage) Render() app.UI {
	return app.Div().ID("chat").Class("app").Body(
		app.If(p.updateAvailable, func() app.UI {
			return app.Div().Class("update-banner").Role("status").Body(
				app.Span().Text("A new version of Chat is ready."),
				app.Button().Type("button").Class("button link").OnClick(p.onReload).Text("Reload"),
			)
		}),
		app.Header().Class("topbar").Body(
			app.Div().Class("topbar-row").Body(
				app.Img().Class("logo").Src("/web/icon.svg").Alt("Chat").Width(36).Height(36),
				app.Div().Class("room").Body(
					app.H1().Class("room-name").Body(
						app.Span().Class("room-hash").Aria("hidden", "true").Text("#"),
						app.Text(p.st.room),
					),
					p.renderOnline(),
				),
				p.renderStatus(),
			),
			p.renderNameForm(),
		),
		app.Main().Class("main").Body(
			&messageList{Items: p.st.items, Pending: p.st.pending, Rev: p.st.rev},
		),
		p.renderComposer(),
	)
}

func (p *chatPage) onReload(ctx app.Context, e app.Event) {
	ctx.Reload()
}
