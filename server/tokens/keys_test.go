package tokens

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	pkixname "crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/ssh"
)

// jwk is key as a JSON Web Key, the form in which some sites publish theirs.
func jwk(t testing.TB, k *ecdsa.PublicKey) []byte {
	t.Helper()
	pt := must(k.Bytes()) // 0x04 || X || Y
	n := (len(pt) - 1) / 2
	b := base64.RawURLEncoding
	return must(json.Marshal(map[string]string{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
		"x": b.EncodeToString(pt[1 : 1+n]), "y": b.EncodeToString(pt[1+n:]),
	}))
}

// TestNewKeys: New takes each kind of public key and a long enough secret,
// pinned to that kind's algorithms, and refuses everything else at start,
// saying what the file holds and what to give instead.
func TestNewKeys(t *testing.T) {
	rsaPub := &rsaKey().PublicKey
	small := must(rsa.GenerateKey(rand.Reader, 1024))
	p224 := must(ecdsa.GenerateKey(elliptic.P224(), rand.Reader))
	x25519 := must(ecdh.X25519().GenerateKey(rand.Reader))
	sshPub := must(ssh.NewPublicKey(edPub()))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkixname.Name{CommonName: "site"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert := pemBlock("CERTIFICATE", must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ecP256().PublicKey, ecP256())))
	pkcs8 := func(k any) []byte { return pemBlock("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(k))) }
	secret32 := []byte(strings.Repeat("k", 32))

	for _, c := range []struct {
		name     string
		o        *Options
		wantAlgs []string // accepted, with these algorithms
		wantErr  []string // else refused, saying these
	}{
		{"RSA, PKIX", &Options{PublicKeyPEM: pkix(rsaPub)}, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, nil},
		{"RSA, PKCS#1", &Options{PublicKeyPEM: pemBlock("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(rsaPub))}, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, nil},
		{"ECDSA P-256", &Options{PublicKeyPEM: pkix(&ecP256().PublicKey)}, []string{"ES256"}, nil},
		{"ECDSA P-384", &Options{PublicKeyPEM: pkix(&ecP384().PublicKey)}, []string{"ES384"}, nil},
		{"ECDSA P-521", &Options{PublicKeyPEM: pkix(&ecP521().PublicKey)}, []string{"ES512"}, nil},
		{"Ed25519", &Options{PublicKeyPEM: pkix(edPub())}, []string{"EdDSA"}, nil},
		{"PEM with white space around", &Options{PublicKeyPEM: append(append([]byte("\n\n  "), pkix(edPub())...), "\r\n\n"...)}, []string{"EdDSA"}, nil},
		{"HMAC, 32 bytes", &Options{HMACSecret: secret32}, []string{"HS256", "HS384", "HS512"}, nil},

		{"nil options", nil, nil, []string{"no key", "-jwt-key", "-jwt-secret"}},
		{"no key", &Options{Audience: "chat"}, nil, []string{"no key"}},
		{"both kinds", &Options{PublicKeyPEM: pkix(edPub()), HMACSecret: secret32}, nil, []string{"both", "give one"}},
		{"empty key file", &Options{PublicKeyPEM: []byte{}}, nil, []string{"empty", "BEGIN PUBLIC KEY"}},
		{"white space only", &Options{PublicKeyPEM: []byte(" \n\t")}, nil, []string{"empty"}},
		{"RSA 1024", &Options{PublicKeyPEM: pkix(&small.PublicKey)}, nil, []string{"1024 bits", "at least 2048"}},
		{"ECDSA P-224", &Options{PublicKeyPEM: pkix(&p224.PublicKey)}, nil, []string{"P-224", "P-256 (ES256)"}},
		{"X25519", &Options{PublicKeyPEM: pkix(x25519.PublicKey())}, nil, []string{"X25519", "cannot sign", "Ed25519"}},
		{"RSA private, PKCS#8", &Options{PublicKeyPEM: pkcs8(rsaKey())}, nil, []string{"PRIVATE key", "PUBLIC key", "-pubout"}},
		{"RSA private, PKCS#1", &Options{PublicKeyPEM: pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(small))}, nil, []string{"PRIVATE key", "-pubout"}},
		{"ECDSA private, SEC 1", &Options{PublicKeyPEM: pemBlock("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecP256())))}, nil, []string{"PRIVATE key"}},
		{"Ed25519 private", &Options{PublicKeyPEM: pkcs8(edKey())}, nil, []string{"PRIVATE key"}},
		{"public then private", &Options{PublicKeyPEM: append(pkix(edPub()), pkcs8(edKey())...)}, nil, []string{"PRIVATE key"}},
		{"two public keys", &Options{PublicKeyPEM: append(pkix(edPub()), pkix(&ecP256().PublicKey)...)}, nil, []string{"2 PEM blocks", "exactly one"}},
		{"certificate", &Options{PublicKeyPEM: cert}, nil, []string{"certificate", "openssl x509", "-pubkey"}},
		{"JWK", &Options{PublicKeyPEM: jwk(t, &ecP256().PublicKey)}, nil, []string{"JWK (JSON Web Key)", "not a PEM public key", "BEGIN PUBLIC KEY"}},
		{"JWK set", &Options{PublicKeyPEM: []byte(`{"keys":[` + string(jwk(t, &ecP256().PublicKey)) + `]}`)}, nil, []string{"JWK set"}},
		{"OpenSSH public key", &Options{PublicKeyPEM: ssh.MarshalAuthorizedKey(sshPub)}, nil, []string{"OpenSSH public key", "ssh-keygen -e -m PKCS8"}},
		{"an HMAC secret as -jwt-key", &Options{PublicKeyPEM: []byte(testSecret)}, nil, []string{"not PEM", "-jwt-secret"}},
		{"text before the block", &Options{PublicKeyPEM: append([]byte("Public-Key: (256 bit)\n"), pkix(edPub())...)}, nil, []string{"text before the PEM block"}},
		{"PEM headers", &Options{PublicKeyPEM: bytes.Replace(pkix(edPub()), []byte("KEY-----\n"), []byte("KEY-----\nProc-Type: 4,ENCRYPTED\n\n"), 1)}, nil, []string{"headers"}},
		{"broken PEM", &Options{PublicKeyPEM: []byte("-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n")}, nil, []string{"does not decode"}},
		{"PUBLIC KEY of junk", &Options{PublicKeyPEM: pemBlock("PUBLIC KEY", []byte("junk"))}, nil, []string{"does not parse"}},
		{"other PEM type", &Options{PublicKeyPEM: pemBlock("EC PARAMETERS", []byte{6, 8, 42})}, nil, []string{`"EC PARAMETERS"`, "not a public key"}},

		{"HMAC, 31 bytes", &Options{HMACSecret: secret32[:31]}, nil, []string{"31 bytes", "at least 32"}},
		{"HMAC, 31 bytes in white space", &Options{HMACSecret: []byte("  \n" + strings.Repeat("k", 31) + "\n\t ")}, nil, []string{"31 bytes", "trimmed"}},
		{"HMAC, empty", &Options{HMACSecret: []byte{}}, nil, []string{"0 bytes"}},
		{"HMAC, a PEM public key", &Options{HMACSecret: pkix(&ecP256().PublicKey)}, nil, []string{"-jwt-secret", "PEM", "anyone could sign"}},
		{"HMAC, a JWK", &Options{HMACSecret: jwk(t, &ecP256().PublicKey)}, nil, []string{"-jwt-secret", "JWK", "anyone could sign"}},
		{"HMAC, an OpenSSH key", &Options{HMACSecret: ssh.MarshalAuthorizedKey(sshPub)}, nil, []string{"-jwt-secret", "OpenSSH"}},

		{"negative MaxLifetime", &Options{HMACSecret: secret32, MaxLifetime: -time.Hour}, nil, []string{"negative MaxLifetime"}},
		{"leeway too large", &Options{HMACSecret: secret32, Leeway: time.Hour}, nil, []string{"leeway of 1h0m0s", "NTP"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := New(c.o)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("accepted (%s, %v); want refused", v.key.kind, v.key.algs)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q; want it to say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(v.key.algs, c.wantAlgs) {
				t.Errorf("algorithms %v, want %v", v.key.algs, c.wantAlgs)
			}
		})
	}
}

// TestJWKFileAsHMACSecret is the attack on the old -jwt-key, which took
// any file that was not PEM for an HMAC secret: given a site's JWK, it let
// in a token HMAC-signed with the JWK's (public) bytes as "mallory". Now
// the file's kind is said, not guessed: a JWK is refused as a public key
// and as a secret, and a verifier with the real public key refuses tokens
// HMAC-signed with that key's bytes in any form.
func TestJWKFileAsHMACSecret(t *testing.T) {
	file := jwk(t, &ecP256().PublicKey)
	mallory := claims(map[string]any{"sub": "mallory", "name": "mallory"})
	if len(bytes.TrimSpace(file)) < 32 {
		t.Fatalf("the JWK is %d bytes; the attack needs the 32 the old code asked of a secret", len(file))
	}
	for _, o := range []*Options{{PublicKeyPEM: file}, {HMACSecret: file}} {
		if v, err := New(o); err == nil {
			t.Errorf("New took a JWK (%s)", v.key.kind)
		} else if !strings.Contains(err.Error(), "JWK") {
			t.Errorf("error %q does not say the file is a JWK", err)
		}
	}
	pemFile := pkix(&ecP256().PublicKey)
	v := newAt(t, &Options{PublicKeyPEM: pemFile})
	for name, secret := range map[string][]byte{
		"the JWK":          file,
		"the PEM":          pemFile,
		"the trimmed PEM":  bytes.TrimSpace(pemFile),
		"the key's DER":    must(x509.MarshalPKIXPublicKey(&ecP256().PublicKey)),
		"the key's points": must(ecP256().PublicKey.Bytes()),
	} {
		for _, m := range []jwt.SigningMethod{jwt.SigningMethodHS256, jwt.SigningMethodHS384, jwt.SigningMethodHS512} {
			t.Run(name+" "+m.Alg(), func(t *testing.T) {
				refuse(t, v, sign(t, m, secret, mallory), "signed with "+m.Alg(), "HMAC", "takes ES256")
			})
		}
	}
}

// TestSecretIsCopied: the secret New was given may be changed or zeroed
// by its caller afterwards; tokens still verify with the secret as it was.
func TestSecretIsCopied(t *testing.T) {
	secret := []byte(testSecret)
	v := newAt(t, &Options{HMACSecret: secret})
	clear(secret)
	accept(t, v, sign(t, jwt.SigningMethodHS256, []byte(testSecret), claims(nil)))
}
