package httpx

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddress(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32"), netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name    string
		header  string // the Proxies' Header; "" is X-Forwarded-For
		peer    string
		h       http.Header
		addr    string
		secure  bool
		local   bool
		proxied bool
	}{
		{name: "a direct client", peer: "198.51.100.7:5000", addr: "198.51.100.7"},
		{name: "a direct loopback client", peer: "127.0.0.1:5000", addr: "127.0.0.1", local: true},
		{name: "a direct client spoofing", peer: "198.51.100.7:5000", h: http.Header{"X-Forwarded-For": {"127.0.0.1"}, "X-Forwarded-Proto": {"https"}}, addr: "198.51.100.7"},
		{name: "a proxy nobody trusts, on this host", peer: "127.0.0.1:5000", h: http.Header{"X-Forwarded-For": {"203.0.113.9"}}, addr: "127.0.0.1"},
		{name: "a trusted proxy", peer: "127.0.0.2:5000", h: http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}}, addr: "203.0.113.9", secure: true, proxied: true},
		{name: "the client's own entries are left of the proxy's", peer: "127.0.0.2:5000", h: http.Header{"X-Forwarded-For": {"127.0.0.1, 203.0.113.9"}}, addr: "203.0.113.9", proxied: true},
		{name: "a chain of trusted proxies", peer: "127.0.0.2:5000", h: http.Header{"X-Forwarded-For": {"1.2.3.4, 203.0.113.9, 10.0.0.1"}}, addr: "203.0.113.9", proxied: true},
		{name: "several header lines", peer: "127.0.0.2:5000", h: http.Header{"X-Forwarded-For": {"1.2.3.4", "203.0.113.9:99"}}, addr: "203.0.113.9", proxied: true},
		{name: "a garbage entry stops the walk at the last hop believed", peer: "127.0.0.2:5000", h: http.Header{"X-Forwarded-For": {"1.2.3.4, unknown, 10.0.0.1"}}, addr: "10.0.0.1", proxied: true},
		{name: "nginx passes the client's Forwarded on: not read", peer: "127.0.0.2:5000", h: http.Header{"Forwarded": {"for=127.0.0.1"}, "X-Forwarded-For": {"203.0.113.9"}}, addr: "203.0.113.9", proxied: true},
		{name: "a local client through a local proxy", peer: "127.0.0.2:5000", h: http.Header{"X-Forwarded-For": {"127.0.0.1"}}, addr: "127.0.0.1", local: true, proxied: true},
		{name: "no header from the proxy: the proxy itself", peer: "127.0.0.2:5000", addr: "127.0.0.2", local: true, proxied: true},
		{name: "Forwarded when named", header: HeaderForwarded, peer: "127.0.0.2:5000",
			h: http.Header{"Forwarded": {`for=192.0.2.60;proto=https;by=203.0.113.43, for="[2001:db8:cafe::17]:4711";proto=http`}}, addr: "2001:db8:cafe::17", proxied: true},
		{name: "Forwarded's proto is the client's element's", header: HeaderForwarded, peer: "127.0.0.2:5000",
			h: http.Header{"Forwarded": {`for=192.0.2.60;proto=https, for=10.0.0.1;proto=http`}}, addr: "192.0.2.60", secure: true, proxied: true},
		{name: "X-Forwarded-For is not read when Forwarded is named", header: HeaderForwarded, peer: "127.0.0.2:5000",
			h: http.Header{"Forwarded": {"for=_hidden, for=198.51.100.17"}, "X-Forwarded-For": {"6.6.6.6"}}, addr: "198.51.100.17", proxied: true},
		{name: "X-Real-IP when named", header: HeaderXRealIP, peer: "127.0.0.2:5000", h: http.Header{"X-Real-Ip": {"203.0.113.9"}, "X-Forwarded-For": {"6.6.6.6"}}, addr: "203.0.113.9", proxied: true},
	} {
		p := &Proxies{Trusted: trusted, Header: c.header}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for k, v := range c.h {
			r.Header[k] = v
		}
		var got Client
		var headersLeft bool
		p.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			got = ClientOf(r)
			for _, h := range forwardingHeaders {
				headersLeft = headersLeft || r.Header.Get(h) != ""
			}
		})).ServeHTTP(httptest.NewRecorder(), r)
		if got.Addr.String() != c.addr || got.Secure != c.secure || got.Local() != c.local || got.Proxied != c.proxied {
			t.Errorf("%s: %+v (local %v), want %s secure %v local %v proxied %v", c.name, got, got.Local(), c.addr, c.secure, c.local, c.proxied)
		}
		if headersLeft {
			t.Errorf("%s: forwarding headers left for the handlers to read", c.name)
		}
	}
}

// TestClientKey: IPv6 clients are one key per /64, IPv4 per address.
func TestClientKey(t *testing.T) {
	for addr, key := range map[string]string{
		"203.0.113.9":              "203.0.113.9",
		"::ffff:203.0.113.9":       "203.0.113.9",
		"2001:db8:1:2::1":          "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff::": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":          "2001:db8:1:3::/64",
		"::1":                      "::/64",
	} {
		if got := (Client{Addr: netip.MustParseAddr(addr)}).Key(); got != key {
			t.Errorf("%s: key %s, want %s", addr, got, key)
		}
	}
}

// TestSessionCookieIsHostPrefixedUnderHTTPS: over HTTPS (here a trusted
// proxy's word) the cookie is __Host- prefixed, Secure, for the whole
// host, and only that name is read; over plain HTTP the plain name.
func TestSessionCookieIsHostPrefixedUnderHTTPS(t *testing.T) {
	p := &Proxies{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}
	for _, c := range []struct {
		proto, name string
		secure      bool
	}{{"https", "__Host-chat_session", true}, {"", "chat_session", false}} {
		r := httptest.NewRequest("POST", "/api/login", nil)
		r.RemoteAddr = "127.0.0.2:4000"
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		rec := httptest.NewRecorder()
		var read string
		p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			SetSessionCookie(w, r, "v", 60)
			r.AddCookie(&http.Cookie{Name: "chat_session", Value: "plain"})
			r.AddCookie(&http.Cookie{Name: "__Host-chat_session", Value: "host"})
			read = SessionCookie(r)
		})).ServeHTTP(rec, r)
		got := rec.Result().Cookies()
		if len(got) != 1 || got[0].Name != c.name || got[0].Secure != c.secure || got[0].Path != "/" || got[0].Domain != "" || !got[0].HttpOnly {
			t.Errorf("proto %q: set %+v, want %s secure %v", c.proto, got, c.name, c.secure)
		}
		if want := map[bool]string{true: "host", false: "plain"}[c.secure]; read != want {
			t.Errorf("proto %q: read %q, want %q", c.proto, read, want)
		}
	}
}
