package outgoing

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWebhookAddressesThatAreNotPublic(t *testing.T) {
	for _, c := range []struct {
		ip     string
		public bool
	}{
		{"127.0.0.1", false}, {"127.1.2.3", false}, {"::1", false},
		{"10.0.0.1", false}, {"172.16.5.4", false}, {"172.31.255.255", false}, {"192.168.1.1", false},
		{"169.254.169.254", false}, {"fe80::1", false}, {"fe80::1%eth0", false},
		{"0.0.0.0", false}, {"::", false}, {"100.64.0.1", false}, {"100.127.255.254", false},
		{"224.0.0.1", false}, {"255.255.255.255", false}, {"ff02::1", false},
		{"fc00::1", false}, {"fd12:3456::1", false},
		{"::ffff:127.0.0.1", false}, {"::ffff:10.0.0.1", false}, {"::ffff:169.254.169.254", false},
		{"::127.0.0.1", false}, {"64:ff9b::7f00:1", false},
		{"8.8.8.8", true}, {"1.1.1.1", true}, {"172.32.0.1", true}, {"100.128.0.1", true},
		{"2606:4700:4700::1111", true}, {"::ffff:8.8.8.8", true},
	} {
		if got := Public(netip.MustParseAddr(c.ip)); got != c.public {
			t.Errorf("Public(%s) = %v, want %v", c.ip, got, c.public)
		}
	}
}

// target is a loopback server that counts its calls.
func target(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func post(t *testing.T, c *Client, url string) (Reply, error) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

// TestWebhookClientRefusesThisMachineAndItsNetwork: by default, loopback
// by address and by name, private and link-local addresses are refused
// before anything is sent, quickly (no dial to time out); a redirect is
// handed back, never followed.
func TestWebhookClientRefusesThisMachineAndItsNetwork(t *testing.T) {
	srv, hits := target(t, nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := New(nil)
	for _, url := range []string{
		srv.URL,                             // 127.0.0.1
		"http://localhost:" + port + "/",    // a name that resolves to loopback
		"http://[::1]:" + port + "/",        // IPv6 loopback
		"http://[::ffff:127.0.0.1]:" + port, // IPv4-mapped loopback
		"http://10.1.2.3:" + port + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0:" + port + "/",
		"http://[fd00::1]:" + port + "/",
	} {
		start := time.Now()
		_, err := post(t, c, url)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%s: err = %v, want ErrRefused", url, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v: it must not have dialed", url, d)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server was called %d times", n)
	}

	// Allowed, loopback is reached: the refusals above were the policy,
	// not a broken client.
	allowed := New(&Options{AllowPrivate: true})
	if r, err := post(t, allowed, srv.URL); err != nil || r.Status != http.StatusOK {
		t.Fatalf("allowed loopback: %+v %v", r, err)
	}
	if hits.Load() != 1 {
		t.Fatalf("hits = %d, want 1", hits.Load())
	}
}

// TestWebhookClientNeverFollowsRedirects: a reply of 302 to another
// address (here loopback, standing for the metadata service) is the
// answer; the place it points at is never called, even with private
// addresses allowed.
func TestWebhookClientNeverFollowsRedirects(t *testing.T) {
	inner, innerHits := target(t, nil)
	outer, _ := target(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/secret", http.StatusFound)
	})
	c := New(&Options{AllowPrivate: true})
	r, err := post(t, c, outer.URL)
	if err != nil || r.Status != http.StatusFound {
		t.Fatalf("reply %+v %v, want the 302 itself", r, err)
	}
	if innerHits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

// TestWebhookClientBoundsTheReply: a huge reply is read only up to
// MaxReply, and a server that never answers is cut off at Timeout.
func TestWebhookClientBoundsTheReply(t *testing.T) {
	big, _ := target(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		for range 64 { // 2 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	c := New(&Options{AllowPrivate: true, MaxReply: 1000, Timeout: 2 * time.Second})
	r, err := post(t, c, big.URL)
	if err != nil || len(r.Body) != 1000 {
		t.Fatalf("reply of %d bytes, %v; want 1000", len(r.Body), err)
	}
	stuck := make(chan struct{})
	slow, _ := target(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	})
	defer close(stuck)
	start := time.Now()
	if _, err := post(t, c, slow.URL); err == nil {
		t.Fatal("a server that never answers gave no error")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("cut off after %v, want about 2 s", d)
	}
}

// TestWebhookDialerChecksTheAddressDialed: the dialer's Control, which
// sees the address the socket really connects to, refuses what the
// policy refuses whatever the resolution before it said.
func TestWebhookDialerChecksTheAddressDialed(t *testing.T) {
	c := New(nil)
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:10.0.0.1]:80", "169.254.169.254:80", "not an address"} {
		if err := c.control("tcp", addr, nil); !errors.Is(err, ErrRefused) {
			t.Errorf("control(%s) = %v, want ErrRefused", addr, err)
		}
	}
	if err := c.control("tcp", "8.8.8.8:443", nil); err != nil {
		t.Errorf("control(8.8.8.8:443) = %v, want nil", err)
	}
}
