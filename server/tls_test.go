package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"chat/server/httpx"
	"chat/server/socket"
	"chat/wire"
)

// testCA is a certificate authority made for one test, and the leaf
// certificates it signs, written as PEM files.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
	pem  []byte
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chat test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf writes a certificate for 127.0.0.1 and localhost, with this serial,
// to cert and key files in dir.
func (ca *testCA) leaf(t testing.TB, dir string, serial int64) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	// Written aside and renamed, as a renewal tool does.
	for f, data := range map[string][]byte{
		certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyFile:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	} {
		if err := os.WriteFile(f+".new", data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(f+".new", f); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func (ca *testCA) client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// runTLS runs `chat serve` as main does (Run), with certificate files, on
// free loopback ports; it returns the HTTPS and plain HTTP addresses.
func runTLS(t *testing.T, ca *testCA, mutate func(*Config)) (httpsAddr, httpAddr string, certDir string) {
	t.Helper()
	certDir = t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	cfg.TLSCert, cfg.TLSKey = ca.leaf(t, certDir, 2)
	cfg.Addr, cfg.HTTPAddr = freeAddr(t), freeAddr(t)
	if mutate != nil {
		mutate(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	hc := ca.client()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := hc.Get("https://" + cfg.Addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the HTTPS server did not come up: %v", err)
		}
	}
	return cfg.Addr, cfg.HTTPAddr, certDir
}

// TestHTTPSEndToEnd: chat serve with certificate files serves HTTPS with
// HSTS and Secure cookies, redirects plain HTTP, chats over wss://, and
// takes a renewed certificate without a restart.
func TestHTTPSEndToEnd(t *testing.T) {
	ca := newTestCA(t)
	addr, plainAddr, certDir := runTLS(t, ca, nil)
	hc := ca.client()
	res, err := hc.Post("https://"+addr+"/api/guest", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over HTTPS")
	}
	if c := res.Cookies(); len(c) != 1 || !c[0].Secure || !c[0].HttpOnly {
		t.Errorf("cookies over HTTPS: %v, want one Secure HttpOnly", c)
	}
	// Plain HTTP: a redirect to the same URL over HTTPS, and no HSTS
	// there (it means nothing over HTTP).
	res, err = hc.Get("http://" + plainAddr + "/some/page?x=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := "https://" + addr + "/some/page?x=1"; res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != want {
		t.Errorf("plain HTTP: %d to %q, want 301 to %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	// Plain HTTP on the HTTPS port is not served.
	if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered on the HTTPS port")
		}
	}
	// Two clients chat over wss://.
	opts := &websocket.DialOptions{HTTPClient: hc}
	ana := dialURL(t, "wss://"+addr+"/ws", opts)
	bo := dialURL(t, "wss://"+addr+"/ws", opts)
	ana.joinAs("ana", "tls")
	bo.joinAs("bo", "tls")
	ana.say("tls", "t1", "over TLS")
	if m := bo.msgs("tls", 1)[0]; m.Text != "over TLS" || m.From != "ana" {
		t.Errorf("bo got %+v", m)
	}
	// A renewal: new files, and the next handshake gets the new
	// certificate, with no restart.
	serial := func() int64 {
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca.pool})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if s := serial(); s != 2 {
		t.Fatalf("serial %d, want 2", s)
	}
	ca.leaf(t, certDir, 3)
	deadline := time.Now().Add(5 * time.Second)
	for serial() != 3 {
		if time.Now().After(deadline) {
			t.Fatal("the renewed certificate was not taken within 5 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The connections made before go on.
	bo.say("tls", "t2", "after the renewal")
	if m := ana.msgs("tls", 2)[1]; m.Text != "after the renewal" {
		t.Errorf("ana got %+v", m)
	}
}

// startServerTLS is startServer over TLS: the server's own listener
// (socket.NewTLSListener, as Run makes it), for tests that look at its hub.
func startServerTLS(t *testing.T, ca *testCA, mutate func(*Config)) (*Server, string) {
	t.Helper()
	cert, key := ca.leaf(t, t.TempDir(), 2)
	secure, err := httpx.NewTLS(httpx.TLSOptions{CertFile: cert, KeyFile: key, Logger: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig := secure.Config.Clone()
	tlsConfig.NextProtos = []string{"http/1.1"} // the tests' WebSocket clients speak HTTP/1.1
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	if mutate != nil {
		mutate(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.HTTPServer()
	go hs.Serve(socket.NewTLSListener(ln, tlsConfig))
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, ln.Addr().String()
}

// TestTLSFramesStayWholeWithPartialWrites is the partial-write test over
// TLS: a reader with a 2 KB receive buffer that reads slowly, bursts of
// messages larger than the socket holds, pings all along. The ciphertext
// the socket does not take waits and goes in order: every record and
// frame whole, every message once and in order, every pong for its ping.
func TestTLSFramesStayWholeWithPartialWrites(t *testing.T) {
	ca := newTestCA(t)
	s, addr := startServerTLS(t, ca, slowReaderTolerated)
	sender := dialURL(t, "wss://"+addr+"/ws", &websocket.DialOptions{HTTPClient: ca.client()})
	sender.joinAs("sender", "big")

	tc := tls.Client(dialSmall(t, addr, 2048), &tls.Config{RootCAs: ca.pool, ServerName: "127.0.0.1"})
	slow := handshakeRaw(t, tc, addr)
	slow.send(frame(true, 0, 0x1, true, wire.Encode(wire.Event{Type: wire.TypeJoin, Room: "big"}), -1))
	loadSlowReader(t, s, sender, slow, tc, 200, 2*time.Millisecond)
}
