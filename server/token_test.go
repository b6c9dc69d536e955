package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"chat/server/hub"
	"chat/wire"
)

const testSecret = "0123456789abcdef0123456789abcdef-test-secret"

func signToken(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claims(sub, name string, exp time.Duration, rooms ...string) jwt.MapClaims {
	c := jwt.MapClaims{"sub": sub, "name": name, "exp": time.Now().Add(exp).Unix()}
	if rooms != nil {
		c["rooms"] = rooms
	}
	return c
}

// upgradeStatus tries /ws with token and returns the HTTP status of a
// refusal (0 when the socket opened, which it then closes).
func upgradeStatus(t *testing.T, url, token string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, url+"?token="+token, nil)
	if err == nil {
		c.CloseNow()
		return 0, ""
	}
	if res == nil {
		t.Fatalf("dial: %v", err)
	}
	return res.StatusCode, err.Error()
}

// TestConnectionTokens: a site's signed token lets its user in under the
// token's name and a stable id, in the rooms it names and no other (a
// private room included), and closes the socket when it expires; a forged,
// expired, unsigned or malformed token is refused before the upgrade.
func TestConnectionTokens(t *testing.T) {
	srv, hs := startServer(t, func(c *Config) { c.JWTSecret = []byte(testSecret + "\n"); c.Access = AccessMembers })
	url := wsURL(hs)
	key := []byte(testSecret)
	// An account holds "olga" (the first-run admin, in members mode).
	setup, _ := srv.SetupInvite(context.Background())
	olga := newPerson(t, hs)
	olga.signUp("olga", setup)
	_, out := olga.call("POST", "/api/rooms", map[string]string{"kind": "private", "title": "site room"})
	priv := out["room"].(map[string]any)["id"].(string)

	none := signToken(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims("u1", "ana", time.Hour))
	for name, tok := range map[string]string{
		"forged":         signToken(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two bytes!"), claims("u1", "ana", time.Hour)),
		"expired":        signToken(t, jwt.SigningMethodHS256, key, claims("u1", "ana", -time.Minute)),
		"no exp":         signToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "u1", "name": "ana"}),
		"no sub":         signToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"name": "ana", "exp": time.Now().Add(time.Hour).Unix()}),
		"bad name":       signToken(t, jwt.SigningMethodHS256, key, claims("u1", " ana", time.Hour)),
		"bad room":       signToken(t, jwt.SigningMethodHS256, key, claims("u1", "ana", time.Hour, "No Such/Room")),
		"alg none":       none,
		"garbage":        "not.a.token",
		"account's name": signToken(t, jwt.SigningMethodHS256, key, claims("u9", "Olga", time.Hour)),
	} {
		if code, msg := upgradeStatus(t, url, tok); code != http.StatusUnauthorized {
			t.Errorf("%s token: %d %s, want 401", name, code, msg)
		}
	}
	// A valid token, with rooms.
	tok := signToken(t, jwt.SigningMethodHS256, key, claims("site-user-1", "ana", time.Hour, "town", priv))
	ws := dialURL(t, url+"?token="+tok, nil)
	ws.send(wire.Event{Type: wire.TypeHello, Name: "someone else"})
	w := ws.next(wire.TypeWelcome)
	if w.Name != "ana" || !strings.HasPrefix(w.User, "j-") || w.Guest {
		t.Fatalf("welcome: %+v", w)
	}
	ws.joinAfter("town", 0)
	ws.joinAfter(priv, 0) // the token's word, though ana is no member
	for _, room := range []string{"lobby", "elsewhere"} {
		ws.send(wire.Event{Type: wire.TypeJoin, Room: room})
		if e := errorFor(ws, room); e.Code != wire.CodeForbidden {
			t.Errorf("join %s outside the token's rooms: %+v", room, e)
		}
	}
	ws.say(priv, "t1", "from the site")
	if m := ws.msgs(priv, 1)[0]; m.From != "ana" || m.User != w.User {
		t.Errorf("stamped: %+v", m)
	}
	// The same sub is the same user on the next connection.
	again := dialURL(t, url+"?token="+signToken(t, jwt.SigningMethodHS256, key, claims("site-user-1", "ana", time.Hour)), nil)
	again.send(wire.Event{Type: wire.TypeHello})
	if w2 := again.next(wire.TypeWelcome); w2.User != w.User {
		t.Errorf("same sub, another id: %s vs %s", w2.User, w.User)
	}
	// and a read mark on one reaches the other: the person's, not the device's.
	again.joinAfter("town", 0)
	seq := ws.say("town", "t2", "read me")
	ws.send(wire.Event{Type: wire.TypeRead, Room: "town", Seq: seq})
	if r := again.next(wire.TypeRead); r.Room != "town" || r.Seq != seq {
		t.Errorf("the other connection's read mark: %+v, want town %d", r, seq)
	}
	// A file sent in the private room is the token holder's to read, by
	// ?token= as an <img> asks; not with a token without the room, nor a
	// forged one.
	olgaWS := openSocket(t, olga, hs)
	olgaWS.joinAfter(priv, 0)
	_, f, msg := upload(t, olga, hs, priv, "shot.png", testPNG(t, 40, 30))
	if f.ID == "" {
		t.Fatalf("upload: %s", msg)
	}
	olgaWS.send(wire.Event{Type: wire.TypeSend, Room: priv, ID: "f1", Files: []wire.File{{ID: f.ID}}})
	for olgaWS.next(wire.TypeAck).ID != "f1" {
	}
	for name, c := range map[string]struct {
		tok  string
		want int
	}{
		"the room's token":     {tok, http.StatusOK},
		"a token without it":   {signToken(t, jwt.SigningMethodHS256, key, claims("site-user-3", "cy", time.Hour, "town")), http.StatusNotFound},
		"a token of any room":  {signToken(t, jwt.SigningMethodHS256, key, claims("site-user-3", "cy", time.Hour)), http.StatusNotFound},
		"a forged token":       {signToken(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two bytes!"), claims("u1", "ana", time.Hour, priv)), http.StatusUnauthorized},
		"the thumbnail, token": {tok, http.StatusOK},
	} {
		path := "/files/" + f.ID + "?token=" + c.tok
		if strings.Contains(name, "thumbnail") {
			path = "/files/" + f.ID + "/thumb?token=" + c.tok
		}
		if res, _ := fetchFile(t, nil, hs, path); res.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", name, res.StatusCode, c.want)
		}
	}
	// The socket ends when the token does.
	short := dialURL(t, url+"?token="+signToken(t, jwt.SigningMethodHS256, key, claims("site-user-2", "bo", time.Second)), nil)
	start := time.Now()
	if got := short.closed(); got != hub.DisconnectTokenExpired.Code {
		t.Errorf("at the token's exp: %v, want %v", got, hub.DisconnectTokenExpired.Code)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("closed %v after, want about 1 s", d)
	}
}

// TestConnectionTokenKeys: public keys verify RS256 and ES256 tokens; a
// token cannot pick HMAC with the public key as its secret, and a server
// without -jwt-key takes no token.
func TestConnectionTokenKeys(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, c := range []struct {
		name   string
		pub    any
		method jwt.SigningMethod
		priv   any
	}{
		{"RS256", &rsaKey.PublicKey, jwt.SigningMethodRS256, rsaKey},
		{"ES256", &ecKey.PublicKey, jwt.SigningMethodES256, ecKey},
	} {
		der, _ := x509.MarshalPKIXPublicKey(c.pub)
		pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		_, hs := startServer(t, func(cfg *Config) { cfg.JWTKey = pemKey })
		url := wsURL(hs)
		if code, msg := upgradeStatus(t, url, signToken(t, c.method, c.priv, claims("u", "ana", time.Hour))); code != 0 {
			t.Errorf("%s: %d %s", c.name, code, msg)
		}
		confused := signToken(t, jwt.SigningMethodHS256, pemKey, claims("u", "ana", time.Hour))
		if code, _ := upgradeStatus(t, url, confused); code != http.StatusUnauthorized {
			t.Errorf("%s: an HS256 token keyed with the public key: %d, want 401", c.name, code)
		}
	}
	// The key's kind is explicit: a secret is given as a secret, a key as
	// a PEM public key; a JWK document as -jwt-key is refused at start
	// (it was taken for an HMAC secret, and a token signed with the
	// file's bytes let "mallory" in).
	jwk := []byte(`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`)
	for name, cfg := range map[string]func(*Config){
		"a 5-byte HMAC secret":       func(c *Config) { c.JWTSecret = []byte("short") },
		"a JWK as -jwt-key":          func(c *Config) { c.JWTKey = jwk },
		"an HMAC secret as -jwt-key": func(c *Config) { c.JWTKey = []byte(testSecret) },
	} {
		c := DefaultConfig()
		c.DataDir = t.TempDir()
		cfg(&c)
		if s, err := New(context.Background(), c); err == nil {
			s.Shutdown(context.Background())
			t.Errorf("%s was taken", name)
		}
	}
	_, hs := startServer(t, nil)
	if code, _ := upgradeStatus(t, wsURL(hs), signToken(t, jwt.SigningMethodHS256, []byte(testSecret), claims("u", "ana", time.Hour))); code != http.StatusUnauthorized {
		t.Errorf("a token on a server without -jwt-key: %d", code)
	}
}
