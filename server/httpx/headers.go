package httpx

import "net/http"

// contentSecurityPolicy is what every response may load and run. go-app's
// page has no inline script (wasm_exec.js, app.js and early.js are files),
// so scripts come from this origin only; 'wasm-unsafe-eval' lets
// app.wasm be compiled without allowing eval. Inline styles stay allowed:
// go-app sets style attributes on elements, and a style cannot run code.
// connect-src 'self' covers the same host's ws:// and wss://. Nothing may
// frame the app (clickjacking), and forms and <base> stay on this origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
	"worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every response carries, and HSTS on
// those that came over HTTPS. Referrer-Policy
// same-origin keeps an invitation's link (/invite/CODE) from leaking to
// another site through a link clicked on that page.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if ClientOf(r).Secure {
			// Two years, the browsers' preload minimum; not the
			// subdomains: a chat server does not speak for its siblings.
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}
