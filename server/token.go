package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"chat/wire"
)

// Connection tokens, as Centrifugo has them: a site that already has its
// users signs a short-lived JWT for each, and its page opens the socket
// with it (/ws?token=..., since a browser cannot set headers on a
// WebSocket; other clients may send Authorization: Bearer). The server
// checks it before the upgrade: a forged, expired or malformed token gets
// 401 and no socket.
//
// Claims: sub (the site's user id, required), name (shown, required, a
// valid chat name), exp (required), and optionally rooms: the only rooms
// the connection may join (they may be private rooms: the token is the
// site's word that its user belongs there).

// tokenLeeway forgives clocks a little out of step with the site's.
const tokenLeeway = 30 * time.Second

// tokenVerifier checks connection tokens with one key.
type tokenVerifier struct {
	key     any      // []byte for HMAC, *rsa.PublicKey or *ecdsa.PublicKey
	methods []string // the algorithms that key may have signed with
}

// tokenClaims are a connection token's claims.
type tokenClaims struct {
	Name  string   `json:"name"`
	Rooms []string `json:"rooms,omitempty"`
	jwt.RegisteredClaims
}

// tokenIdentity is who a valid token says connects.
type tokenIdentity struct {
	user    string // "j-" and a hash of sub: a stable id, safe in NATS keys
	name    string
	rooms   []string // nil: any room a connection may join
	expires time.Time
}

// newTokenVerifier reads -jwt-key's file: a PEM public key (RSA for
// RS256/384/512, ECDSA for ES256/384/512), or else an HMAC secret (HS256/
// 384/512) of at least 32 bytes, surrounding white space trimmed. Only the
// algorithms of the key's kind are accepted: a token cannot choose "none",
// nor HMAC with a public key as its secret.
func newTokenVerifier(data []byte) (*tokenVerifier, error) {
	if block, _ := pem.Decode(data); block != nil {
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			if k, rerr := x509.ParsePKCS1PublicKey(block.Bytes); rerr == nil {
				pub, err = k, nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("-jwt-key: a PEM block that is not a public key (%v); give the site's public key, never its private one", err)
		}
		switch k := pub.(type) {
		case *rsa.PublicKey:
			return &tokenVerifier{key: k, methods: []string{"RS256", "RS384", "RS512"}}, nil
		case *ecdsa.PublicKey:
			return &tokenVerifier{key: k, methods: []string{"ES256", "ES384", "ES512"}}, nil
		default:
			return nil, fmt.Errorf("-jwt-key: a %T key; use RSA or ECDSA, or an HMAC secret", pub)
		}
	}
	secret := bytes.TrimSpace(data)
	if len(secret) < 32 {
		return nil, fmt.Errorf("-jwt-key: an HMAC secret of %d bytes; use at least 32 random bytes", len(secret))
	}
	return &tokenVerifier{key: secret, methods: []string{"HS256", "HS384", "HS512"}}, nil
}

// errNoToken: the request carries no token.
var errNoToken = errors.New("no connection token")

// requestToken is the request's connection token, if any.
func requestToken(r *http.Request) string {
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimPrefix(h, "Bearer ")
	}
	return ""
}

// verify checks raw and says who it lets in.
func (v *tokenVerifier) verify(raw string) (tokenIdentity, error) {
	if raw == "" {
		return tokenIdentity{}, errNoToken
	}
	var c tokenClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return v.key, nil },
		jwt.WithValidMethods(v.methods), jwt.WithExpirationRequired(), jwt.WithLeeway(tokenLeeway))
	if err != nil {
		return tokenIdentity{}, err
	}
	if c.Subject == "" {
		return tokenIdentity{}, errors.New(`the token has no "sub"`)
	}
	if err := wire.ValidName(c.Name); err != nil {
		return tokenIdentity{}, fmt.Errorf(`the token's "name": %v`, err)
	}
	for _, room := range c.Rooms {
		if err := wire.ValidRoom(room); err != nil {
			return tokenIdentity{}, fmt.Errorf(`the token's "rooms": %v`, err)
		}
	}
	h := sha256.Sum256([]byte(c.Subject))
	id := tokenIdentity{
		user:    "j-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:15])),
		name:    c.Name,
		expires: c.ExpiresAt.Time,
	}
	if c.Rooms != nil {
		id.rooms = slices.Clone(c.Rooms)
	}
	return id, nil
}
