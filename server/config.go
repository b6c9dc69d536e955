package server

import (
	"crypto/tls"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"chat/server/actions"
	"chat/server/hub"
)

// Config is what `chat serve` passes to the server. Start from
// DefaultConfig; every field's default is given there.
type Config struct {
	Addr    string   // listen address; ":8080"
	DataDir string   // embedded NATS store; "./data"
	NATSURL string   // external NATS; empty starts the embedded one
	Origins []string // extra Origin host patterns allowed on /ws; same host is always allowed
	// Web is the built UI (app.wasm and its compressed copies,
	// wasm_exec.js, icons, CSS, scripts) served under /web/: chat serve
	// gives the copy embedded in its binary. nil serves no UI.
	Web fs.FS
	// WebDir, when set, serves the UI from this directory instead of Web
	// (-web, for work on the UI without rebuilding the server). Either is
	// read once, at start.
	WebDir string
	// Benchmark says who may call GET /benchmark, which turns one request
	// into a delivery to every client: BenchmarkLocal (the default) answers
	// loopback clients only, BenchmarkAll anyone, BenchmarkOff nobody (404).
	Benchmark BenchmarkAccess
	// Access says who may chat: AccessOpen (the default), or AccessMembers.
	Access AccessMode
	// Operator says who may read /metrics and /stats.json: OperatorLocal
	// (the default: clients on this host, and admins), OperatorAdmins, or
	// OperatorAll. With MetricsAddr they are served there instead, to
	// whoever reaches it, and not on Addr.
	Operator    OperatorAccess
	MetricsAddr string
	// TLSCert and TLSKey are certificate files for HTTPS, reloaded when
	// they change; ACMEDomains instead get certificates from an ACME CA
	// (ACMEDirectory, Let's Encrypt's by default; ACMEEmail for its
	// notices; ACMEHTTPClient for a test's CA). With either, HTTPAddr
	// (":80" when empty and not "-") answers plain HTTP: the ACME HTTP
	// challenge and a redirect to HTTPS.
	TLSCert, TLSKey string
	ACMEDomains     []string
	ACMEDirectory   string
	ACMEEmail       string
	ACMEHTTPClient  *http.Client
	HTTPAddr        string
	// TrustedProxies are the reverse proxies whose word about the client
	// is believed (see httpx.Proxies); ProxyHeader is the one header it is
	// read from: X-Forwarded-For (the default), Forwarded or X-Real-Ip.
	TrustedProxies []netip.Prefix
	ProxyHeader    string
	// JWTKey (a PEM public key: RSA, ECDSA or Ed25519) or JWTSecret (an
	// HMAC secret of 32 bytes or more), one of them, lets sites sign
	// connection tokens (see server/tokens). JWTAudience and JWTIssuer,
	// when set, must be the tokens' aud and iss; JWTMaxAge bounds a
	// token's lifetime (24 h).
	JWTKey      []byte
	JWTSecret   []byte
	JWTAudience string
	JWTIssuer   string
	JWTMaxAge   time.Duration
	MaxConns    int // WebSocket connections at once, beyond which /ws answers 503; 10000
	// MaxConnsPerIP caps the WebSockets of one client address (429 past
	// it); 0, the default, is no cap.
	MaxConnsPerIP int
	// AcceptRate caps new WebSockets per second (bursts of as many), so
	// that a reconnect storm after a restart is spread out: past it, 503
	// with Retry-After, and clients back off with jitter. 0, the default,
	// is no cap.
	AcceptRate float64
	// HeaderTimeout cuts off a request whose headers have not arrived in
	// this long (slowloris); 10 s. ReadTimeout bounds the reading of a
	// whole request (an upload moves its own deadline as it arrives),
	// IdleTimeout a keep-alive connection's wait for the next; 30 s and
	// 2 min.
	HeaderTimeout time.Duration
	ReadTimeout   time.Duration
	IdleTimeout   time.Duration
	// UploadIdle is the longest an upload's body may go without a byte
	// (after as long again it must keep up 16 KiB a second); 10 s.
	UploadIdle time.Duration

	// Per-connection inbound event rate (events per second) and burst.
	// A client over it gets a rate_limited error; one that keeps on is
	// closed with 1008. 20/s, burst 40.
	EventRate  float64
	EventBurst int

	// MaxDeliveryLag is how far this node's fan-out of stored messages may
	// fall behind before it refuses new messages with a busy error (the
	// sender sends again in a moment): overload slows the senders instead
	// of growing every member's queue. 1 s.
	MaxDeliveryLag time.Duration

	// HistoryPerRoom caps each room's stored messages; 1,000,000: history
	// is kept by age and bytes (HistoryMaxAge, HistoryMaxBytes), so that a
	// team's room keeps months of it, and this only stops one room from
	// taking everything.
	HistoryPerRoom int64
	// HistoryMaxBytes bounds the history of all rooms (the oldest
	// messages go first); 1 GiB.
	HistoryMaxBytes int64
	// HistoryMaxAge is how long messages are kept; 90 days.
	HistoryMaxAge time.Duration
	// StoreMax bounds what the embedded NATS stores on disk in all; past it
	// messages are refused with a store_full error instead of the disk
	// filling up. HistoryMaxBytes + FilesMaxBytes + 1 GiB.
	StoreMax int64
	// FileMax bounds one attached file; 25 MiB.
	FileMax int64
	// FilesPerPerson bounds the bytes one person's files keep; 1 GiB.
	FilesPerPerson int64
	// FilesMaxBytes bounds all files together (NATS reserves it); 4 GiB.
	FilesMaxBytes int64
	// Replicas is how many NATS servers keep each message (the stream's
	// replicas); 0, the default, is 1 embedded and as many of 3 as an
	// external cluster has.
	Replicas int
	// SyncAlways flushes every message to disk before it is acknowledged
	// (embedded NATS): an acknowledged message then survives a power cut,
	// not only a crash. Off: the disk is flushed every 2 minutes.
	SyncAlways bool
	// HistoryOnJoin is how many of a room's last messages a join without
	// "after" gets; 100.
	HistoryOnJoin int
	// MaxResume is the most a join with "after" is sent at once: further
	// back, the room's last MaxResume messages after a gap event saying
	// the others are kept (the client asks for them with history); 1000.
	MaxResume int

	// PresenceNames caps the names in a presence event; 50.
	PresenceNames int
	// PresenceEvery is the pace of presence events per room; 1 s.
	PresenceEvery time.Duration
	// PresenceExpiry is how long a node may be silent before its members are
	// taken out of presence everywhere (a node that died); 30 s.
	PresenceExpiry time.Duration

	// BotRate and BotBurst bound what one bot posts through the HTTP API
	// (messages a second, per node; 429 past it); 1 a second, bursts of 20.
	BotRate  float64
	BotBurst int
	// OutgoingAllowPrivate lets bots' webhooks and Web Push endpoints
	// reach loopback, private and link-local addresses
	// (-outgoing-allow-private); off, such a URL is never called, so that
	// a person cannot point the server at its own network.
	OutgoingAllowPrivate bool
	// PushContact is the contact a Web Push service is given in each
	// push's VAPID token (mailto: or https:); -push-contact, else the
	// ACME contact, else admin@ the first ACME name.
	PushContact string
	// PushEvery spaces pushes to one device about one room; 30 s.
	PushEvery time.Duration
	// OutgoingTLS is the TLS configuration of those calls; nil: the
	// system's roots (tests give their own servers' root).
	OutgoingTLS *tls.Config
	// WebhookAttempts is how many times a webhook call is tried before it
	// is given up (5); WebhookBackoff the wait before the first retry,
	// doubled each time (1 s).
	WebhookAttempts int
	WebhookBackoff  time.Duration

	Hub *hub.Options // nil: the hub's defaults

	Version string       // build version (git commit); the UI's version adds app.wasm's hash
	Logger  *slog.Logger // slog.Default() if nil

	// UI returns the handler for the app's pages, given the UI version. Nil
	// serves no UI (tests of the protocol alone).
	UI func(version string) http.Handler
}

// AccessMode, BenchmarkAccess and OperatorAccess are the actions' (who
// may chat, trigger GET /benchmark, read the operator's figures), named
// here for chat serve's flags.
type (
	AccessMode      = actions.AccessMode
	BenchmarkAccess = actions.BenchmarkAccess
	OperatorAccess  = actions.OperatorAccess
)

const (
	AccessOpen     = actions.AccessOpen
	AccessMembers  = actions.AccessMembers
	BenchmarkLocal = actions.BenchmarkLocal
	BenchmarkAll   = actions.BenchmarkAll
	BenchmarkOff   = actions.BenchmarkOff
	OperatorLocal  = actions.OperatorLocal
	OperatorAdmins = actions.OperatorAdmins
	OperatorAll    = actions.OperatorAll
)

// DefaultConfig returns the defaults of `chat serve`.
func DefaultConfig() Config {
	return Config{
		Addr:            ":8080",
		DataDir:         "./data",
		Benchmark:       BenchmarkLocal,
		MaxConns:        10000,
		HeaderTimeout:   10 * time.Second,
		ReadTimeout:     30 * time.Second,
		IdleTimeout:     2 * time.Minute,
		Operator:        OperatorLocal,
		EventRate:       20,
		EventBurst:      40,
		MaxDeliveryLag:  time.Second,
		HistoryPerRoom:  1_000_000,
		HistoryMaxBytes: 1 << 30,
		HistoryMaxAge:   90 * 24 * time.Hour,
		FileMax:         25 << 20,
		FilesPerPerson:  1 << 30,
		FilesMaxBytes:   4 << 30,
		HistoryOnJoin:   100,
		PresenceNames:   50,
		PresenceEvery:   time.Second,
		PresenceExpiry:  30 * time.Second,
		BotRate:         1,
		BotBurst:        20,
		WebhookAttempts: 5,
		PushEvery:       30 * time.Second,
		WebhookBackoff:  time.Second,
		Version:         "dev",
	}
}
