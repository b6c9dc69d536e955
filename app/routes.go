// Package app is the chat UI, written with go-app and compiled to
// WebAssembly. The same routes are registered in the server build, which
// prerenders the pages, and in app.wasm, which runs them.
package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Register declares the UI's routes; both builds call it before anything else.
func Register() {
	app.Route("/", func() app.Composer { return &chatPage{} })
	app.Route("/stats", func() app.Composer { return &statsPage{} })
	app.Route("/login", func() app.Composer { return &loginPage{} })
	app.Route("/signup", func() app.Composer { return &signupPage{} })
	app.Route("/account", func() app.Composer { return &accountPage{} })
	app.Route("/admin", func() app.Composer { return &adminPage{} })
	app.RouteWithRegexp("^/invite/[A-Za-z0-9_-]+$", func() app.Composer { return &invitePage{} })
}

// Run starts the UI in the browser; on the server it returns at once.
func Run() {
	app.RunWhenOnBrowser()
}
