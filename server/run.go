package server

import (
	"chat/server/httpx"
	"chat/server/socket"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// HTTPServer is the http.Server for s's Handler, with the timeouts a public
// server needs: a request whose headers never finish is cut off after
// Config.HeaderTimeout, one whose whole request takes longer than
// ReadTimeout too (an upload moves its own deadline as its body arrives),
// and an idle keep-alive connection after IdleTimeout. A WebSocket clears
// the deadlines when it is hijacked.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.HeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// serveOperator serves /metrics and /stats.json on their own address
// (-metrics-addr), to whoever reaches it: a port the operator keeps on a
// private network, instead of the public one.
func (s *Server) serveOperator(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.ServeMetrics())
	mux.HandleFunc("GET /stats.json", s.metrics.ServeStats)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: s.cfg.HeaderTimeout, ReadTimeout: s.cfg.ReadTimeout, IdleTimeout: s.cfg.IdleTimeout}
	go func() { _ = hs.Serve(ln) }()
	s.log.Info("operator's figures served apart", "addr", ln.Addr().String())
	return hs, nil
}

// Run serves cfg.Addr until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	secure, err := httpx.NewTLS(httpx.TLSOptions{
		CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey,
		ACMEDomains: cfg.ACMEDomains, ACMEDirectory: cfg.ACMEDirectory, ACMEEmail: cfg.ACMEEmail, ACMEHTTPClient: cfg.ACMEHTTPClient,
		CacheDir: filepath.Join(cfg.DataDir, "acme"), Logger: cfg.Logger,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var plain *http.Server
	if secure != nil {
		ln = socket.NewTLSListener(ln, secure.Config)
		if plain, err = servePlain(cfg, ln.Addr().String(), secure); err != nil {
			ln.Close()
			return err
		}
		defer plain.Close()
	}
	// Starting waits for NATS (a cluster's may come up after its nodes),
	// but not forever.
	startCtx, cancelStart := context.WithTimeout(ctx, time.Minute)
	s, err := New(startCtx, cfg)
	cancelStart()
	if err != nil {
		ln.Close()
		return err
	}
	hs := s.HTTPServer()
	if cfg.MetricsAddr != "" {
		ops, err := s.serveOperator(cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			s.Shutdown(context.Background())
			return err
		}
		defer ops.Close()
	}
	s.announceSetup(ctx, ln.Addr())
	s.log.Info("chat serving", "addr", ln.Addr().String(), "https", secure != nil, "version", cfg.Version,
		"nats", natsMode(cfg.NATSURL), "data", cfg.DataDir, "max_conns", cfg.MaxConns)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		s.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Refuse new work first, then close the WebSockets (hijacked, so
	// http.Server.Shutdown does not see them), then the broker.
	herr := hs.Shutdown(sctx)
	s.Shutdown(sctx)
	if herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
		return fmt.Errorf("http shutdown: %w", herr)
	}
	return nil
}

// servePlain starts the plain HTTP listener of an HTTPS server: the ACME
// HTTP challenge, and a redirect to HTTPS for everything else.
func servePlain(cfg Config, httpsAddr string, secure *httpx.TLS) (*http.Server, error) {
	addr := cfg.HTTPAddr
	switch addr {
	case "-":
		return &http.Server{}, nil // none
	case "":
		addr = ":80"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("the plain HTTP listener (-http-addr %s, for the redirect to HTTPS and ACME's challenge): %w", addr, err)
	}
	hs := &http.Server{Handler: secure.Plain(httpx.RedirectToHTTPS(httpsAddr)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	cfg.Logger.Info("redirecting plain HTTP to HTTPS", "addr", ln.Addr().String())
	return hs, nil
}

func natsMode(url string) string {
	if url == "" {
		return "embedded"
	}
	return url
}

// SetupInvite is the first-run invitation code while the server has no
// admin ("" once it has one): signing up with it makes the admin. For
// tools and tests; `chat serve` prints it at start.
func (s *Server) SetupInvite(ctx context.Context) (string, error) {
	return s.auth.SetupInvite(ctx)
}

// announceSetup prints the first-run link while the server has no admin:
// whoever signs up with it is the admin (it works once; every start makes
// a new one until it is used).
func (s *Server) announceSetup(ctx context.Context, addr net.Addr) {
	code, err := s.auth.SetupInvite(ctx)
	if err != nil || code == "" {
		return
	}
	host, scheme := addr.String(), "http"
	tcp, _ := addr.(*net.TCPAddr)
	if tcp != nil && tcp.IP.IsUnspecified() {
		host = net.JoinHostPort("localhost", strconv.Itoa(tcp.Port))
	}
	if s.cfg.TLSCert != "" || len(s.cfg.ACMEDomains) > 0 {
		scheme = "https"
		if len(s.cfg.ACMEDomains) > 0 && tcp != nil {
			// The name the certificate is for, not the address.
			host = s.cfg.ACMEDomains[0]
			if tcp.Port != 443 {
				host = net.JoinHostPort(host, strconv.Itoa(tcp.Port))
			}
		}
	}
	s.log.Warn("no admin yet: the first account made with this link is the server's admin",
		"url", scheme+"://"+host+"/signup?invite="+code)
}
