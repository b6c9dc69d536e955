package tokens

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Options configures a Verifier. A nil *Options is taken as the zero
// Options, which New refuses for want of a key.
type Options struct {
	// PublicKeyPEM is the -jwt-key file: one PEM public key, "PUBLIC KEY"
	// (PKIX) of RSA (2048 bits or more), ECDSA (P-256, P-384, P-521) or
	// Ed25519, or "RSA PUBLIC KEY" (PKCS#1). Default: none. A non-nil empty
	// slice is an empty file, and an error.
	PublicKeyPEM []byte
	// HMACSecret is the -jwt-secret file: at least 32 bytes once the white
	// space around them is trimmed, for HS256, HS384 and HS512. Default:
	// none. Exactly one of PublicKeyPEM and HMACSecret must be given.
	HMACSecret []byte
	// Audience, when set, must be the token's "aud" or one of its values.
	// Default "": then a token that has an "aud" is refused, since it was
	// meant for some other service.
	Audience string
	// Issuer, when set, must equal the token's "iss". Default "": "iss"
	// is not looked at.
	Issuer string
	// MaxLifetime is the most a token's "exp" may be after its "iat", or
	// after now when it has none. Default (0): DefaultMaxLifetime.
	// Negative is an error.
	MaxLifetime time.Duration
	// Leeway forgives clocks out of step with the site's, for "exp", "nbf"
	// and "iat". Default (0): DefaultLeeway. Negative means none; more
	// than MaxLeeway is an error (fix the clocks instead).
	Leeway time.Duration
}

// Defaults and bounds of Options.
const (
	DefaultMaxLifetime = 24 * time.Hour
	DefaultLeeway      = 30 * time.Second
	MaxLeeway          = 5 * time.Minute
)

// maxTokenBytes bounds the work a request can ask for before its
// signature is checked. Sixteen KiB holds some hundreds of rooms.
const maxTokenBytes = 16 << 10

// Verifier checks connection tokens against one key. Its methods may be
// called concurrently; it does not change after New.
type Verifier struct {
	key         key
	audience    string
	issuer      string
	maxLifetime time.Duration
	leeway      time.Duration
	now         func() time.Time // time.Now; the tests' clock
}

// Identity is who a valid token lets in.
type Identity struct {
	// User is "j-" and the lower-case base32 of the first 15 bytes of
	// sha256(sub): stable across connections, and safe in NATS subjects.
	User string
	// Name is the token's "name", a valid chat name.
	Name string
	// Rooms are the only rooms the connection may join: nil when the token
	// has no "rooms" (no bound), empty when it names none.
	Rooms []string
	// Expires is the token's "exp": the connection should end then.
	Expires time.Time
}

var (
	// ErrNoToken is Verify's answer to an empty token: the request has
	// none, which a caller may take as no error.
	ErrNoToken = errors.New("no connection token")
	// ErrExpired is wrapped by Verify's answer to a token past its "exp":
	// the page should fetch a fresh token from the site.
	ErrExpired = errors.New("connection token refused: it expired")
)

// New makes a Verifier, or says what is wrong with o.
func New(o *Options) (*Verifier, error) {
	if o == nil {
		o = &Options{}
	}
	v := &Verifier{
		audience:    o.Audience,
		issuer:      o.Issuer,
		maxLifetime: o.MaxLifetime,
		leeway:      o.Leeway,
		now:         time.Now,
	}
	var err error
	switch {
	case o.PublicKeyPEM != nil && o.HMACSecret != nil:
		return nil, errors.New("connection tokens: both a public key (-jwt-key) and an HMAC secret (-jwt-secret); give one, the kind the site signs with")
	case o.PublicKeyPEM != nil:
		v.key, err = publicKey(o.PublicKeyPEM)
	case o.HMACSecret != nil:
		v.key, err = hmacSecret(o.HMACSecret)
	default:
		return nil, errors.New("connection tokens: no key; give the site's public key (-jwt-key) or the secret it shares with this server (-jwt-secret)")
	}
	if err != nil {
		return nil, err
	}
	switch {
	case v.maxLifetime == 0:
		v.maxLifetime = DefaultMaxLifetime
	case v.maxLifetime < 0:
		return nil, fmt.Errorf("connection tokens: a negative MaxLifetime (%v)", v.maxLifetime)
	}
	switch {
	case v.leeway == 0:
		v.leeway = DefaultLeeway
	case v.leeway < 0:
		v.leeway = 0
	case v.leeway > MaxLeeway:
		return nil, fmt.Errorf("connection tokens: a leeway of %v, more than %v; keep the clocks in step (NTP) instead", v.leeway, MaxLeeway)
	}
	return v, nil
}

// Verify checks raw, a connection token, and says who it lets in; or why
// not, without repeating the token. An empty raw is ErrNoToken.
func (v *Verifier) Verify(raw string) (Identity, error) {
	if v == nil {
		return Identity{}, errors.New("connection token refused: this server takes none (it has no -jwt-key or -jwt-secret)")
	}
	if raw == "" {
		return Identity{}, ErrNoToken
	}
	if len(raw) > maxTokenBytes {
		return Identity{}, refused("it is %d bytes, more than %d; name fewer rooms", len(raw), maxTokenBytes)
	}
	claims := jwt.MapClaims{}
	// Claims are checked below rather than by jwt's validator, which takes
	// an "exp" of 0 for none, an "aud" of the wrong type for none, and
	// knows nothing of MaxLifetime. Strict decoding refuses the other
	// spellings of a signature that loose base64 would accept.
	p := jwt.NewParser(jwt.WithValidMethods(v.key.algs), jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
	tok, err := p.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return v.key.verify, nil })
	if err != nil {
		return Identity{}, v.parseError(raw, tok, err)
	}
	if _, ok := tok.Header["crit"]; ok {
		return Identity{}, refused(`its header lists "crit" extensions, and this server understands none`)
	}
	return v.identity(claims, v.now())
}
