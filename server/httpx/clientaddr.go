// Package httpx is what every HTTP transport of the server shares: who a
// request comes from (the one client-address function, behind trusted
// proxies), the security headers, TLS and ACME, and the UI's files.
package httpx

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a reverse proxy every request comes from the proxy's address:
// per-address limits, sign-in throttles and logs would all see one client.
// The proxy says who the client is in a header, but anyone can send that
// header too: it is believed only from the trusted proxies, and only the
// one header the operator names. A proxy appends to X-Forwarded-For and
// passes on whatever else the client sent (nginx's documented setup passes
// a client's own Forwarded header untouched), so reading any other header
// than the one the proxy sets would let a client choose its address.

// Forwarding headers a proxy may name the client in.
const (
	HeaderXForwardedFor = "X-Forwarded-For" // the default: the right-most entry not a trusted proxy
	HeaderForwarded     = "Forwarded"       // RFC 7239: the right-most for= not a trusted proxy
	HeaderXRealIP       = "X-Real-Ip"       // one address, set by the proxy
)

// forwardingHeaders are every header a proxy may use to say who a client
// is or how it came; a request from an untrusted peer that carries one
// came through a proxy this server does not know of.
var forwardingHeaders = []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "X-Real-Ip"}

// Proxies are the reverse proxies whose word about the client is believed.
// The zero value trusts nobody.
type Proxies struct {
	// Trusted are the proxies' addresses.
	Trusted []netip.Prefix
	// Header is the one header read from them: HeaderXForwardedFor (the
	// default, with X-Forwarded-Proto for the scheme), HeaderForwarded
	// (for= and proto=), or HeaderXRealIP (with X-Forwarded-Proto).
	Header string
}

// Client is who sent a request, as far as this server may believe.
type Client struct {
	// Addr is the client's address: the TCP peer's, or what a trusted
	// proxy said of it.
	Addr netip.Addr
	// Peer is the TCP peer's address.
	Peer netip.Addr
	// Proxied is true when Peer is a trusted proxy and Addr its word.
	Proxied bool
	// Forwarded is true when an untrusted peer sent forwarding headers:
	// a proxy this server was not told of, or a client pretending.
	Forwarded bool
	// Secure is true when the client reached us over HTTPS: TLS here,
	// or a trusted proxy's word that it terminated TLS.
	Secure bool
}

// Key is the client's key for per-address limits: its IPv4 address, or
// the /64 prefix of its IPv6 one (a home or a host gets a whole /64: keyed
// by the full address, one machine would have 2^64 addresses).
func (c Client) Key() string {
	a := c.Addr.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Local reports whether the client is this host: decided from the real
// peer, never from a header anyone may send. A request from a loopback
// peer that carries forwarding headers came through a proxy on this host
// (one not listed as trusted, or Proxied would be set): not local.
func (c Client) Local() bool {
	if c.Proxied {
		return c.Addr.IsLoopback()
	}
	return c.Peer.IsLoopback() && !c.Forwarded
}

type clientKey struct{}

// Handler finds each request's Client once, before next sees it
// (ClientOf reads it). The forwarding headers are removed, so that
// nothing after this reads them again.
func (p *Proxies) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := p.client(r)
		r2 := r.WithContext(context.WithValue(r.Context(), clientKey{}, c))
		if c.Proxied || c.Forwarded {
			r2.Header = r.Header.Clone()
			for _, h := range forwardingHeaders {
				r2.Header.Del(h)
			}
		}
		next.ServeHTTP(w, r2)
	})
}

// ClientOf is the request's Client, as Handler found it; a request that
// did not pass Handler (a test's) is taken from its peer alone.
func ClientOf(r *http.Request) Client {
	if c, ok := r.Context().Value(clientKey{}).(Client); ok {
		return c
	}
	var p Proxies
	return p.client(r)
}

func (p *Proxies) client(r *http.Request) Client {
	peer := addrOf(r.RemoteAddr)
	c := Client{Addr: peer, Peer: peer, Secure: r.TLS != nil}
	if !p.trusted(peer) {
		for _, h := range forwardingHeaders {
			if r.Header.Get(h) != "" {
				c.Forwarded = true
				break
			}
		}
		return c
	}
	var proto string
	switch p.Header {
	case HeaderForwarded:
		chain, protos := forwardedElements(r.Header.Values("Forwarded"))
		var i int
		c.Addr, i = p.rightmostUntrusted(chain, peer)
		c.Proxied = true
		if i >= 0 {
			proto = protos[i] // how the client reached the first proxy
		}
	case HeaderXRealIP:
		if a, ok := forwardedAddr(strings.TrimSpace(r.Header.Get("X-Real-Ip"))); ok {
			c.Addr, c.Proxied = a, true
		}
		proto = firstValue(r.Header.Get("X-Forwarded-Proto"))
	default:
		c.Addr, _ = p.rightmostUntrusted(xForwardedFor(r.Header.Values("X-Forwarded-For")), peer)
		c.Proxied = true
		proto = firstValue(r.Header.Get("X-Forwarded-Proto"))
	}
	if proto == "https" || proto == "wss" {
		c.Secure = true
	}
	return c
}

func (p *Proxies) trusted(a netip.Addr) bool {
	for _, t := range p.Trusted {
		if t.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// rightmostUntrusted walks the chain from the proxy back towards the
// client: each proxy appends the address it got the request from, so the
// right-most entry that is not itself a trusted proxy is the client; what
// stands left of it was written by the client and proves nothing. An entry
// that is no address ends the walk at the last hop believed. at is the
// entry's index, -1 when the client is the peer itself.
func (p *Proxies) rightmostUntrusted(chain []netip.Addr, peer netip.Addr) (client netip.Addr, at int) {
	client, at = peer, -1
	for i := len(chain) - 1; i >= 0; i-- {
		if !chain[i].IsValid() {
			break
		}
		client, at = chain[i], i
		if !p.trusted(client) {
			break
		}
	}
	return client, at
}

func addrOf(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// xForwardedFor reads X-Forwarded-For's entries, every header line in
// order; an entry that is no address is kept as the zero Addr, so that the
// walk stops there.
func xForwardedFor(values []string) []netip.Addr {
	var chain []netip.Addr
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			a, _ := forwardedAddr(strings.TrimSpace(part))
			chain = append(chain, a)
		}
	}
	return chain
}

// forwardedElements reads RFC 7239's Forwarded: each element's for= (the
// zero Addr for an obfuscated or unknown one) and proto=.
func forwardedElements(values []string) (chain []netip.Addr, protos []string) {
	for _, elem := range strings.Split(strings.Join(values, ","), ",") {
		var a netip.Addr
		var proto string
		for _, pair := range strings.Split(elem, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
			v = strings.Trim(v, `"`)
			switch strings.ToLower(k) {
			case "for":
				a, _ = forwardedAddr(v)
			case "proto":
				proto = strings.ToLower(v)
			}
		}
		chain = append(chain, a)
		protos = append(protos, proto)
	}
	return chain, protos
}

// forwardedAddr parses one address of a forwarding header: 1.2.3.4,
// 1.2.3.4:5, [2001:db8::1]:5 or 2001:db8::1.
func forwardedAddr(v string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.Trim(v, "[]"))
	return a.Unmap(), err == nil
}

func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.ToLower(strings.TrimSpace(first))
}
