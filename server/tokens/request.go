package tokens

import (
	"net/http"
	"strings"
)

// FromRequest is the request's connection token: ?token= (a browser cannot
// set headers on a WebSocket), else an "Authorization: Bearer" header's;
// "" when there is neither.
func FromRequest(r *http.Request) string {
	if r == nil {
		return ""
	}
	if r.URL != nil {
		if t := r.URL.Query().Get("token"); t != "" {
			return t
		}
	}
	// The scheme is case-insensitive (RFC 9110 11.1).
	scheme, t, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(t)
}
