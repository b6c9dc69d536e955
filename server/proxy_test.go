package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fromAddr is an HTTP client whose connections come from this loopback
// address: 127.0.0.2 plays the trusted proxy, 127.0.0.1 anyone else.
func fromAddr(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

var nameSeq int

func proxied(t *testing.T, hc *http.Client, method, url string, headers ...string) *http.Response {
	t.Helper()
	// A new name each time: the sign-in throttle counts per name too.
	nameSeq++
	body := strings.NewReader(fmt.Sprintf(`{"name":"nobody%d","password":"wrong password"}`, nameSeq))
	req, _ := http.NewRequest(method, url, body)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestForwardingHeadersOnlyFromTrustedProxies: a trusted proxy's
// X-Forwarded-For names the client for the per-address limits, and its
// X-Forwarded-Proto makes cookies Secure and sends HSTS; the same headers
// from anyone else change nothing.
func TestForwardingHeadersOnlyFromTrustedProxies(t *testing.T) {
	_, hs := startServer(t, func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
		c.MaxConnsPerIP = 1
	})
	proxy, other := fromAddr(t, "127.0.0.2"), fromAddr(t, "127.0.0.1")
	login := hs.URL + "/api/login"
	// Sign-in attempts are throttled per address: through the proxy each
	// client has its own budget; a direct client spoofing the header has
	// one budget, its own.
	for i := range 11 {
		res := proxied(t, other, "POST", login, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		if i == 10 && res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("spoofed X-Forwarded-For bought attempts: the 11th got %d", res.StatusCode)
		}
	}
	for i := range 11 {
		if res := proxied(t, proxy, "POST", login, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d, 127.0.0.2", i)); res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("client %d through the proxy was throttled for the others", i)
		}
	}
	for i := range 11 {
		res := proxied(t, proxy, "POST", login, "X-Forwarded-For", "198.51.100.200")
		if i == 10 && res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("one client through the proxy: the 11th attempt got %d", res.StatusCode)
		}
	}
	// HTTPS at the proxy: Secure cookie and HSTS, only on its word.
	for _, c := range []struct {
		name   string
		hc     *http.Client
		secure bool
	}{{"trusted proxy", proxy, true}, {"anyone else", other, false}} {
		res := proxied(t, c.hc, "POST", hs.URL+"/api/guest", "X-Forwarded-Proto", "https", "X-Forwarded-For", "192.0.2.1")
		cookies := res.Cookies()
		if len(cookies) != 1 || cookies[0].Secure != c.secure {
			t.Errorf("%s: cookies %v, want Secure %v", c.name, cookies, c.secure)
		}
		if hsts := res.Header.Get("Strict-Transport-Security") != ""; hsts != c.secure {
			t.Errorf("%s: HSTS %v, want %v", c.name, hsts, c.secure)
		}
	}
	// Per-address connections: two clients behind the proxy are two.
	dialVia := func(hc *http.Client, xff string) (*websocket.Conn, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, res, err := websocket.Dial(ctx, wsURL(hs), &websocket.DialOptions{HTTPClient: hc, HTTPHeader: http.Header{"X-Forwarded-For": {xff}}})
		if err != nil {
			return nil, res.StatusCode
		}
		t.Cleanup(func() { c.CloseNow() })
		return c, 0
	}
	if _, code := dialVia(proxy, "192.0.2.10"); code != 0 {
		t.Fatalf("first client through the proxy: %d", code)
	}
	if _, code := dialVia(proxy, "192.0.2.11"); code != 0 {
		t.Errorf("a second client through the proxy: %d", code)
	}
	if _, code := dialVia(proxy, "192.0.2.10"); code != http.StatusTooManyRequests {
		t.Errorf("the first client's second socket: %d, want 429", code)
	}
	if _, code := dialVia(other, "192.0.2.20"); code != 0 {
		t.Fatalf("a direct client: %d", code)
	}
	if _, code := dialVia(other, "192.0.2.21"); code != http.StatusTooManyRequests {
		t.Errorf("a direct client spoofing another address: %d, want 429", code)
	}
}

func TestForwardedParsing(t *testing.T) {
	for _, c := range []struct {
		h     http.Header
		chain string
		proto string
	}{
		{http.Header{"X-Forwarded-For": {"1.2.3.4, 10.0.0.1"}, "X-Forwarded-Proto": {"HTTPS"}}, "[1.2.3.4 10.0.0.1]", "https"},
		{http.Header{"X-Forwarded-For": {"1.2.3.4", "5.6.7.8:99"}}, "[1.2.3.4 5.6.7.8]", ""},
		{http.Header{"X-Forwarded-For": {"1.2.3.4, unknown, 9.9.9.9"}}, "[9.9.9.9]", ""},
		{http.Header{"Forwarded": {`for=192.0.2.60;proto=https;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`}}, "[192.0.2.60 2001:db8:cafe::17]", "https"},
		{http.Header{"Forwarded": {"for=_hidden, for=198.51.100.17"}, "X-Forwarded-For": {"6.6.6.6"}}, "[198.51.100.17]", ""},
	} {
		chain, proto := forwarded(c.h)
		if fmt.Sprint(chain) != c.chain || proto != c.proto {
			t.Errorf("%v: %v %q, want %s %q", c.h, chain, proto, c.chain, c.proto)
		}
	}
}
