package doctor

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// What a server on a public address needs besides connections: a
// certificate that is valid for its names and not about to expire, the
// ports 443 and 80 (HTTPS, and ACME's HTTP challenge and the redirect),
// and a clock that is right (certificates are valid between two dates,
// and an ACME CA refuses a request whose time is off).

// PublicOptions says what to check for a public server.
type PublicOptions struct {
	CertFile, KeyFile string   // -tls-cert, -tls-key; "" when ACME gets the certificates
	Names             []string // the names clients use (-acme-domain, or what the certificate must cover)
	Ports             []int    // to bind; default 443 and 80
	Now               func() time.Time
	// ClockSynced reports whether the kernel says the clock is kept in
	// step (NTP); ok is false when it cannot tell.
	ClockSynced func() (synced, ok bool)
	// Roots are the CAs browsers trust; nil: the system's.
	Roots *x509.CertPool
}

// expirySoon is when a certificate deserves a warning: Let's Encrypt
// renews at 30 days left; 14 means renewal is failing.
const expirySoon = 14 * 24 * time.Hour

// Public checks what a public server needs.
func Public(o PublicOptions) []Check {
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.Ports) == 0 {
		o.Ports = []int{443, 80}
	}
	if o.ClockSynced == nil {
		o.ClockSynced = clockSynced
	}
	var checks []Check
	if o.CertFile != "" || o.KeyFile != "" {
		checks = append(checks, checkCertificate(o)...)
	}
	for _, p := range o.Ports {
		checks = append(checks, checkPort(p))
	}
	return append(checks, checkClock(o))
}

func checkCertificate(o PublicOptions) []Check {
	c := Check{Name: "TLS certificate", Value: o.CertFile}
	pair, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
	if err != nil {
		c.Status, c.Note = Limit, "cannot be used: "+err.Error()
		c.Fix = "give -tls-cert the PEM certificate (leaf first, then its chain) and -tls-key its private key, both readable by the server's user"
		return []Check{c}
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		c.Status, c.Note = Limit, "the certificate does not parse: "+err.Error()
		return []Check{c}
	}
	var out []Check
	// Valid for the names, and chained to a CA browsers trust.
	inter := x509.NewCertPool()
	for _, der := range pair.Certificate[1:] {
		if cert, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(cert)
		}
	}
	names := o.Names
	if len(names) == 0 {
		names = leaf.DNSNames
	}
	c.Value = strings.Join(leaf.DNSNames, ",")
	c.Status, c.Note = OK, fmt.Sprintf("valid for %s, issued by %s", strings.Join(names, ", "), leaf.Issuer.CommonName)
	for _, name := range names {
		if err := leaf.VerifyHostname(name); err != nil {
			c.Status, c.Note = Limit, fmt.Sprintf("not valid for %s: browsers will refuse it (%v)", name, err)
			c.Fix = "get a certificate that names " + name + ", or let chat serve get one: -acme-domain " + name
			break
		}
	}
	if c.Status == OK {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: o.Roots, Intermediates: inter, CurrentTime: o.Now()}); err != nil {
			c.Status, c.Note = Warn, "not chained to a CA this machine trusts: browsers elsewhere will likely refuse it ("+err.Error()+")"
			c.Fix = "put the intermediate certificates after the leaf in -tls-cert, or use a public CA (-acme-domain)"
		}
	}
	out = append(out, c)
	e := Check{Name: "certificate expiry", Value: leaf.NotAfter.UTC().Format("2006-01-02")}
	left := leaf.NotAfter.Sub(o.Now())
	switch {
	case o.Now().Before(leaf.NotBefore):
		e.Status, e.Note = Limit, "not valid yet (from "+leaf.NotBefore.UTC().Format(time.RFC3339)+"): is the clock right?"
	case left <= 0:
		e.Status, e.Note, e.Fix = Limit, "expired", "renew it; chat serve reloads the files when they change"
	case left < expirySoon:
		e.Status, e.Note, e.Fix = Warn, fmt.Sprintf("expires in %d days: renewal is not happening", int(left.Hours()/24)), "renew it; chat serve reloads the files when they change"
	default:
		e.Status, e.Note = OK, fmt.Sprintf("%d days left", int(left.Hours()/24))
	}
	return append(out, e)
}

// checkPort binds the port on every address, as chat serve would.
func checkPort(port int) Check {
	c := Check{Name: fmt.Sprintf("port %d", port), Value: fmt.Sprintf(":%d", port)}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	switch {
	case err == nil:
		ln.Close()
		c.Status, c.Note = OK, "can be bound"
	case errors.Is(err, syscall.EACCES):
		c.Status, c.Note = Limit, "this user may not bind ports below 1024"
		c.Fix = "sudo setcap cap_net_bind_service=+ep bin/chat, or in the systemd unit: AmbientCapabilities=CAP_NET_BIND_SERVICE"
	case errors.Is(err, syscall.EADDRINUSE):
		c.Status, c.Note = Limit, "in use by another process"
		c.Fix = fmt.Sprintf("find it with `ss -ltnp 'sport = :%d'`; behind a proxy that holds it, give chat serve another -addr and -trusted-proxies", port)
	default:
		c.Status, c.Note = Unknown, err.Error()
	}
	return c
}

func checkClock(o PublicOptions) Check {
	c := Check{Name: "clock", Value: o.Now().UTC().Format(time.RFC3339)}
	synced, ok := o.ClockSynced()
	switch {
	case !ok:
		c.Status, c.Note = Unknown, "cannot tell whether the clock is kept in step"
	case synced:
		c.Status, c.Note = OK, "kept in step (NTP)"
	default:
		c.Status, c.Note = Warn, "not kept in step: certificates and ACME need the right time"
		c.Fix = "enable NTP: timedatectl set-ntp true (or chrony)"
	}
	return c
}
