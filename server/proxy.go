package server

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a reverse proxy every request comes from the proxy's address:
// per-address limits, sign-in throttles and logs would all see one client.
// The proxy says who the client is in X-Forwarded-For (or Forwarded) and
// whether it came over HTTPS in X-Forwarded-Proto, but anyone can send
// those headers: they are believed only from Config.TrustedProxies.

// fromTrustedProxy rewrites a request that came through a trusted proxy:
// RemoteAddr becomes the client's address (the last one in the chain that
// is not itself a trusted proxy), the scheme the client used is kept for
// requestSecure, and the forwarding headers are dropped, so that nothing
// after this looks at them again. From anyone else the headers stay as
// sent, and RemoteAddr is the peer's: a spoofed header changes nothing.
func (s *Server) fromTrustedProxy(next http.Handler) http.Handler {
	if len(s.cfg.TrustedProxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := addrOf(r.RemoteAddr)
		if !ok || !s.trusted(peer) {
			next.ServeHTTP(w, r)
			return
		}
		chain, proto := forwarded(r.Header)
		client := peer
		for i := len(chain) - 1; i >= 0; i-- {
			client = chain[i]
			if !s.trusted(client) {
				break
			}
		}
		r2 := r.Clone(context.WithValue(r.Context(), forwardedProtoKey{}, proto))
		r2.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "X-Real-Ip"} {
			r2.Header.Del(h)
		}
		next.ServeHTTP(w, r2)
	})
}

type forwardedProtoKey struct{}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func addrOf(hostport string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// forwarded reads the client chain and scheme a proxy sent: RFC 7239's
// Forwarded when present, else X-Forwarded-For and X-Forwarded-Proto.
// Entries that are not addresses (obfuscated names, "unknown") end the
// chain there: what is left of them is all that can be believed.
func forwarded(h http.Header) (chain []netip.Addr, proto string) {
	if fw := h.Values("Forwarded"); len(fw) > 0 {
		for _, elem := range strings.Split(strings.Join(fw, ","), ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
				v = strings.Trim(v, `"`)
				switch strings.ToLower(k) {
				case "for":
					if a, ok := forwardedAddr(v); ok {
						chain = append(chain, a)
					} else {
						chain = chain[:0]
					}
				case "proto":
					proto = strings.ToLower(v)
				}
			}
		}
		return chain, proto
	}
	for _, v := range h.Values("X-Forwarded-For") {
		for _, part := range strings.Split(v, ",") {
			if a, ok := forwardedAddr(strings.TrimSpace(part)); ok {
				chain = append(chain, a)
			} else {
				chain = chain[:0]
			}
		}
	}
	if p := h.Get("X-Forwarded-Proto"); p != "" {
		proto = strings.ToLower(strings.TrimSpace(strings.Split(p, ",")[0]))
	}
	return chain, proto
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

// requestSecure reports whether the client reached us over HTTPS: TLS
// here, or a trusted proxy's word that it terminated TLS.
func requestSecure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _ := r.Context().Value(forwardedProtoKey{}).(string)
	return proto == "https" || proto == "wss"
}
