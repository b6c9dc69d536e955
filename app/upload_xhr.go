package app

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// uploadFile sends a File (a JS Blob) to POST /api/rooms/{room}/files with
// XMLHttpRequest, not fetch: only XMLHttpRequest tells how much of a body
// has gone out (upload.onprogress), which the composer's progress bar
// shows. The session cookie rides along (same origin). progress is called
// on the JS thread with the bytes sent and the total; it must not block.
// uploadFile itself blocks until the answer: call it from ctx.Async. Ending
// ctx aborts the upload.
func uploadFile(ctx context.Context, room, name string, file app.Value, progress func(sent, total float64)) (wire.File, error) {
	type result struct {
		status int
		body   string
		failed bool
	}
	// Exactly one of load, error and abort fires, once, into a buffered
	// channel: JavaScript never blocks on it.
	done := make(chan result, 1)
	xhr := app.Window().Get("XMLHttpRequest").New()
	onProgress := app.FuncOf(func(this app.Value, args []app.Value) any {
		if len(args) > 0 && args[0].Get("lengthComputable").Bool() {
			progress(args[0].Get("loaded").Float(), args[0].Get("total").Float())
		}
		return nil
	})
	defer onProgress.Release()
	onLoad := app.FuncOf(func(this app.Value, args []app.Value) any {
		done <- result{status: xhr.Get("status").Int(), body: xhr.Get("responseText").String()}
		return nil
	})
	defer onLoad.Release()
	onFail := app.FuncOf(func(this app.Value, args []app.Value) any {
		done <- result{failed: true}
		return nil
	})
	defer onFail.Release()

	xhr.Call("open", "POST", "/api/rooms/"+url.PathEscape(room)+"/files?name="+url.QueryEscape(name))
	xhr.Get("upload").Set("onprogress", onProgress)
	xhr.Set("onload", onLoad)
	xhr.Set("onerror", onFail)
	xhr.Set("onabort", onFail)
	xhr.Set("ontimeout", onFail)
	xhr.Call("send", file)

	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		xhr.Call("abort")
		<-done // abort fires onabort: wait for it before releasing
		return wire.File{}, ctx.Err()
	}
	switch {
	case r.failed:
		return wire.File{}, &apiError{Text: "The upload did not get through. Check your connection, remove the file and add it again."}
	case r.status != 201:
		return wire.File{}, uploadRefusal(r.status, r.body)
	}
	var answer struct {
		File wire.File `json:"file"`
	}
	if err := json.Unmarshal([]byte(r.body), &answer); err != nil || answer.File.ID == "" {
		return wire.File{}, &apiError{Status: r.status, Text: "The server's answer could not be read."}
	}
	return answer.File, nil
}

// uploadRefusal is what the composer says next to a refused file: the
// server's own words (they say what the limit is, or what to do), made a
// sentence, or what the status means when a proxy answered instead.
func uploadRefusal(status int, body string) *apiError {
	ae := decodeAPIError(status, body)
	var said struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &said) != nil || said.Error == "" {
		switch status {
		case 403:
			ae.Text = "Sign up to share files: guests cannot attach them."
		case 413:
			ae.Text = "This file is too big for the server."
		case 507:
			ae.Text = "The server has no room for this file."
		}
	}
	ae.Text = sentence(ae.Text)
	return ae
}

// sentence starts a text with a capital letter and ends it with a full
// stop, as the server's lower-case errors are not.
func sentence(s string) string {
	if s == "" {
		return s
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	switch s[len(s)-1] {
	case '.', '!', '?', ')':
		return s
	}
	return s + "."
}
