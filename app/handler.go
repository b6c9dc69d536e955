package app

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Handler is the go-app handler that serves the pages, the manifest and the
// service worker. version must change exactly when app.wasm changes: it is
// what makes open pages offer an update.
func Handler(version string) *app.Handler {
	return &app.Handler{
		Name:        "Chat",
		ShortName:   "Chat",
		Title:       "Chat",
		Description: "Real-time chat in rooms, that keeps working offline.",
		Lang:        "en",
		Icon: app.Icon{
			Default:  "/web/icon-192.png",
			Large:    "/web/icon-512.png",
			SVG:      "/web/icon.svg",
			Maskable: "/web/icon-maskable-512.png",
		},
		// The page's light background: the manifest has one colour for
		// both schemes, and the stylesheets take over as soon as it loads.
		BackgroundColor: "#f6f7fb",
		ThemeColor:      "#4f46e5",
		Styles:          []string{"/web/base.css", "/web/chat.css", "/web/panel.css", "/web/search.css", "/web/files.css", "/web/auth.css", "/web/stats.css"},
		Scripts:         []string{earlyScript},
		// The header's logo: the icons above are cached for offline use
		// already, the SVG is not.
		CacheableResources: []string{"/web/icon.svg"},
		LoadingLabel:       "Loading chat… {progress}%",
		Version:            version,
		// The server sends app.wasm gzip-compressed; this header carries the
		// uncompressed length, which is what the progress counts up to.
		WasmContentLengthHeader: "X-Wasm-Content-Length",
		ServiceWorkerTemplate:   serviceWorker,
	}
}
