package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/letsencrypt/challtestsrv"
	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
)

// startPebble runs Let's Encrypt's test CA in the process: its ACME
// directory over HTTPS, validating challenges against httpPort (http-01)
// and tlsPort (tls-alpn-01) of the names it is asked for. It returns the
// directory URL, a client that trusts the directory's certificate, and the
// pool of the CA's root (what the issued certificates chain to).
func startPebble(t *testing.T, domain string, httpPort, tlsPort int) (dir string, client *http.Client, roots *x509.CertPool) {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	logger := log.New(t.Output(), "pebble ", 0)
	// The CA looks the name up in its own DNS (Let's Encrypt's test DNS
	// server, also a Go module): there, domain is this machine.
	dnsAddr := freeAddr(t)
	names, err := challtestsrv.New(challtestsrv.Config{DNSAddrs: []string{dnsAddr}, Log: logger})
	if err != nil {
		t.Fatal(err)
	}
	names.AddDNSARecord(domain, []string{"127.0.0.1"})
	names.SetDefaultDNSIPv6("") // no AAAA answer: the server listens on 127.0.0.1 only
	go names.Run()
	t.Cleanup(names.Shutdown)
	store := db.NewMemoryStore()
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "test"}})
	validator := va.New(logger, httpPort, tlsPort, false, dnsAddr, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 3, 5)
	acmeSrv := httptest.NewTLSServer(front.Handler())
	t.Cleanup(acmeSrv.Close)
	mgmt := httptest.NewTLSServer(front.ManagementHandler())
	t.Cleanup(mgmt.Close)
	res, err := mgmt.Client().Get(mgmt.URL + wfe.RootCertPath + "0")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	pemRoot, _ := io.ReadAll(res.Body)
	roots = x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemRoot) {
		t.Fatalf("pebble's root: %q", pemRoot)
	}
	return acmeSrv.URL + wfe.DirectoryPath, acmeSrv.Client(), roots
}

func portOf(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// TestACMECertificateFromPebble: chat serve -acme-domain chat.test gets
// its certificate from a real ACME server (Pebble) that validates the
// challenge against the server itself, serves HTTPS with it, caches it in
// the data directory (a restart reuses it, without asking the CA), and
// redirects plain HTTP.
func TestACMECertificateFromPebble(t *testing.T) {
	httpsAddr, plainAddr, data := freeAddr(t), freeAddr(t), t.TempDir()
	const domain = "chat.test" // RFC 2606: a name for tests, never a real one
	dir, acmeClient, roots := startPebble(t, domain, portOf(t, plainAddr), portOf(t, httpsAddr))
	run := func(directory string) (stop func()) {
		cfg := DefaultConfig()
		cfg.DataDir = data
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
		cfg.Addr, cfg.HTTPAddr = httpsAddr, plainAddr
		cfg.ACMEDomains, cfg.ACMEDirectory, cfg.ACMEHTTPClient = []string{domain}, directory, acmeClient
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Run(ctx, cfg) }()
		return func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Run: %v", err)
			}
		}
	}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: domain}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The first handshake asks the CA, which validates against this server.
	getHealth := func() (*http.Response, error) {
		var res *http.Response
		var err error
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if res, err = hc.Get("https://" + httpsAddr + "/healthz"); err == nil {
				return res, nil
			}
		}
		return nil, err
	}
	stop := run(dir)
	res, err := getHealth()
	if err != nil {
		t.Fatalf("HTTPS with the ACME certificate: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil || !strings.Contains(res.TLS.PeerCertificates[0].Issuer.CommonName, "Pebble") {
		t.Fatalf("healthz over the ACME certificate: %d, issuer %v", res.StatusCode, res.TLS.PeerCertificates[0].Issuer)
	}
	plain, err := hc.Get("http://" + plainAddr + "/x")
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(plain.Header.Get("Location"), "https://") {
		t.Errorf("plain HTTP: %d %q", plain.StatusCode, plain.Header.Get("Location"))
	}
	ws, _, err := websocket.Dial(context.Background(), "wss://"+httpsAddr+"/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("wss with the ACME certificate: %v", err)
	}
	ws.CloseNow()
	stop()
	// A restart serves the cached certificate: with the CA's directory
	// gone (a URL that answers nothing), it still comes up.
	stop = run("https://127.0.0.1:1/dir")
	defer stop()
	if res, err := getHealth(); err != nil {
		t.Fatalf("after a restart, from the cache: %v", err)
	} else {
		res.Body.Close()
	}
}
