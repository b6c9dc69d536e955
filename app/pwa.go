package app

import (
	"context"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// updateCheckEvery is how often an open page asks for a new version: go-app
// v10 no longer does it by itself. A reconnect to a server with another
// version asks at once (chatState.serverUpdated).
const updateCheckEvery = 30 * time.Minute

// pwaState is what the page knows of the installed app: whether the browser
// offers to install it and whether a new version is ready.
type pwaState struct {
	installable     bool
	installHint     bool // Safari has no prompt: say how to do it by hand
	updateAvailable bool
}

// OnAppUpdate is go-app's word that a new version has been downloaded and
// waits for a reload.
func (p *chatPage) OnAppUpdate(ctx app.Context) {
	p.pwa.updateAvailable = ctx.AppUpdateAvailable()
}

// OnAppInstallChange is go-app's word that the browser now offers, or no
// longer offers, to install the app.
func (p *chatPage) OnAppInstallChange(ctx app.Context) {
	p.pwa.installable = ctx.IsAppInstallable()
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

// renderUpdateBanner is #update-banner, offered once the new version is in
// the service worker's cache: reloading runs it.
func (p *chatPage) renderUpdateBanner() app.UI {
	if !p.pwa.updateAvailable {
		return nil
	}
	return app.Div().ID("update-banner").Class("update-banner").Role("status").Body(
		app.Span().Text("A new version of Chat is ready."),
		app.Button().
			ID("update-reload").
			Type("button").
			Class("button primary small").
			OnClick(p.onReload).
			Text("Reload"),
	)
}

func (p *chatPage) onReload(ctx app.Context, e app.Event) {
	ctx.Reload()
}

// renderInstall is #install, shown while the browser offers installation,
// with the steps for Safari, which offers no prompt.
func (p *chatPage) renderInstall() app.UI {
	wrap := app.Div().Class("install-wrap")
	if !p.pwa.installable {
		return wrap
	}
	return wrap.Body(
		app.Button().
			ID("install").
			Type("button").
			Class("button secondary small").
			Aria("describedby", "install-hint").
			OnClick(p.onInstall).
			Text("Install"),
		app.If(p.pwa.installHint, func() app.UI {
			return app.P().ID("install-hint").Class("install-hint").Role("status").
				Text("To install: Share, then Add to Home Screen (Add to Dock on a Mac).")
		}),
	)
}

func (p *chatPage) onInstall(ctx app.Context, e app.Event) {
	if ctx.IsAppleBrowser() {
		p.pwa.installHint = !p.pwa.installHint
		return
	}
	ctx.ShowAppInstallPrompt()
	// The prompt can be shown once; the browser offers again, and go-app
	// says so, if the person declines.
	p.pwa.installable = false
}
