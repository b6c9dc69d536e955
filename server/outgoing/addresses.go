package outgoing

import "net/netip"

// notPublic are the networks a call to someone else's URL must not reach
// unless allowed: they are this machine, its network, or its cloud's
// metadata service, which a URL given by a user could otherwise point the
// server at (SSRF).
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"; 0.0.0.0 reaches the host itself
	netip.MustParsePrefix("10.0.0.0/8"),     // RFC 1918
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("169.254.0.0/16"), // link-local: 169.254.169.254 is the metadata service
	netip.MustParsePrefix("172.16.0.0/12"),  // RFC 1918
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("192.168.0.0/16"), // RFC 1918
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("224.0.0.0/4"),    // multicast
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
	netip.MustParsePrefix("::/128"),         // unspecified
	netip.MustParsePrefix("::1/128"),        // loopback
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: embeds an IPv4 address, checked below
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fc00::/7"),       // unique local (ULA)
	netip.MustParsePrefix("fe80::/10"),      // link-local
	netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated, still routed by some)
	netip.MustParsePrefix("ff00::/8"),       // multicast
	netip.MustParsePrefix("2002::/16"),      // 6to4: embeds an IPv4 address, checked below
	netip.MustParsePrefix("2001::/32"),      // Teredo: embeds an obfuscated IPv4 address
}

// Public reports whether ip is an address a call to a user's URL may
// reach: not loopback, private, link-local, unspecified, multicast or any
// other special-purpose network, in IPv4 or IPv6, including IPv4 addresses
// written as IPv6 (::ffff:127.0.0.1) and a zone (fe80::1%eth0).
func Public(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	ip = ip.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1 to the kernel
	if ip.Is6() && isCompatible(ip) {
		return false // ::a.b.c.d, deprecated IPv4-compatible: nothing public uses it
	}
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// isCompatible reports ::/96, the IPv4-compatible IPv6 addresses.
func isCompatible(ip netip.Addr) bool {
	b := ip.As16()
	for _, x := range b[:12] {
		if x != 0 {
			return false
		}
	}
	return true
}
