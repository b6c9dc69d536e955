package tokens

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestVerifyEachAlgorithm: every algorithm of each kind of key lets in a
// token signed with that key, with the identity the claims say.
func TestVerifyEachAlgorithm(t *testing.T) {
	for _, c := range []struct {
		pub    *Options
		method jwt.SigningMethod
		priv   any
	}{
		{&Options{PublicKeyPEM: pkix(&rsaKey().PublicKey)}, jwt.SigningMethodRS256, rsaKey()},
		{&Options{PublicKeyPEM: pkix(&rsaKey().PublicKey)}, jwt.SigningMethodRS384, rsaKey()},
		{&Options{PublicKeyPEM: pkix(&rsaKey().PublicKey)}, jwt.SigningMethodRS512, rsaKey()},
		{&Options{PublicKeyPEM: pkix(&rsaKey().PublicKey)}, jwt.SigningMethodPS256, rsaKey()},
		{&Options{PublicKeyPEM: pkix(&rsaKey().PublicKey)}, jwt.SigningMethodPS384, rsaKey()},
		{&Options{PublicKeyPEM: pkix(&rsaKey().PublicKey)}, jwt.SigningMethodPS512, rsaKey()},
		{&Options{PublicKeyPEM: pkix(&ecP256().PublicKey)}, jwt.SigningMethodES256, ecP256()},
		{&Options{PublicKeyPEM: pkix(&ecP384().PublicKey)}, jwt.SigningMethodES384, ecP384()},
		{&Options{PublicKeyPEM: pkix(&ecP521().PublicKey)}, jwt.SigningMethodES512, ecP521()},
		{&Options{PublicKeyPEM: pkix(edPub())}, jwt.SigningMethodEdDSA, edKey()},
		{&Options{HMACSecret: []byte(testSecret + "\n")}, jwt.SigningMethodHS256, []byte(testSecret)},
		{&Options{HMACSecret: []byte(testSecret)}, jwt.SigningMethodHS384, []byte(testSecret)},
		{&Options{HMACSecret: []byte(testSecret)}, jwt.SigningMethodHS512, []byte(testSecret)},
	} {
		t.Run(c.method.Alg(), func(t *testing.T) {
			v := newAt(t, c.pub)
			id := accept(t, v, sign(t, c.method, c.priv, claims(nil)))
			want := Identity{User: "j-qwptura7tl4yghdpflxj3rh6", Name: "ana", Expires: t0.Add(time.Hour)}
			if id.User != want.User || id.Name != want.Name || id.Rooms != nil || !id.Expires.Equal(want.Expires) {
				t.Errorf("identity %+v, want %+v", id, want)
			}
		})
	}
}

// TestUserID: the chat's id for a site's user is the old one ("j-" and
// base32 of sha256(sub), worked out apart from this code), so people keep
// their read marks and rooms; and one sub is one id.
func TestUserID(t *testing.T) {
	v := newAt(t, &Options{HMACSecret: []byte(testSecret)})
	for sub, want := range map[string]string{
		"site-user-1": "j-qwptura7tl4yghdpflxj3rh6",
		"mallory":     "j-ycsjo5q3c5jxt3ldhf6mtacu",
	} {
		for _, name := range []string{"ana", "someone else"} {
			id := accept(t, v, sign(t, jwt.SigningMethodHS256, []byte(testSecret), claims(map[string]any{"sub": sub, "name": name})))
			if id.User != want {
				t.Errorf("sub %q: user %q, want %q", sub, id.User, want)
			}
		}
	}
}

// TestAlgorithmConfusion: a token may name only its server's key's
// algorithms; "none", HMAC keyed with the public key (the old classic:
// the key is public, so anyone could), and another kind's algorithm are
// refused, each saying so.
func TestAlgorithmConfusion(t *testing.T) {
	c := claims(nil)
	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, c)
	// Tokens good to the key that signed them.
	foreign := map[string]string{
		"RS256": sign(t, jwt.SigningMethodRS256, rsaKey(), c),
		"PS512": sign(t, jwt.SigningMethodPS512, rsaKey(), c),
		"ES256": sign(t, jwt.SigningMethodES256, ecP256(), c),
		"ES384": sign(t, jwt.SigningMethodES384, ecP384(), c),
		"EdDSA": sign(t, jwt.SigningMethodEdDSA, edKey(), c),
	}
	for _, kc := range []struct {
		name  string
		pem   []byte
		own   string // the algorithm of foreign's that this key signed
		takes string
	}{
		{"RSA", pkix(&rsaKey().PublicKey), "RS256 PS512", "RS256, RS384, RS512, PS256, PS384, PS512"},
		{"ECDSA", pkix(&ecP256().PublicKey), "ES256", "ES256"},
		{"Ed25519", pkix(edPub()), "EdDSA", "EdDSA"},
	} {
		v := newAt(t, &Options{PublicKeyPEM: kc.pem})
		cases := []struct {
			name string
			raw  string
			want []string
		}{
			{"none", none, []string{`unsigned (alg "none")`, kc.takes}},
			{"none with a signature", none + "c2ln", []string{`alg "none"`}},
			{"HS256 keyed with the PEM", sign(t, jwt.SigningMethodHS256, kc.pem, c), []string{"signed with HS256", "never an HMAC secret", kc.takes}},
			{"HS512 keyed with the PEM", sign(t, jwt.SigningMethodHS512, kc.pem, c), []string{"signed with HS512", "HMAC"}},
			{"no alg", compact(`{"typ":"JWT"}`, `{"sub":"u","name":"ana","exp":1900000000}`, []byte("sig")), []string{`no "alg"`}},
			{"unknown alg", compact(`{"alg":"HS257"}`, `{"sub":"u","name":"ana","exp":1900000000}`, []byte("sig")), []string{"no JWT library signs with"}},
			{"alg not a string", compact(`{"alg":["RS256"]}`, `{"sub":"u","name":"ana","exp":1900000000}`, []byte("sig")), []string{`no "alg"`}},
		}
		for alg, raw := range foreign {
			if !strings.Contains(kc.own, alg) {
				cases = append(cases, struct {
					name string
					raw  string
					want []string
				}{alg + " by another kind of key", raw, []string{"signed with " + alg, "takes only " + kc.takes}})
			}
		}
		for _, tc := range cases {
			t.Run(kc.name+"/"+tc.name, func(t *testing.T) {
				refuse(t, v, tc.raw, tc.want...)
			})
		}
	}
	t.Run("Ed25519/EdDSA by another key", func(t *testing.T) {
		v := newAt(t, &Options{PublicKeyPEM: pkix(edPub())})
		refuse(t, v, sign(t, jwt.SigningMethodEdDSA, otherEd(), c), "signature does not verify", "another key")
	})
	t.Run("HMAC", func(t *testing.T) {
		v := newAt(t, &Options{HMACSecret: []byte(testSecret)})
		refuse(t, v, none, `alg "none"`, "HS256, HS384, HS512")
		refuse(t, v, foreign["EdDSA"], "signed with EdDSA", "an HMAC secret", "takes only HS256")
		refuse(t, v, sign(t, jwt.SigningMethodHS256, []byte(testSecret+"!"), c), "signature does not verify")
	})
}

// signECDSA makes a token of claims signed by key with alg's hash, in
// JWS's r||s of alg's size: what no JWT library makes when key's curve is
// not alg's.
func signECDSA(t *testing.T, key *ecdsa.PrivateKey, alg string, claims string) string {
	t.Helper()
	header := `{"alg":"` + alg + `","typ":"JWT"}`
	b := base64.RawURLEncoding
	input := b.EncodeToString([]byte(header)) + "." + b.EncodeToString([]byte(claims))
	var digest []byte
	var size int
	switch alg {
	case "ES256":
		h := sha256.Sum256([]byte(input))
		digest, size = h[:], 32
	case "ES384":
		h := sha512.Sum384([]byte(input))
		digest, size = h[:], 48
	case "ES512":
		h := sha512.Sum512([]byte(input))
		digest, size = h[:], 66
	default:
		t.Fatalf("signECDSA: %s", alg)
	}
	r, s, err := ecdsa.Sign(rand.Reader, key, digest)
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 2*size)
	r.FillBytes(sig[:size])
	s.FillBytes(sig[size:])
	return compact(header, claims, sig)
}

// TestECDSACurveMismatch: an ECDSA key takes the one algorithm of its
// curve. ES384 or ES512 over a P-256 key (a longer hash, cut to the curve's
// size) is a real signature by the key, which the old verifier (ES256/384/
// 512 for any ECDSA key) let in, as jwt itself still does; it is refused
// here. (A shorter hash than the curve's cannot be made to fit: r and s
// are too long for its size.)
func TestECDSACurveMismatch(t *testing.T) {
	c := `{"sub":"site-user-1","name":"ana","exp":` + strconv.FormatInt(t0.Add(time.Hour).Unix(), 10) + `}`
	for _, m := range []struct {
		key   *ecdsa.PrivateKey
		curve string
		alg   string
		takes string
	}{
		{ecP256(), "P-256", "ES384", "ES256"},
		{ecP256(), "P-256", "ES512", "ES256"},
		{ecP384(), "P-384", "ES512", "ES384"},
	} {
		t.Run(m.alg+" on "+m.curve, func(t *testing.T) {
			raw := signECDSA(t, m.key, m.alg, c)
			// A good signature to a verifier that does not pin the curve:
			// the test is of something.
			if _, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &m.key.PublicKey, nil },
				jwt.WithValidMethods([]string{"ES256", "ES384", "ES512"}), jwt.WithTimeFunc(func() time.Time { return t0 })); err != nil {
				t.Fatalf("the crafted token does not verify even unpinned: %v", err)
			}
			v := newAt(t, &Options{PublicKeyPEM: pkix(&m.key.PublicKey)})
			refuse(t, v, raw, "signed with "+m.alg, m.curve, "takes only "+m.takes)
			// The curve's own algorithm passes, so that only the pin refuses.
			accept(t, v, signECDSA(t, m.key, m.takes, c))
		})
	}
	t.Run("ES512 by P-256 to a P-521 key", func(t *testing.T) {
		refuse(t, newAt(t, &Options{PublicKeyPEM: pkix(&ecP521().PublicKey)}), sign(t, jwt.SigningMethodES256, ecP256(), claims(nil)), "takes only ES512")
	})
}

// TestVerifyClaims: the claim rules of the package comment, one case each,
// with an HMAC key (the rules do not depend on the key) and the clock at
// t0. Each case that would pass the old verifier says so.
func TestVerifyClaims(t *testing.T) {
	h := time.Hour
	at := func(d time.Duration) int64 { return t0.Add(d).Unix() }
	withAud := func(o *Options) { o.Audience = "chat.example" }
	withIss := func(o *Options) { o.Issuer = "https://site.example" }
	for _, c := range []struct {
		name   string
		opts   func(*Options)
		set    map[string]any // the changes to claims(nil)
		header map[string]any
		want   []string // nil: accepted
		check  func(*testing.T, Identity, error)
	}{
		{name: "valid", check: func(t *testing.T, id Identity, _ error) {
			if id.Rooms != nil {
				t.Errorf("no rooms claim, rooms %#v; want nil (no bound)", id.Rooms)
			}
		}},

		// exp, and the leeway
		{name: "no exp", set: map[string]any{"exp": nil}, want: []string{`no "exp"`, "at most 24h"}},
		{name: "exp null", set: map[string]any{"exp": jsonNull}, want: []string{`"exp" is not a number`}},
		{name: "exp a string", set: map[string]any{"exp": "1900000000"}, want: []string{`"exp" is not a number`}},
		{name: "exp 0 (jwt takes it for none)", set: map[string]any{"exp": 0, "iat": nil}, want: []string{"expired at 1970"}},
		{name: "exp negative", set: map[string]any{"exp": -1}, want: []string{"between 1970 and 9999"}},
		{name: "exp past 9999", set: map[string]any{"exp": 1e300}, want: []string{"between 1970 and 9999"}},
		{name: "expired beyond the leeway", set: map[string]any{"iat": at(-h), "exp": at(-31 * time.Second)}, want: []string{"expired at 2030-06-01T11:59:29Z, 31s ago", "30s of leeway", "fresh one"},
			check: func(t *testing.T, _ Identity, err error) {
				if !isExpired(err) {
					t.Errorf("%v is not ErrExpired", err)
				}
			}},
		{name: "expired at the leeway", set: map[string]any{"iat": at(-h), "exp": at(-30 * time.Second)}, want: []string{"expired"}},
		{name: "expired within the leeway", set: map[string]any{"iat": at(-h), "exp": at(-29 * time.Second)}},
		{name: "no leeway", opts: func(o *Options) { o.Leeway = -1 }, set: map[string]any{"iat": at(-h), "exp": at(-time.Second)}, want: []string{"expired", "0s of leeway"}},
		{name: "a leeway of 2 min", opts: func(o *Options) { o.Leeway = 2 * time.Minute }, set: map[string]any{"iat": at(-h), "exp": at(-time.Minute)}},
		{name: "fractional exp", set: map[string]any{"exp": float64(at(h)) + 0.5}, check: func(t *testing.T, id Identity, _ error) {
			if want := t0.Add(h + 500*time.Millisecond); !id.Expires.Equal(want) {
				t.Errorf("expires %v, want %v", id.Expires, want)
			}
		}},

		// lifetime (the old verifier took all of these)
		{name: "exp 24h after iat", set: map[string]any{"exp": at(24 * h)}},
		{name: "exp 24h and 1s after iat", set: map[string]any{"exp": at(24*h + time.Second)}, want: []string{`"exp" is 24h0m1s after its "iat"`, "at most 24h0m0s"}},
		{name: "a year-long token", set: map[string]any{"exp": at(365 * 24 * h)}, want: []string{"8760h0m0s after", "short-lived"}},
		{name: "exp 24h after now, no iat", set: map[string]any{"iat": nil, "exp": at(24 * h)}},
		{name: "exp 24h and 1s after now, no iat", set: map[string]any{"iat": nil, "exp": at(24*h + time.Second)}, want: []string{"24h0m1s after now (it has no iat)"}},
		{name: "a year-long token without iat", set: map[string]any{"iat": nil, "exp": at(365 * 24 * h)}, want: []string{"after now (it has no iat)"}},
		{name: "issued long ago, lasting past the lifetime", set: map[string]any{"iat": at(-23 * h), "exp": at(2 * h)}, want: []string{`25h0m0s after its "iat"`}},
		{name: "a shorter MaxLifetime", opts: func(o *Options) { o.MaxLifetime = 10 * time.Minute }, set: map[string]any{"exp": at(11 * time.Minute)}, want: []string{"at most 10m0s"}},
		{name: "a longer MaxLifetime", opts: func(o *Options) { o.MaxLifetime = 7 * 24 * h }, set: map[string]any{"exp": at(6 * 24 * h)}},
		{name: "iat in the future, to stretch the lifetime", set: map[string]any{"iat": at(300 * 24 * h), "exp": at(301 * 24 * h)}, want: []string{`"iat" is 7200h0m0s in the future`}},
		{name: "iat within the leeway", set: map[string]any{"iat": at(20 * time.Second)}},
		{name: "iat a string", set: map[string]any{"iat": "now"}, want: []string{`"iat" is not a number`}},

		// nbf
		{name: "nbf in the future", set: map[string]any{"nbf": at(time.Minute)}, want: []string{`not valid until its "nbf", 1m0s from now`}},
		{name: "nbf within the leeway", set: map[string]any{"nbf": at(20 * time.Second)}},
		{name: "nbf past", set: map[string]any{"nbf": at(-time.Minute)}},

		// sub and name
		{name: "no sub", set: map[string]any{"sub": nil}, want: []string{`no "sub"`}},
		{name: "sub empty", set: map[string]any{"sub": ""}, want: []string{`"sub" is empty`}},
		{name: "sub a number", set: map[string]any{"sub": 42}, want: []string{`"sub" is not a string`}},
		{name: "no name", set: map[string]any{"name": nil}, want: []string{`no "name"`}},
		{name: "name a number", set: map[string]any{"name": 7}, want: []string{`"name" is not a string`}},
		{name: "name with a space before", set: map[string]any{"name": " ana"}, want: []string{`"name": name may not start or end with a space`}},
		{name: "name too long", set: map[string]any{"name": strings.Repeat("a", 25)}, want: []string{`"name": name is 25 characters, the limit is 24`}},
		{name: "name with a control character", set: map[string]any{"name": "an\u200ba"}, want: []string{`"name"`, "invisible"}},
		{name: "a claim's key in other case is not it", set: map[string]any{"name": nil, "NAME": "ana"}, want: []string{`no "name"`}},

		// aud (the old verifier took all the refused ones)
		{name: "aud configured, missing", opts: withAud, want: []string{`no "aud"`, `"chat.example"`}},
		{name: "aud configured, wrong", opts: withAud, set: map[string]any{"aud": "other.example"}, want: []string{`"aud" does not hold "chat.example"`}},
		{name: "aud configured, wrong list", opts: withAud, set: map[string]any{"aud": []string{"a", "b"}}, want: []string{`does not hold "chat.example"`}},
		{name: "aud configured, empty", opts: withAud, set: map[string]any{"aud": ""}, want: []string{`no "aud"`}},
		{name: "aud configured, a number", opts: withAud, set: map[string]any{"aud": 5}, want: []string{`neither a string nor an array`}},
		{name: "aud configured, a list with a number", opts: withAud, set: map[string]any{"aud": []any{"chat.example", 5}}, want: []string{`other than strings`}},
		{name: "aud configured, prefix only", opts: withAud, set: map[string]any{"aud": "chat.example.evil"}, want: []string{`does not hold`}},
		{name: "aud configured, right", opts: withAud, set: map[string]any{"aud": "chat.example"}},
		{name: "aud configured, in a list", opts: withAud, set: map[string]any{"aud": []string{"other", "chat.example"}}},
		{name: "aud not configured, present", set: map[string]any{"aud": "some-oidc-client"}, want: []string{`names an audience`, "another service", "Audience"}},
		{name: "aud not configured, empty list", set: map[string]any{"aud": []string{}}},

		// iss
		{name: "iss configured, missing", opts: withIss, want: []string{`no "iss"`, `"https://site.example"`}},
		{name: "iss configured, wrong", opts: withIss, set: map[string]any{"iss": "https://evil.example"}, want: []string{`"iss" is not "https://site.example"`}},
		{name: "iss configured, other case", opts: withIss, set: map[string]any{"iss": "https://SITE.example"}, want: []string{`"iss" is not`}},
		{name: "iss configured, a list", opts: withIss, set: map[string]any{"iss": []string{"https://site.example"}}, want: []string{`"iss" is not a string`}},
		{name: "iss configured, right", opts: withIss, set: map[string]any{"iss": "https://site.example"}},
		{name: "iss not configured, any", set: map[string]any{"iss": "whoever"}},
		{name: "aud and iss configured, right", opts: func(o *Options) { withAud(o); withIss(o) }, set: map[string]any{"aud": "chat.example", "iss": "https://site.example"}},

		// rooms
		{name: "rooms", set: map[string]any{"rooms": []string{"town", "a-b_c", "0"}}, check: func(t *testing.T, id Identity, _ error) {
			if strings.Join(id.Rooms, ",") != "town,a-b_c,0" {
				t.Errorf("rooms %q", id.Rooms)
			}
		}},
		{name: "rooms empty: none", set: map[string]any{"rooms": []string{}}, check: func(t *testing.T, id Identity, _ error) {
			if id.Rooms == nil || len(id.Rooms) != 0 {
				t.Errorf("rooms %#v; want empty, not nil (which is no bound)", id.Rooms)
			}
		}},
		{name: "rooms null", set: map[string]any{"rooms": jsonNull}, want: []string{`"rooms" is null`, "leave it out"}},
		{name: "rooms a string", set: map[string]any{"rooms": "town"}, want: []string{`"rooms" is not an array`}},
		{name: "room upper case", set: map[string]any{"rooms": []string{"town", "Town"}}, want: []string{`"rooms"[1]`, "a-z, 0-9"}},
		{name: "room with a slash", set: map[string]any{"rooms": []string{"no-such/room"}}, want: []string{`"rooms"[0]`}},
		{name: "room with a NATS wildcard", set: map[string]any{"rooms": []string{"town.>"}}, want: []string{`"rooms"[0]`}},
		{name: "room empty", set: map[string]any{"rooms": []string{""}}, want: []string{`"rooms"[0]: room name is empty`}},
		{name: "room with a leading dash", set: map[string]any{"rooms": []string{"-town"}}, want: []string{`"rooms"[0]`, "start with a letter or digit"}},
		{name: "room of 33 bytes", set: map[string]any{"rooms": []string{strings.Repeat("r", 33)}}, want: []string{`"rooms"[0] is 33 bytes`, "at most 32"}},
		{name: "room a number", set: map[string]any{"rooms": []any{"town", 5}}, want: []string{`"rooms"[1] is not a string`}},

		// header
		{name: "crit", header: map[string]any{"crit": []string{"exp"}}, want: []string{`"crit"`}},
		{name: "kid and typ are ignored", header: map[string]any{"kid": "../../etc/passwd", "typ": "JWT"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := &Options{HMACSecret: []byte(testSecret)}
			if c.opts != nil {
				c.opts(o)
			}
			v := newAt(t, o)
			raw := sign(t, jwt.SigningMethodHS256, []byte(testSecret), claims(c.set), c.header)
			var id Identity
			var err error
			if c.want == nil {
				id = accept(t, v, raw)
			} else {
				err = refuse(t, v, raw, c.want...)
			}
			if c.check != nil {
				c.check(t, id, err)
			}
		})
	}
}

// TestVerifyMalformed: what is not a JWT is refused saying what is wrong
// with it, and no token at all is ErrNoToken.
func TestVerifyMalformed(t *testing.T) {
	v := newAt(t, &Options{HMACSecret: []byte(testSecret)})
	if _, err := v.Verify(""); err != ErrNoToken {
		t.Errorf("empty: %v, want ErrNoToken", err)
	}
	good := sign(t, jwt.SigningMethodHS256, []byte(testSecret), claims(nil))
	parts := strings.Split(good, ".")
	for _, c := range []struct {
		name, raw string
		want      string
	}{
		{"one part", "not-a-token-at-all", "1 dot-separated parts"},
		{"two parts", parts[0] + "." + parts[1], "2 dot-separated parts"},
		{"four parts", good + ".more", "4 dot-separated parts"},
		{"header not base64url", "*" + good, "header part is not base64url"},
		{"header padded", parts[0] + "=." + parts[1] + "." + parts[2], "header part is not base64url"},
		{"header not JSON", compact("alg", `{}`, []byte("s")), "header part is not JSON"},
		{"header null", compact("null", `{}`, []byte("s")), `no "alg"`},
		{"claims not base64url", parts[0] + ".!!." + parts[2], "claims part is not base64url"},
		{"claims an array", compact(`{"alg":"HS256"}`, `["sub"]`, []byte("s")), "claims part is not a JSON object"},
		{"claims a huge number", compact(`{"alg":"HS256"}`, `{"exp":1e400}`, []byte("s")), "claims part holds a value that does not decode"},
		{"signature not base64url", good + "+", "signature part is not base64url"},
		{"too long", good + strings.Repeat("A", maxTokenBytes), "more than 16384"},
	} {
		t.Run(c.name, func(t *testing.T) {
			refuse(t, v, c.raw, c.want)
		})
	}
	// A signature's other spellings (low bits of its last character set)
	// are not the signature: strict base64.
	sig := parts[2]
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", sig[len(sig)-1])
	twin := parts[0] + "." + parts[1] + "." + sig[:len(sig)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last|1])
	if twin != good {
		refuse(t, v, twin)
	}
}

// TestNilVerifier: a server without a key has a nil *Verifier, which
// refuses every token rather than panicking.
func TestNilVerifier(t *testing.T) {
	var v *Verifier
	if _, err := v.Verify(sign(t, jwt.SigningMethodHS256, []byte(testSecret), claims(nil))); err == nil || !strings.Contains(err.Error(), "takes none") {
		t.Errorf("nil verifier: %v", err)
	}
}

// TestVerifyConcurrently: one Verifier serves every connection at once
// (run under -race).
func TestVerifyConcurrently(t *testing.T) {
	v := newAt(t, &Options{PublicKeyPEM: pkix(edPub())})
	good := sign(t, jwt.SigningMethodEdDSA, edKey(), claims(map[string]any{"rooms": []string{"town"}}))
	bad := sign(t, jwt.SigningMethodEdDSA, otherEd(), claims(nil))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if id, err := v.Verify(good); err != nil || id.Rooms[0] != "town" {
					t.Errorf("good: %+v %v", id, err)
					return
				}
				if _, err := v.Verify(bad); err == nil {
					t.Error("bad token accepted")
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestRealClock: without the tests' clock, a token made now for an hour
// passes and one that expired a minute ago does not.
func TestRealClock(t *testing.T) {
	v, err := New(&Options{HMACSecret: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := jwt.MapClaims{"sub": "u", "name": "ana", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	accept(t, v, sign(t, jwt.SigningMethodHS256, []byte(testSecret), c))
	c["exp"] = now.Add(-time.Minute).Unix()
	refuse(t, v, sign(t, jwt.SigningMethodHS256, []byte(testSecret), c), "expired")
}

// TestFromRequest: ?token= first (what a browser's WebSocket can send),
// else a Bearer header's, else none.
func TestFromRequest(t *testing.T) {
	for _, c := range []struct {
		name, url, auth, want string
	}{
		{"query", "/ws?token=abc.def.ghi", "", "abc.def.ghi"},
		{"header", "/ws", "Bearer abc.def.ghi", "abc.def.ghi"},
		{"header, scheme in lower case", "/ws", "bearer abc.def.ghi", "abc.def.ghi"},
		{"header, spaces after", "/ws", "Bearer abc.def.ghi  ", "abc.def.ghi"},
		{"query before header", "/ws?token=from-query", "Bearer from-header", "from-query"},
		{"empty query, header", "/ws?token=", "Bearer from-header", "from-header"},
		{"Basic", "/ws", "Basic dXNlcjpwYXNz", ""},
		{"Bearer alone", "/ws", "Bearer", ""},
		{"scheme glued on", "/ws", "Bearerabc.def.ghi", ""},
		{"none", "/ws", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, c.url, nil)
			if c.auth != "" {
				r.Header.Set("Authorization", c.auth)
			}
			if got := FromRequest(r); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
	if got := FromRequest(nil); got != "" {
		t.Errorf("nil request: %q", got)
	}
}
