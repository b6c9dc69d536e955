//go:build !js

// Command chat is the chat server and its tools in one binary:
//
//	chat serve    run the server: WebSocket hub, UI, embedded NATS
//	chat bench    the load generator: many clients, timed broadcasts
//	chat doctor   the machine's limits for N connections, and the fixes
//	chat version  the build, and the UI embedded in it
//
// The browser build of this package (main_js.go) holds only the UI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // on DefaultServeMux, served only by -pprof
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	chatapp "chat/app"
	"chat/bench"
	"chat/doctor"
	"chat/server"
	"chat/server/httpx"
)

// version is set at build time (-ldflags "-X main.version=<git commit>").
var version = "dev"

func main() {
	chatapp.Register() // the server prerenders the UI's routes
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: chat <command> [flags]

commands:
  serve    run the chat server (chat serve -h for its flags)
  bench    open many clients against a server and time broadcast fan-out
  health   wait until servers answer /healthz with 200
  doctor   check this machine's limits for N connections, and how to lift them
  version  print the build version and the hash of the UI embedded in it
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case bench.WorkerCommand: // started by chat bench itself
		return bench.WorkerMain(args[1:], os.Stdin, stdout, stderr)
	case "health":
		return healthCmd(args[1:], stdout, stderr)
	case "doctor":
		return doctorCmd(args[1:], stdout, stderr)
	case "version":
		return versionCmd(stdout, embeddedUI())
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "chat: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// serveFlags are the flags of `chat serve` beside server.Config's.
type serveFlags struct {
	pprof string
}

// parseServe reads serve's flags into a config. The open-file limit is
// raised to its ceiling first, because -max-conns defaults from it.
func parseServe(args []string, stderr io.Writer) (server.Config, serveFlags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := server.DefaultConfig()
	cfg.Web = embeddedUI()
	var extra serveFlags
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (embedded NATS JetStream store)")
	fs.StringVar(&cfg.NATSURL, "nats", "", "external NATS with JetStream, e.g. nats://host:4222[,nats://host2:4222]; empty runs NATS embedded")
	fs.IntVar(&cfg.HistoryOnJoin, "history", cfg.HistoryOnJoin, "messages a client gets when it joins a room without a last seq")
	fs.Int64Var(&cfg.HistoryPerRoom, "history-per-room", cfg.HistoryPerRoom, "messages each room keeps")
	fs.Var(sizeFlag{&cfg.HistoryMaxBytes}, "history-max-bytes", "the history of all rooms together; past it the oldest messages go first")
	fs.DurationVar(&cfg.HistoryMaxAge, "history-max-age", cfg.HistoryMaxAge, "how long messages are kept")
	fs.Var(sizeFlag{&cfg.StoreMax}, "store-max", "what the embedded NATS may store on disk in all; past it messages are refused with store_full instead of the disk filling up (default: -history-max-bytes + -files-max-bytes + 1GiB)")
	fs.Var(sizeFlag{&cfg.FileMax}, "file-max", "the largest file a person may attach")
	fs.Var(sizeFlag{&cfg.FilesPerPerson}, "files-per-person", "the bytes of files one person's messages may keep")
	fs.Var(sizeFlag{&cfg.FilesMaxBytes}, "files-max-bytes", "all attached files together (NATS reserves it); kept as long as -history-max-age")
	origins := fs.String("origins", "", "extra allowed Origin host patterns for /ws, comma separated (e.g. \"example.com,*.example.org\")")
	fs.Var(&cfg.Access, "access", "who may chat: open (anyone, as a guest or with an account) or members (only people with an account; signing up needs an invitation)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "serve HTTPS with this certificate file (PEM, the chain after the leaf); reloaded when it changes")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "the private key file of -tls-cert")
	acmeDomains := fs.String("acme-domain", "", "serve HTTPS with certificates from an ACME CA (Let's Encrypt by default) for these names, comma separated; cached in -data/acme. Needs ports 443 and 80 reachable from the CA")
	fs.StringVar(&cfg.ACMEDirectory, "acme-directory", "", "the ACME directory URL (a private CA's, or Let's Encrypt's staging); default Let's Encrypt")
	fs.StringVar(&cfg.ACMEEmail, "acme-email", "", "the contact address given to the ACME CA (expiry notices)")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", "", "with HTTPS: the plain HTTP listener that redirects to HTTPS and answers ACME's HTTP challenge (default :80; - for none)")
	proxies := fs.String("trusted-proxies", "", "reverse proxies whose word about the client is believed, comma separated addresses or CIDRs (e.g. \"127.0.0.1,10.0.0.0/8\"); from anyone else forwarding headers are ignored")
	fs.StringVar(&cfg.ProxyHeader, "proxy-header", httpx.HeaderXForwardedFor, "the one header the trusted proxies name the client in: X-Forwarded-For (the right-most address that is not a trusted proxy; the scheme from X-Forwarded-Proto), Forwarded (RFC 7239) or X-Real-IP")
	jwtKey := fs.String("jwt-key", "", "let sites sign connection tokens (JWT: sub, name, exp, optional rooms) verified with this file: a PEM public key (RSA, ECDSA or Ed25519); the page opens /ws?token=...")
	jwtSecret := fs.String("jwt-secret", "", "let sites sign connection tokens with HMAC (HS256/384/512): this file holds the shared secret, 32 bytes or more")
	fs.StringVar(&cfg.JWTAudience, "jwt-audience", "", "connection tokens must be for this audience (aud); without it a token that names one is refused")
	fs.StringVar(&cfg.JWTIssuer, "jwt-issuer", "", "connection tokens must come from this issuer (iss)")
	fs.DurationVar(&cfg.JWTMaxAge, "jwt-max-age", 24*time.Hour, "the longest a connection token may live (exp after iat)")
	fs.Var(&cfg.Operator, "metrics", "who may read /metrics and /stats.json: local (clients on this host, and admins), admins, or all")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve /metrics and /stats.json on this separate address instead (e.g. 127.0.0.1:9100), to whoever reaches it")
	fs.Var(&cfg.Benchmark, "benchmark", "who may call GET /benchmark (broadcast \"test message\" to every client): local (loopback clients only), all, or off")
	soft, _, _ := doctor.RaiseNoFile()
	cfg.MaxConns = doctor.MaxConns(soft)
	fs.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "WebSocket connections at once; more get 503 before the upgrade (default: the open-file limit less what the server keeps for itself)")
	fs.IntVar(&cfg.Replicas, "replicas", 0, "NATS servers that keep each message (the CHAT stream's replicas); 0: 1 embedded, else as many of 3 as the external cluster has")
	fs.BoolVar(&cfg.SyncAlways, "sync-always", false, "flush every message to disk before acknowledging it (embedded NATS): an acknowledged message then survives a power cut, not only a crash of the process")
	fs.DurationVar(&cfg.MaxDeliveryLag, "max-delivery-lag", cfg.MaxDeliveryLag, "how far behind this node's fan-out of stored messages may fall before new messages are refused with busy (the sender sends again a moment later)")
	fs.Float64Var(&cfg.AcceptRate, "accept-rate", 0, "new WebSocket connections per second; more get 503 with Retry-After (0: no cap), to spread a reconnect storm")
	fs.IntVar(&cfg.MaxConnsPerIP, "max-conns-per-ip", 0, "WebSocket connections from one client address; more get 429 (0: no cap, so that load tests and NATed users work)")
	fs.StringVar(&cfg.PushContact, "push-contact", "", "the contact push services are given with each Web Push (mailto: or https:); default the -acme-email, else admin@ the first -acme-domain")
	fs.BoolVar(&cfg.OutgoingAllowPrivate, "outgoing-allow-private", false, "let bots' webhooks and push endpoints be loopback, private and link-local addresses (off: such a URL is refused, so that a person cannot point the server at its own network)")
	fs.StringVar(&extra.pprof, "pprof", "", "serve net/http/pprof on this separate address (e.g. 127.0.0.1:6060); off by default")
	fs.StringVar(&cfg.WebDir, "web", "", "serve the UI (app.wasm, icons, CSS) from this directory instead of the copy embedded in the binary, e.g. web for work on the UI")
	if err := fs.Parse(args); err != nil {
		return cfg, extra, err
	}
	if *origins != "" {
		cfg.Origins = strings.Split(*origins, ",")
	}
	if *acmeDomains != "" {
		for _, d := range strings.Split(*acmeDomains, ",") {
			cfg.ACMEDomains = append(cfg.ACMEDomains, strings.TrimSpace(d))
		}
	}
	addrSet := false
	fs.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	if !addrSet && (cfg.TLSCert != "" || len(cfg.ACMEDomains) > 0) {
		cfg.Addr = ":443" // HTTPS on its port unless told otherwise
	}
	if *proxies != "" {
		for _, p := range strings.Split(*proxies, ",") {
			prefix, err := parsePrefix(strings.TrimSpace(p))
			if err != nil {
				fmt.Fprintln(stderr, "-trusted-proxies:", err)
				return cfg, extra, err
			}
			cfg.TrustedProxies = append(cfg.TrustedProxies, prefix)
		}
	}
	switch h := http.CanonicalHeaderKey(cfg.ProxyHeader); h {
	case httpx.HeaderXForwardedFor, httpx.HeaderForwarded, httpx.HeaderXRealIP:
		cfg.ProxyHeader = h
	default:
		err := fmt.Errorf("-proxy-header %q: want X-Forwarded-For, Forwarded or X-Real-IP", cfg.ProxyHeader)
		fmt.Fprintln(stderr, err)
		return cfg, extra, err
	}
	if *jwtSecret != "" {
		secret, err := os.ReadFile(*jwtSecret)
		if err != nil {
			fmt.Fprintln(stderr, "-jwt-secret:", err)
			return cfg, extra, err
		}
		cfg.JWTSecret = secret
	}
	if *jwtKey != "" {
		key, err := os.ReadFile(*jwtKey)
		if err != nil {
			fmt.Fprintln(stderr, "-jwt-key:", err)
			return cfg, extra, err
		}
		cfg.JWTKey = key
	}
	return cfg, extra, nil
}

// parsePrefix reads a CIDR, or one address as the prefix of just it.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func serve(args []string, stderr io.Writer) int {
	cfg, extra, err := parseServe(args, stderr)
	if err != nil {
		return 2
	}
	if os.Getenv("GOGC") == "" {
		// A chat server's heap is mostly connection state that lives as long
		// as the connection; what a connection storm leaves behind is
		// garbage. Collecting at 50% growth instead of 100% keeps resident
		// memory near the live size (about 11 KB a client instead of 13 at
		// 10,000 clients) for a little GC CPU. GOGC in the environment wins.
		debug.SetGCPercent(50)
	}
	if extra.pprof != "" {
		// Its own listener, so that the profiles never reach the public port.
		go func() { _ = http.ListenAndServe(extra.pprof, nil) }()
	}
	cfg.Version = version
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	logFileLimit(cfg.Logger, cfg.MaxConns)
	cfg.UI = func(v string) http.Handler { return chatapp.Handler(v) }

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx, cfg); err != nil && !errors.Is(err, context.Canceled) {
		cfg.Logger.Error("serve", "err", err)
		return 1
	}
	return 0
}

// logFileLimit says at start how many clients the open-file limit allows,
// and warns when -max-conns is set past it.
func logFileLimit(log *slog.Logger, maxConns int) {
	soft, hard, err := doctor.RaiseNoFile()
	if err != nil {
		log.Warn("could not read or raise the open-file limit", "err", err)
		return
	}
	log.Info("open files", "soft", soft, "hard", hard,
		"ceiling", fmt.Sprintf("about %d clients (one file each, %d kept for the server)", doctor.MaxConns(soft), doctor.Reserve(soft)))
	if maxConns > doctor.MaxConns(soft) {
		log.Warn("-max-conns is above what the open-file limit allows: past it, accepting fails instead of answering 503",
			"max_conns", maxConns, "open_files", soft, "run", "chat doctor")
	}
}
