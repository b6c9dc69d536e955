// Package outgoing is the server's HTTP client for URLs that users give
// it (bots' webhooks): a URL must not be able to make the server call its
// own machine or network. A host is resolved once, each address is
// checked (Public), and the connection is made to exactly the address
// checked: a name that resolves to a public address for the check and to
// 127.0.0.1 for the dial (DNS rebinding) reaches nothing, and the
// dialer's Control re-checks the address the socket really connects to.
// Redirects are never followed (a public URL answering 302 to
// http://169.254.169.254/ gets its 302 back, not the metadata), no proxy
// from the environment is used (it would dial for us, unchecked), and
// calls have timeouts and read at most a bounded reply.
//
// All methods of Client may be called concurrently.
package outgoing

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrRefused is returned for a URL whose host is not a public address
// (and Options.AllowPrivate is off).
var ErrRefused = errors.New("outgoing: address not allowed")

// Options tunes New. A nil *Options or zero field means the default.
type Options struct {
	// AllowPrivate lets calls reach loopback, private and link-local
	// addresses (-outgoing-allow-private: tests, and servers whose bots run
	// beside them on purpose). Off by default.
	AllowPrivate bool
	// Timeout bounds a whole call, reply included; 10 s.
	Timeout time.Duration
	// MaxReply is how much of a reply's body is read; 64 KiB. The rest
	// is not read: a webhook's answer is only its status.
	MaxReply int64
	// Resolver looks hosts up; net.DefaultResolver.
	Resolver *net.Resolver
	// TLS is the TLS configuration of calls; nil: the system's roots
	// (tests give the root of their own servers).
	TLS *tls.Config
}

// Client calls users' URLs safely (see the package comment).
type Client struct {
	hc       *http.Client
	allow    bool
	resolver *net.Resolver
	maxReply int64
}

// New returns a Client.
func New(o *Options) *Client {
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxReply <= 0 {
		opts.MaxReply = 64 << 10
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	c := &Client{allow: opts.AllowPrivate, resolver: opts.Resolver, maxReply: opts.MaxReply}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           c.dial,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       opts.TLS,
	}
	c.hc = &http.Client{
		Transport:     tr,
		Timeout:       opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// HTTP is the checked *http.Client itself, for a library that makes its
// own requests (webpush-go); the caller closes the replies' bodies, and
// reads them bounded.
func (c *Client) HTTP() *http.Client { return c.hc }

// Reply is what a call got back.
type Reply struct {
	Status int
	Body   []byte // at most Options.MaxReply bytes of it
}

// Do sends req and reads at most MaxReply bytes of its reply. A redirect
// is a reply like any other (its status is 3xx), never followed.
func (c *Client) Do(req *http.Request) (Reply, error) {
	res, err := c.hc.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, c.maxReply))
	return Reply{Status: res.StatusCode, Body: body}, err
}

// dial resolves the host once, picks the first allowed address and
// connects to that address only.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if ips, err = c.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	var refused netip.Addr
	for _, ip := range ips {
		if !c.allowed(ip) {
			refused = ip
			continue
		}
		d := net.Dialer{Timeout: 5 * time.Second, Control: c.control}
		return d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
	}
	if refused.IsValid() {
		return nil, fmt.Errorf("%w: %s is %s", ErrRefused, host, refused)
	}
	return nil, fmt.Errorf("outgoing: %s has no address", host)
}

// control is the belt to dial's braces: whatever dial meant, the address
// the socket is about to connect to is checked here.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, address)
	}
	if !c.allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrRefused, address)
	}
	return nil
}

func (c *Client) allowed(ip netip.Addr) bool { return c.allow || Public(ip) }
