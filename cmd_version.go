//go:build !js

package main

import (
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"

	"chat/server"
)

// versionCmd prints the build's version and the UI embedded in it: its
// hash (what the server adds to the version its pages compare, so that
// one binary can be matched to what the pages of a node run) and the
// sizes of app.wasm and its copies, or that the binary was built without
// the UI. The first word after "chat" is the build version alone, for
// scripts.
func versionCmd(stdout io.Writer, ui fs.FS) int {
	fmt.Fprintf(stdout, "chat %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	hash := server.UIHash(ui)
	if hash == "" {
		fmt.Fprintln(stdout, "ui missing: built without web/app.wasm, the page will not load (make build embeds it; chat serve -web DIR serves a built one from disk)")
		return 0
	}
	var sizes []string
	for _, f := range []struct{ name, what string }{{"app.wasm", "app.wasm"}, {"app.wasm.gz", "gzip"}, {"app.wasm.br", "brotli"}} {
		if fi, err := fs.Stat(ui, f.name); err == nil {
			sizes = append(sizes, fmt.Sprintf("%s %.2f MB", f.what, float64(fi.Size())/1e6))
		} else {
			sizes = append(sizes, "no "+f.what)
		}
	}
	fmt.Fprintf(stdout, "ui %s embedded (%s), pages at version %s-%s\n", hash, strings.Join(sizes, ", "), version, hash)
	return 0
}
