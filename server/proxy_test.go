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
	// A name no account can have (over 24 characters), a new one each
	// time: the address's attempt is spent first, then it is refused at
	// once, with no password hashed: eleven attempts take milliseconds,
	// however busy the machine, and the minute's budget cannot refill
	// between them.
	nameSeq++
	body := strings.NewReader(fmt.Sprintf(`{"name":"nobody-with-a-long-name-%d","password":"wrong password"}`, nameSeq))
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

// TestClientsOwnForwardedIsNotBelieved: behind nginx as the README sets it
// up (it appends the client's address to X-Forwarded-For, and passes the
// client's own Forwarded header on untouched), a client that says
// "Forwarded: for=127.0.0.1" is neither served GET /benchmark as a local
// client nor given a new sign-in budget by a new for= each time.
func TestClientsOwnForwardedIsNotBelieved(t *testing.T) {
	_, hs := startServer(t, func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	})
	nginx := fromAddr(t, "127.0.0.2")
	if res := proxied(t, nginx, "GET", hs.URL+"/benchmark", "Forwarded", "for=127.0.0.1", "X-Forwarded-For", "203.0.113.9"); res.StatusCode != http.StatusForbidden {
		t.Errorf("GET /benchmark with the client's own Forwarded: %d, want 403", res.StatusCode)
	}
	if res := proxied(t, nginx, "GET", hs.URL+"/benchmark", "X-Forwarded-For", "127.0.0.1"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /benchmark from a client on this host through the proxy: %d, want 200", res.StatusCode)
	}
	for i := range 11 {
		res := proxied(t, nginx, "POST", hs.URL+"/api/login", "Forwarded", fmt.Sprintf("for=198.51.100.%d", i), "X-Forwarded-For", "203.0.113.9")
		if i == 10 && res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a new Forwarded for= each sign-in bought attempts: the 11th got %d", res.StatusCode)
		}
	}
}

// TestIPv6ClientsAreKeyedBySlash64: one machine has a whole /64; keyed by
// the full address, it could sign in without limit.
func TestIPv6ClientsAreKeyedBySlash64(t *testing.T) {
	_, hs := startServer(t, func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	})
	proxy := fromAddr(t, "127.0.0.2")
	for i := range 11 {
		res := proxied(t, proxy, "POST", hs.URL+"/api/login", "X-Forwarded-For", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		if i == 10 && res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("eleven addresses of one /64: the 11th sign-in got %d, want 429", res.StatusCode)
		}
	}
	if res := proxied(t, proxy, "POST", hs.URL+"/api/login", "X-Forwarded-For", "2001:db8:1:3::1"); res.StatusCode == http.StatusTooManyRequests {
		t.Error("another /64 was throttled for the first one's attempts")
	}
}
