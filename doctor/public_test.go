package doctor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// certFiles writes a certificate for names, valid from notBefore to
// notAfter, signed by a CA it returns the pool of.
func certFiles(t *testing.T, names []string, notBefore, notAfter time.Time) (cert, key string, roots *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "doctor CA"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), DNSNames: names,
		NotBefore: notBefore, NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return cert, key, roots
}

func findCheck(t *testing.T, cs []Check, name string) Check {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %q check in %+v", name, cs)
	return Check{}
}

func TestPublicChecks(t *testing.T) {
	now := time.Now()
	synced := func() (bool, bool) { return true, true }
	// A port taken by someone else.
	busy, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	for _, c := range []struct {
		name      string
		names     []string
		from, to  time.Time
		want      []string // name=status
		untrusted bool
	}{
		{"good", []string{"chat.example"}, now.Add(-time.Hour), now.Add(60 * 24 * time.Hour), []string{"TLS certificate=ok", "certificate expiry=ok"}, false},
		{"expiring", []string{"chat.example"}, now.Add(-time.Hour), now.Add(5 * 24 * time.Hour), []string{"certificate expiry=warn"}, false},
		{"expired", []string{"chat.example"}, now.Add(-48 * time.Hour), now.Add(-time.Hour), []string{"certificate expiry=limit"}, false},
		{"not yet", []string{"chat.example"}, now.Add(time.Hour), now.Add(48 * time.Hour), []string{"certificate expiry=limit"}, false},
		{"wrong name", []string{"other.example"}, now.Add(-time.Hour), now.Add(60 * 24 * time.Hour), []string{"TLS certificate=limit"}, false},
		{"untrusted", []string{"chat.example"}, now.Add(-time.Hour), now.Add(60 * 24 * time.Hour), []string{"TLS certificate=warn"}, true},
	} {
		cert, key, roots := certFiles(t, c.names, c.from, c.to)
		if c.untrusted {
			roots = x509.NewCertPool()
		}
		checks := Public(PublicOptions{CertFile: cert, KeyFile: key, Names: []string{"chat.example"}, Ports: []int{busyPort},
			ClockSynced: synced, Roots: roots})
		for _, w := range c.want {
			name, status, _ := strings.Cut(w, "=")
			if got := findCheck(t, checks, name); string(got.Status) != status {
				t.Errorf("%s: %s is %s (%s), want %s", c.name, name, got.Status, got.Note, status)
			}
		}
		if p := findCheck(t, checks, "port "+itoa(uint64(busyPort))); p.Status != Limit || !strings.Contains(p.Note, "in use") {
			t.Errorf("%s: a busy port: %+v", c.name, p)
		}
	}
	// Files that are not there.
	checks := Public(PublicOptions{CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.key", Ports: []int{0}, ClockSynced: synced})
	if c := findCheck(t, checks, "TLS certificate"); c.Status != Limit || c.Fix == "" {
		t.Errorf("missing files: %+v", c)
	}
	if c := findCheck(t, checks, "port 0"); c.Status != OK {
		t.Errorf("a free port: %+v", c)
	}
	// The clock.
	for _, c := range []struct {
		synced, ok bool
		want       Status
	}{{true, true, OK}, {false, true, Warn}, {false, false, Unknown}} {
		checks := Public(PublicOptions{Ports: []int{0}, ClockSynced: func() (bool, bool) { return c.synced, c.ok }})
		if got := findCheck(t, checks, "clock"); got.Status != c.want {
			t.Errorf("clock synced %v known %v: %s, want %s", c.synced, c.ok, got.Status, c.want)
		}
	}
	// A report with a limit is not OK.
	r := Report{OK: true}
	r.Add(Check{Name: "x", Status: Limit})
	if r.OK {
		t.Error("a limit left the report OK")
	}
}
