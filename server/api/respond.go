package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"chat/server/actions"
	"chat/wire"
)

// maxBody bounds a JSON body: names, passwords, topics are small. A bot's
// post and a push subscription have their own bound (maxPostBody).
const (
	maxBody     = 4 << 10
	maxPostBody = 64 << 10
)

// statusOf is an action's refusal as an HTTP status.
var statusOf = map[actions.Status]int{
	actions.Invalid:         http.StatusBadRequest,
	actions.Unauthenticated: http.StatusUnauthorized,
	actions.Forbidden:       http.StatusForbidden,
	actions.NotFound:        http.StatusNotFound,
	actions.Conflict:        http.StatusConflict,
	actions.TooLarge:        http.StatusRequestEntityTooLarge,
	actions.Unprocessable:   http.StatusUnprocessableEntity,
	actions.Throttled:       http.StatusTooManyRequests,
	actions.Unavailable:     http.StatusServiceUnavailable,
	actions.Full:            http.StatusInsufficientStorage,
}

// fail answers an action's error: its status, Retry-After when it says
// when to try again, and {"error": text, "code": code}.
func fail(w http.ResponseWriter, err error) {
	var e *actions.Error
	if !errors.As(err, &e) {
		e = &actions.Error{Status: actions.Unavailable, Code: wire.CodeUnavailable, Text: "try again in a moment", RetryAfter: time.Second}
	}
	status := statusOf[e.Status]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	if status == http.StatusUnauthorized && e.Code == actions.CodeSignIn {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chat"`)
	}
	writeJSON(w, status, map[string]string{"error": e.Text, "code": e.Code})
}

// refuse answers a refusal of the transport's own (a body it cannot read).
func refuse(w http.ResponseWriter, status int, code, text string) {
	writeJSON(w, status, map[string]string{"error": text, "code": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON reads a JSON body of at most limit bytes into v, answering 400,
// 413 or 415 itself. A body must say it is JSON, which a plain cross-site
// form cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		refuse(w, http.StatusUnsupportedMediaType, wire.CodeBadJSON, "send JSON (Content-Type: application/json)")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, actions.CodeTooLarge, "the body is over "+strconv.FormatInt(limit>>10, 10)+" KiB")
			return false
		}
		refuse(w, http.StatusBadRequest, wire.CodeBadJSON, "bad JSON: "+err.Error())
		return false
	}
	return true
}

// sameSite refuses a call that changes something when it comes from
// another site: by Sec-Fetch-Site where the browser sends it, else by
// Origin. Its body must be JSON too (readJSON), so that a page elsewhere
// cannot make a signed-in browser call it.
func sameSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	return true
}
