package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	chatapp "chat/app"
	"chat/server"
)

// testCertificate makes a CA and a certificate it signs for 127.0.0.1,
// writes the pair to dir, and returns the files and the CA's SPKI hash,
// which Chromium is told to trust (as a CA installed on the machine would
// be): the page is a secure context with a valid certificate, not one
// whose errors are ignored, so its service worker registers.
func testCertificate(tb testing.TB, dir string) (certFile, keyFile, caSPKI string, pool *x509.CertPool) {
	tb.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(ca.RawSubjectPublicKeyInfo)
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	return certFile, keyFile, base64.StdEncoding.EncodeToString(sum[:]), pool
}

// startAppTLS runs chat serve over HTTPS (server.Run, as main runs it)
// with a certificate from testCertificate, and returns its base URL and
// the SPKI hash for trustingBrowser.
func startAppTLS(tb testing.TB) (base, spki string) {
	tb.Helper()
	requireWasm(tb)
	certFile, keyFile, spki, pool := testCertificate(tb, tb.TempDir())
	cfg := server.DefaultConfig()
	cfg.DataDir = tb.TempDir()
	cfg.WebDir = webDir
	cfg.Version = "test"
	cfg.Logger = slog.New(slog.NewTextHandler(testOutput{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.UI = func(v string) http.Handler { return chatapp.Handler(v) }
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	ln := listenBelowEphemeral(tb)
	cfg.Addr = ln.Addr().String()
	ln.Close()
	cfg.HTTPAddr = "-"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			tb.Errorf("Run: %v", err)
		}
	})
	base = "https://" + cfg.Addr + "/"
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := hc.Get(base + "healthz"); err == nil {
			res.Body.Close()
			return base, spki
		}
		if time.Now().After(deadline) {
			tb.Fatal("the HTTPS server did not come up")
		}
	}
}

// trustingBrowser is newBrowser with the test's CA trusted.
func trustingBrowser(tb testing.TB, spki string) context.Context {
	tb.Helper()
	return newBrowserWith(tb, chromedp.Flag("ignore-certificate-errors-spki-list", spki))
}

// TestTwoPeopleChatOverHTTPS is the two-person browser test over HTTPS:
// chat serve with a certificate, Chromium trusting the certificate's CA.
// Both sign up, chat over wss://, and the service worker registers, which
// a browser allows only in a secure context: this is what makes the app
// installable off localhost.
func TestTwoPeopleChatOverHTTPS(t *testing.T) {
	t.Parallel()
	base, spki := startAppTLS(t)
	browser := trustingBrowser(t, spki)
	ana, bo := newPage(t, browser), newPage(t, browser)
	signUp(t, ana, base, "ana")
	signUp(t, bo, base, "bo")
	for _, p := range []context.Context{ana, bo} {
		if !eval[bool](t, p, `window.isSecureContext && location.protocol === "https:"`) {
			t.Fatal("the page is not a secure context")
		}
	}
	say(t, ana, "hello over TLS")
	waitMessage(t, bo, "ana", "hello over TLS")
	say(t, bo, "and back")
	waitMessage(t, ana, "bo", "and back")
	do(t, ana, "ask for the service worker", evalVoid(`navigator.serviceWorker.ready.then(r => { window.__sw = !!r.active })`))
	waitFor(t, ana, "the service worker is active", `window.__sw === true`)
}
