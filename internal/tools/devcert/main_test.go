package main

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDevcertServesLoopback: the pair loads, and a client that trusts the
// certificate verifies it for 127.0.0.1 and localhost.
func TestDevcertServesLoopback(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir, time.Hour); err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pemData, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	for _, name := range []string{"127.0.0.1", "localhost"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
