package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// statusError is an answer other than 200.
type statusError struct {
	url    string
	status int
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: HTTP %d", e.url, e.status) }

// refused says whether err is the server's refusal to show its figures to
// this visitor (they are the operator's): asking again will not help.
func refused(err error) bool {
	var se *statusError
	return errors.As(err, &se) && (se.status == 401 || se.status == 403)
}

// fetchBody GETs url with the browser's fetch and returns the body of a 200
// answer; ending ctx aborts the request. It blocks until the answer: call it
// off the UI goroutine.
//
// The browser's fetch rather than net/http's client: the client brings
// net/http's own transport into app.wasm (as a fallback for runtimes without
// fetch), which measured 5.5 MB more.
func fetchBody(ctx context.Context, url string) ([]byte, error) {
	type result struct {
		body string
		err  error
	}
	// Exactly one of the callbacks below sends, once: the channel never
	// blocks JavaScript, and after a send no callback is called again, so
	// they can be released.
	done := make(chan result, 1)
	failed := app.FuncOf(func(this app.Value, args []app.Value) any {
		msg := "fetch failed"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	defer failed.Release()
	gotText := app.FuncOf(func(this app.Value, args []app.Value) any {
		done <- result{body: args[0].String()}
		return nil
	})
	defer gotText.Release()
	gotResponse := app.FuncOf(func(this app.Value, args []app.Value) any {
		resp := args[0]
		if !resp.Get("ok").Bool() {
			done <- result{err: &statusError{url: url, status: resp.Get("status").Int()}}
			return nil
		}
		resp.Call("text").Call("then", gotText, failed)
		return nil
	})
	defer gotResponse.Release()

	abort := app.Window().Get("AbortController").New()
	opts := map[string]any{"signal": abort.Get("signal"), "cache": "no-store"}
	app.Window().Call("fetch", url, opts).Call("then", gotResponse, failed)

	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		abort.Call("abort")
		<-done // the abort rejects the promise: wait for it before releasing
		return nil, ctx.Err()
	}
	if r.err != nil {
		return nil, r.err
	}
	return []byte(r.body), nil
}
