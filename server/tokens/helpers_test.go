package tokens

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// t0 is the tests' now: tokens are made for it, and verifiers' clocks
// stopped at it, so that no test depends on when it runs.
var t0 = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// testSecret is an HMAC secret of 44 bytes.
const testSecret = "0123456789abcdef0123456789abcdef-test-secret"

// Keys, made once: RSA keys take a while, under -race more so.
var (
	rsaKey  = sync.OnceValue(func() *rsa.PrivateKey { return must(rsa.GenerateKey(rand.Reader, 2048)) })
	ecP256  = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	ecP384  = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)) })
	ecP521  = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P521(), rand.Reader)) })
	edKey   = sync.OnceValue(func() ed25519.PrivateKey { _, k := must2(ed25519.GenerateKey(rand.Reader)); return k })
	edPub   = func() ed25519.PublicKey { return edKey().Public().(ed25519.PublicKey) }
	otherEd = sync.OnceValue(func() ed25519.PrivateKey { _, k := must2(ed25519.GenerateKey(rand.Reader)); return k })
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// pemBlock encodes der as one PEM block of typ.
func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// pkix is pub as the PEM a site would give: "PUBLIC KEY".
func pkix(pub any) []byte {
	return pemBlock("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(pub)))
}

// claims are a valid token's claims at t0, changed by set: a nil value
// removes the claim, jsonNull makes it null.
func claims(set map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "site-user-1", "name": "ana", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix()}
	for k, v := range set {
		switch v {
		case nil:
			delete(c, k)
		case jsonNull:
			c[k] = nil
		default:
			c[k] = v
		}
	}
	return c
}

// jsonNull asks claims for a claim that is there and null.
const jsonNull = "\x00null"

// sign makes a token of c with method and key, and header fields extra.
func sign(t testing.TB, method jwt.SigningMethod, key any, c jwt.MapClaims, extra ...map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	for _, h := range extra {
		maps.Copy(tok.Header, h)
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing %s: %v", method.Alg(), err)
	}
	return s
}

// compact assembles a token from its parts, for headers and signatures no
// library would make.
func compact(header, claims string, sig []byte) string {
	b := base64.RawURLEncoding
	return b.EncodeToString([]byte(header)) + "." + b.EncodeToString([]byte(claims)) + "." + b.EncodeToString(sig)
}

// newAt is New with the clock stopped at t0.
func newAt(t testing.TB, o *Options) *Verifier {
	t.Helper()
	v, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	v.now = func() time.Time { return t0 }
	return v
}

// accept checks that v lets raw in, and returns who.
func accept(t *testing.T, v *Verifier, raw string) Identity {
	t.Helper()
	id, err := v.Verify(raw)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	return id
}

// refuse checks that v refuses raw with an error holding each of want, and
// that the error repeats no part of the token.
func refuse(t *testing.T, v *Verifier, raw string, want ...string) error {
	t.Helper()
	id, err := v.Verify(raw)
	if err == nil {
		t.Fatalf("accepted as %+v; want refused (%q)", id, want)
	}
	if id.User != "" || id.Name != "" || id.Rooms != nil {
		t.Errorf("refused, and still an identity: %+v", id)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q; want it to say %q", err, w)
		}
	}
	notEchoed(t, err, raw)
	return err
}

// notEchoed fails when err's words hold raw or any of its parts long
// enough to mean something.
func notEchoed(t *testing.T, err error, raw string) {
	t.Helper()
	msg := err.Error()
	for _, part := range append(strings.Split(raw, "."), raw) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("error %q repeats the token", msg)
			return
		}
	}
}

// isExpired: errors.Is, spelt for tables.
func isExpired(err error) bool { return errors.Is(err, ErrExpired) }
