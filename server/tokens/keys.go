package tokens

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// key is the one key a Verifier checks signatures with.
type key struct {
	kind   string   // what it is, for errors: "an ECDSA P-256 public key"
	verify any      // what jwt's SigningMethod.Verify takes for it
	algs   []string // the only "alg" values a token may name
}

// minRSABits: shorter RSA keys are within reach of factoring (NIST has
// retired them), and a site can always make a new key.
const minRSABits = 2048

// minSecretBytes: an HMAC secret must be as hard to guess as a 256-bit key
// is (RFC 7518 3.2 asks HS256's key to be at least the hash's size).
const minSecretBytes = 32

// The remedies errors suggest.
const (
	givePEM = "give the site's public key as PEM (-----BEGIN PUBLIC KEY-----), " +
		"e.g. openssl pkey -in private.pem -pubout"
	giveSecret = "make a secret of at least 32 random bytes, e.g. openssl rand -base64 48, " +
		"and give the same one to the site"
)

// publicKey reads the -jwt-key file: one PEM public key and nothing else.
func publicKey(data []byte) (key, error) {
	text := bytes.TrimSpace(data)
	if len(text) == 0 {
		return key{}, errors.New("-jwt-key: the file is empty; " + givePEM)
	}
	if !bytes.HasPrefix(text, []byte("-----BEGIN ")) {
		what := notPEM(text)
		switch {
		case what != "":
			return key{}, fmt.Errorf("-jwt-key: %s, not a PEM public key; %s", what, givePEM)
		case bytes.Contains(text, []byte("-----BEGIN ")):
			return key{}, errors.New("-jwt-key: text before the PEM block; keep only the block (-----BEGIN to -----END)")
		}
		return key{}, errors.New("-jwt-key: not PEM; " + givePEM +
			" (if this is an HMAC secret, give it as -jwt-secret instead)")
	}
	var blocks []*pem.Block
	for rest := text; len(bytes.TrimSpace(rest)) > 0; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return key{}, errors.New("-jwt-key: a PEM block that does not decode (broken base64, or no END line); " + givePEM)
		}
		// A private key anywhere in the file is the worst mistake, so it is
		// the one reported, whatever else the file holds.
		if strings.Contains(b.Type, "PRIVATE KEY") {
			return key{}, errors.New("-jwt-key: a PRIVATE key; this server needs only the PUBLIC key " +
				"(openssl pkey -in private.pem -pubout), and the private key should stay on the site")
		}
		blocks = append(blocks, b)
	}
	if len(blocks) != 1 {
		return key{}, fmt.Errorf("-jwt-key: %d PEM blocks; give exactly one public key", len(blocks))
	}
	b := blocks[0]
	if len(b.Headers) > 0 {
		return key{}, errors.New("-jwt-key: a PEM block with headers (an encrypted key?); " + givePEM)
	}
	var pub any
	var err error
	switch b.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(b.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(b.Bytes)
	case "CERTIFICATE", "TRUSTED CERTIFICATE":
		return key{}, errors.New("-jwt-key: a certificate; give its public key alone " +
			"(openssl x509 -in cert.pem -pubkey -noout)")
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		return key{}, errors.New("-jwt-key: a certificate request; " + givePEM)
	default:
		return key{}, fmt.Errorf("-jwt-key: a PEM block of type %.40q, not a public key; %s", b.Type, givePEM)
	}
	if err != nil {
		return key{}, fmt.Errorf("-jwt-key: a %s block that does not parse (%v); %s", b.Type, err, givePEM)
	}
	return signatureKey(pub)
}

// signatureKey pins a parsed public key to the algorithms of its kind.
func signatureKey(pub any) (key, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < minRSABits {
			return key{}, fmt.Errorf("-jwt-key: an RSA key of %d bits; use one of at least %d", n, minRSABits)
		}
		// PSS is the same key's other padding: a token signed either way
		// still needs the private key, so both are the site's choice.
		return key{
			kind:   fmt.Sprintf("an RSA %d-bit public key", k.N.BitLen()),
			verify: k,
			algs:   []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"},
		}, nil
	case *ecdsa.PublicKey:
		// One algorithm for each curve, as RFC 7518 3.4 pairs them: jwt
		// alone would take ES384 over a P-256 key (a SHA-384 hash cut to
		// 256 bits), a signature no conforming signer makes, so it is one
		// more form of token to trust for nothing.
		var alg string
		switch k.Curve {
		case elliptic.P256():
			alg = "ES256"
		case elliptic.P384():
			alg = "ES384"
		case elliptic.P521():
			alg = "ES512"
		default:
			return key{}, fmt.Errorf("-jwt-key: an ECDSA key on %s, which JWTs do not use; use P-256 (ES256), P-384 (ES384) or P-521 (ES512)", k.Curve.Params().Name)
		}
		return key{kind: "an ECDSA " + k.Curve.Params().Name + " public key", verify: k, algs: []string{alg}}, nil
	case ed25519.PublicKey:
		return key{kind: "an Ed25519 public key", verify: k, algs: []string{"EdDSA"}}, nil
	case *ecdh.PublicKey:
		return key{}, errors.New("-jwt-key: an X25519 (or other ECDH) key, which agrees on keys and cannot sign; use Ed25519, ECDSA or RSA")
	default:
		return key{}, fmt.Errorf("-jwt-key: a %T, which cannot verify JWTs here; use RSA, ECDSA or Ed25519", pub)
	}
}

// hmacSecret reads the -jwt-secret file.
func hmacSecret(data []byte) (key, error) {
	secret := bytes.TrimSpace(data)
	what := notPEM(secret)
	if what == "" && bytes.Contains(secret, []byte("-----BEGIN ")) {
		what = "a PEM key or certificate"
	}
	if what != "" {
		return key{}, fmt.Errorf("-jwt-secret: %s, not a secret: a key's public half is public, "+
			"so anyone could sign tokens with it; give a public key as -jwt-key, or %s", what, giveSecret)
	}
	if len(secret) < minSecretBytes {
		return key{}, fmt.Errorf("-jwt-secret: %d bytes (white space around it trimmed); %s", len(secret), giveSecret)
	}
	return key{
		kind:   "an HMAC secret",
		verify: bytes.Clone(secret), // the caller's slice may change; this must not
		algs:   []string{"HS256", "HS384", "HS512"},
	}, nil
}

// notPEM names the kinds of key file that are not PEM but are plainly keys,
// or says "" when text is none of them.
func notPEM(text []byte) string {
	if len(text) > 0 && (text[0] == '{' || text[0] == '[') && json.Valid(text) {
		var doc struct {
			Kty  string            `json:"kty"`
			Keys []json.RawMessage `json:"keys"`
		}
		_ = json.Unmarshal(text, &doc) // an array, or odd fields, leave doc empty
		switch {
		case doc.Kty != "":
			return "a JWK (JSON Web Key)"
		case doc.Keys != nil:
			return "a JWK set (JSON)"
		}
		return "a JSON document"
	}
	if bytes.HasPrefix(text, []byte("---- BEGIN SSH2 PUBLIC KEY")) {
		return "an SSH2 public key (convert it with ssh-keygen -i -f key.pub, then -e -m PKCS8)"
	}
	// "ssh-ed25519 AAAAC3Nz... comment": the base64 always opens with the
	// length of the type name, hence AAAA.
	if f := bytes.Fields(text); len(f) >= 2 && bytes.HasPrefix(f[1], []byte("AAAA")) {
		for _, p := range []string{"ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"} {
			if bytes.HasPrefix(f[0], []byte(p)) {
				return "an OpenSSH public key (convert it with ssh-keygen -e -m PKCS8 -f key.pub)"
			}
		}
	}
	return ""
}
