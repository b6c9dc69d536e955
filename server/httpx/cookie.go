package httpx

import "net/http"

// The session cookie: a random token in an HttpOnly, SameSite=Lax cookie.
// Over HTTPS it is __Host-chat_session: the browser then keeps it only if
// it is Secure, for the whole host and no other (no Domain), set by this
// origin over HTTPS, so a page on a sibling name or a plain-HTTP attacker
// on the path cannot plant one. Over HTTPS only that name is read.
const (
	sessionCookie       = "chat_session"
	secureSessionCookie = "__Host-chat_session"
)

func sessionCookieName(r *http.Request) string {
	if ClientOf(r).Secure {
		return secureSessionCookie
	}
	return sessionCookie
}

// SessionCookie is the request's session cookie's value, "" if none.
func SessionCookie(r *http.Request) string {
	c, err := r.Cookie(sessionCookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// SetSessionCookie sets the session cookie to value for maxAge seconds;
// a negative maxAge deletes it.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookieName(r), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: ClientOf(r).Secure,
	})
}
