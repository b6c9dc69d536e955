package httpx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// HTTPS: certificate files (-tls-cert, -tls-key) reloaded when they
// change, or certificates from an ACME CA (-acme-domain) with autocert,
// cached under the data directory. With either, the main listener speaks
// TLS only, and a second one (-http-addr, :80 by default) answers plain
// HTTP: the ACME HTTP challenge, and a redirect to HTTPS for the rest.

// certCheckEvery is how often the certificate files are looked at for a
// renewal (a stat each, at a handshake at most this often).
const certCheckEvery = time.Second

// certFiles serves a certificate from files, reloading it when they
// change, so that a renewal (certbot, a secret mounted by Kubernetes)
// needs no restart. A pair that does not load keeps the old one in use.
type certFiles struct {
	cert, key string
	log       *slog.Logger

	mu      sync.Mutex
	current *tls.Certificate
	stamp   string // the files' sizes and times when current was loaded
	checked time.Time
}

func newCertFiles(cert, key string, log *slog.Logger) (*certFiles, error) {
	c := &certFiles{cert: cert, key: key, log: log}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certFiles) filesStamp() (string, error) {
	var b strings.Builder
	for _, f := range []string{c.cert, c.key} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%d.%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return b.String(), nil
}

// load reads the pair now; c.mu is held or c is not shared yet.
func (c *certFiles) load() error {
	stamp, err := c.filesStamp()
	if err != nil {
		return err
	}
	pair, err := tls.LoadX509KeyPair(c.cert, c.key)
	if err != nil {
		return fmt.Errorf("TLS certificate %s, key %s: %w", c.cert, c.key, err)
	}
	c.current, c.stamp = &pair, stamp
	return nil
}

// GetCertificate is tls.Config's.
func (c *certFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.checked) >= certCheckEvery {
		c.checked = now
		if stamp, err := c.filesStamp(); err == nil && stamp != c.stamp {
			old := c.current
			if err := c.load(); err != nil {
				c.current = old // half-written files, or a bad pair: keep serving the old one
				c.log.Warn("new TLS certificate not loaded; the old one stays", "err", err)
			} else {
				c.log.Info("TLS certificate reloaded", "cert", c.cert)
			}
		}
	}
	return c.current, nil
}

// TLS is the server's TLS: the config of the main listener, and the
// handler of the plain HTTP one.
type TLS struct {
	Config *tls.Config
	Plain  func(fallback http.Handler) http.Handler // wraps the redirect (ACME's HTTP challenge)
}

// TLSOptions say where certificates come from: CertFile and KeyFile
// (reloaded when they change), or an ACME CA for ACMEDomains (Let's
// Encrypt's unless ACMEDirectory; ACMEEmail for its notices;
// ACMEHTTPClient for a test's CA), cached in CacheDir.
type TLSOptions struct {
	CertFile, KeyFile string
	ACMEDomains       []string
	ACMEDirectory     string
	ACMEEmail         string
	ACMEHTTPClient    *http.Client
	CacheDir          string
	Logger            *slog.Logger
}

// NewTLS makes the TLS setup o asks for; nil when it asks for none.
func NewTLS(o TLSOptions) (*TLS, error) {
	cfg := &o
	switch {
	case cfg.CertFile != "" || cfg.KeyFile != "":
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return nil, errors.New("-tls-cert and -tls-key go together")
		}
		if len(cfg.ACMEDomains) > 0 {
			return nil, errors.New("-acme-domain or -tls-cert, not both")
		}
		files, err := newCertFiles(cfg.CertFile, cfg.KeyFile, cfg.Logger)
		if err != nil {
			return nil, err
		}
		return &TLS{
			Config: &tls.Config{GetCertificate: files.GetCertificate, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}},
			Plain:  func(h http.Handler) http.Handler { return h },
		}, nil
	case len(cfg.ACMEDomains) > 0:
		m := &autocert.Manager{
			Prompt:     autocert.AcceptTOS,
			Cache:      autocert.DirCache(cfg.CacheDir),
			HostPolicy: autocert.HostWhitelist(cfg.ACMEDomains...),
			Email:      cfg.ACMEEmail,
		}
		if cfg.ACMEDirectory != "" {
			m.Client = &acme.Client{DirectoryURL: cfg.ACMEDirectory, HTTPClient: cfg.ACMEHTTPClient}
		}
		c := m.TLSConfig() // GetCertificate, and "acme-tls/1" for the TLS-ALPN challenge
		c.MinVersion = tls.VersionTLS12
		get := c.GetCertificate
		c.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			cert, err := get(hello)
			if err != nil && slices.Contains(cfg.ACMEDomains, hello.ServerName) {
				// Why a handshake for one of our names failed is the
				// operator's to know (scanners asking for other names are not).
				cfg.Logger.Warn("no TLS certificate from the ACME CA", "name", hello.ServerName, "err", err)
			}
			return cert, err
		}
		return &TLS{Config: c, Plain: m.HTTPHandler}, nil
	}
	return nil, nil
}

// RedirectToHTTPS answers plain HTTP with a permanent redirect to the same
// URL over HTTPS, on the main listener's port.
func RedirectToHTTPS(httpsAddr string) http.Handler {
	_, port, _ := net.SplitHostPort(httpsAddr)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if port != "" && port != "443" {
			host = net.JoinHostPort(host, port)
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
}
