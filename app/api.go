package app

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// apiError is a refusal from the HTTP API: its status, and the text and
// code of its {"error","code"} body. Status 0 is no answer at all (no
// network, or the server is down).
type apiError struct {
	Status int
	Text   string
	Code   string
}

func (e *apiError) Error() string { return e.Text }

// errorStatus is the HTTP status of a failed call, 0 when the call got no
// answer (or did not fail).
func errorStatus(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// apiCall sends a JSON request to the server's API with the browser's
// fetch and decodes a 2xx answer's body into out (which may be nil). The
// session cookie rides along by itself (same origin). It blocks: call it
// from ctx.Async, never on the UI goroutine.
func apiCall(ctx context.Context, method, path string, body, out any) error {
	opts := map[string]any{
		"method":      method,
		"cache":       "no-store",
		"credentials": "same-origin",
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		opts["body"] = string(b)
		opts["headers"] = map[string]any{"Content-Type": "application/json"}
	}
	status, text, err := fetchText(ctx, path, opts)
	if err != nil {
		return &apiError{Text: "The server cannot be reached. Check your connection and try again."}
	}
	if status < 200 || status > 299 {
		return decodeAPIError(status, text)
	}
	if out == nil || status == 204 || text == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(text), out); err != nil {
		return &apiError{Status: status, Text: "The server's answer could not be read."}
	}
	return nil
}

// decodeAPIError reads an error body; one without text (a proxy's page, a
// bare status) says what the status means.
func decodeAPIError(status int, text string) *apiError {
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	_ = json.Unmarshal([]byte(text), &e)
	ae := &apiError{Status: status, Text: e.Error, Code: e.Code}
	if ae.Text == "" {
		switch status {
		case 401:
			ae.Text = "You are not signed in."
		case 403:
			ae.Text = "You may not do this."
		case 404:
			ae.Text = "Not found."
		case 429:
			ae.Text = "Too many attempts: wait a moment and try again."
		default:
			ae.Text = "The server answered with an error (HTTP " + strconv.Itoa(status) + "). Try again in a moment."
		}
	}
	return ae
}

// fetchText runs the browser's fetch and returns the status and body of
// whatever answer came; err is for no answer. Ending ctx aborts it.
func fetchText(ctx context.Context, url string, opts map[string]any) (int, string, error) {
	type result struct {
		status int
		body   string
		err    error
	}
	// Exactly one of the callbacks below sends, once, into a buffered
	// channel: JavaScript never blocks on it, and they can be released.
	done := make(chan result, 1)
	var status int
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
		done <- result{status: status, body: args[0].String()}
		return nil
	})
	defer gotText.Release()
	gotResponse := app.FuncOf(func(this app.Value, args []app.Value) any {
		status = args[0].Get("status").Int()
		args[0].Call("text").Call("then", gotText, failed)
		return nil
	})
	defer gotResponse.Release()

	abort := app.Window().Get("AbortController").New()
	opts["signal"] = abort.Get("signal")
	app.Window().Call("fetch", url, opts).Call("then", gotResponse, failed)

	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		abort.Call("abort")
		<-done // the abort rejects the promise: wait for it before releasing
		return 0, "", ctx.Err()
	}
	return r.status, r.body, r.err
}
