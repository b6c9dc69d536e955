//go:build js

// The browser build: only the UI, so that no server code reaches app.wasm.
package main

import chatapp "chat/app"

func main() {
	chatapp.Register()
	chatapp.Run()
}
