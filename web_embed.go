//go:build !js

package main

import (
	"embed"
	"io/fs"
)

// webFiles is the built UI, web/ as it was when this binary was built:
// make builds app.wasm and its compressed copies there first, so bin/chat
// alone serves the whole UI (chat serve -web DIR serves a directory
// instead). A plain go build embeds whatever web/ holds; without app.wasm
// the server runs and says the UI will not load. Not in the browser build
// (!js), or app.wasm would carry the previous app.wasm inside it.
//
//go:embed web
var webFiles embed.FS

// embeddedUI is webFiles with the web/ prefix taken off, as the server
// reads a -web directory.
func embeddedUI() fs.FS {
	ui, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // "web" is a valid path: fs.Sub cannot fail on it
	}
	return ui
}
