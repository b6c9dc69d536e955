package tokens

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"chat/wire"
)

// FuzzVerify: whatever the string, Verify does not panic, and what it
// accepts was signed with the test key, as checked here without jwt: an
// Ed25519 signature by the key, or an HMAC with the secret, over the
// token's first two parts as they stand. The keys are fixed so that a
// failing input found once fails again.
func FuzzVerify(f *testing.F) {
	ed := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	edPEM := pkix(ed.Public())
	secret := []byte(testSecret)
	verifiers := []struct {
		v      *Verifier
		signed func(alg, input string, sig []byte) bool
	}{
		{newAt(f, &Options{PublicKeyPEM: edPEM}), func(alg, input string, sig []byte) bool {
			return alg == "EdDSA" && ed25519.Verify(ed.Public().(ed25519.PublicKey), []byte(input), sig)
		}},
		{newAt(f, &Options{HMACSecret: secret, Audience: "chat"}), func(alg, input string, sig []byte) bool {
			h := map[string]crypto.Hash{"HS256": crypto.SHA256, "HS384": crypto.SHA384, "HS512": crypto.SHA512}[alg]
			if h == 0 {
				return false
			}
			m := hmac.New(h.New, secret)
			m.Write([]byte(input))
			return hmac.Equal(m.Sum(nil), sig)
		}},
	}

	// Seeds: good tokens of each verifier, so that the fuzzer starts from
	// what passes, and the classic forgeries.
	good := claims(map[string]any{"rooms": []string{"town", "lobby"}})
	aud := claims(map[string]any{"aud": []string{"x", "chat"}, "nbf": t0.Unix()})
	for _, s := range []string{
		sign(f, jwt.SigningMethodEdDSA, ed, good),
		sign(f, jwt.SigningMethodEdDSA, ed, claims(map[string]any{"iat": nil, "exp": float64(t0.Add(time.Minute).Unix()) + 0.25})),
		sign(f, jwt.SigningMethodHS256, secret, aud),
		sign(f, jwt.SigningMethodHS384, secret, aud),
		sign(f, jwt.SigningMethodHS512, secret, aud),
		sign(f, jwt.SigningMethodHS256, edPEM, good),
		sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good),
		sign(f, jwt.SigningMethodEdDSA, ed, claims(map[string]any{"exp": t0.Add(-time.Hour).Unix()})),
		sign(f, jwt.SigningMethodHS256, secret, claims(map[string]any{"rooms": []string{"Bad/Room"}}), map[string]any{"crit": []string{"b64"}}),
		compact(`{"alg":"EdDSA"}`, `{"sub":"u","name":"ana","exp":1e300}`, make([]byte, 64)),
		"", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		for _, c := range verifiers {
			id, err := c.v.Verify(raw)
			if err != nil {
				if id.User != "" || id.Name != "" || id.Rooms != nil || !id.Expires.IsZero() {
					t.Fatalf("refused (%v), and still an identity: %+v", err, id)
				}
				if len(raw) >= 8 && strings.Contains(err.Error(), raw) {
					t.Fatalf("error %q repeats the token", err)
				}
				continue
			}
			parts := strings.Split(raw, ".")
			if len(parts) != 3 {
				t.Fatalf("accepted a token of %d parts", len(parts))
			}
			sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
			if err != nil {
				t.Fatalf("accepted a signature that is not base64url: %v", err)
			}
			var header struct {
				Alg string `json:"alg"`
			}
			hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
			_ = json.Unmarshal(hb, &header)
			if !c.signed(header.Alg, parts[0]+"."+parts[1], sig) {
				t.Fatalf("accepted a token not signed with the key (alg %q)", header.Alg)
			}
			// What is let in is what the package promises.
			if !strings.HasPrefix(id.User, "j-") || len(id.User) != 26 || wire.ValidName(id.Name) != nil || !utf8.ValidString(id.Name) {
				t.Fatalf("accepted identity %+v", id)
			}
			for _, r := range id.Rooms {
				if wire.ValidRoom(r) != nil {
					t.Fatalf("accepted room %q", r)
				}
			}
			if !t0.Before(id.Expires.Add(DefaultLeeway)) || id.Expires.After(t0.Add(DefaultMaxLifetime+DefaultLeeway)) {
				t.Fatalf("accepted expiry %v at %v", id.Expires, t0)
			}
		}
	})
}
