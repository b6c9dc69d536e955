// Package pushtest is a Web Push service for tests, run on loopback: it
// makes a subscription's keys as a browser does, takes pushes at its
// endpoint, decrypts each (RFC 8291 over RFC 8188's aes128gcm) with the
// subscription's private key and checks its VAPID token (RFC 8292), so
// that a test reads what a device would show and knows it was signed by
// the server's key. Nothing leaves the machine.
package pushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/golang-jwt/jwt/v5"
)

// Push is one push the service took in, decrypted and checked.
type Push struct {
	Payload []byte // the plaintext
	Header  http.Header
	// Key is the VAPID public key that signed it (base64url), Subscriber
	// its token's sub.
	Key, Subscriber string
}

// Service is one push service with one subscription.
type Service struct {
	*httptest.Server
	Sub webpush.Subscription

	priv   *ecdh.PrivateKey
	auth   []byte
	status atomic.Int32 // answered to pushes; 201 by default

	mu     sync.Mutex
	pushes []Push
	errs   []error
	got    chan struct{}
}

// New starts a service over TLS (an endpoint must be https); its
// certificate is the httptest server's (Certificate, Client).
func New(t testing.TB) *Service {
	t.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{priv: priv, auth: make([]byte, 16), got: make(chan struct{}, 1000)}
	_, _ = rand.Read(s.auth)
	s.status.Store(http.StatusCreated)
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	s.Sub = webpush.Subscription{Endpoint: s.URL + "/push/" + fmt.Sprint(time.Now().UnixNano())}
	s.Sub.Keys.P256dh = base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes())
	s.Sub.Keys.Auth = base64.RawURLEncoding.EncodeToString(s.auth)
	return s
}

// Answer makes the service answer pushes with status (410: the
// subscription is gone).
func (s *Service) Answer(status int) { s.status.Store(int32(status)) }

// Pushes is what came in so far, and the pushes refused (bad encryption
// or signature).
func (s *Service) Pushes() ([]Push, []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...), append([]error(nil), s.errs...)
}

// Wait waits up to d for n pushes in all, and returns them.
func (s *Service) Wait(t testing.TB, n int, d time.Duration) []Push {
	t.Helper()
	deadline := time.After(d)
	for {
		got, errs := s.Pushes()
		for _, err := range errs {
			t.Errorf("a push the service refused: %v", err)
		}
		if len(got) >= n || len(errs) > 0 {
			return got
		}
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("%d pushes within %v, want %d", len(got), d, n)
		}
	}
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<10))
	p, err := s.check(r, body)
	s.mu.Lock()
	if err != nil {
		s.errs = append(s.errs, err)
	} else {
		s.pushes = append(s.pushes, p)
	}
	s.mu.Unlock()
	s.got <- struct{}{}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(int(s.status.Load()))
}

func (s *Service) check(r *http.Request, body []byte) (Push, error) {
	p := Push{Header: r.Header.Clone()}
	if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		return p, fmt.Errorf("%s with Content-Encoding %q, TTL %q", r.Method, r.Header.Get("Content-Encoding"), r.Header.Get("TTL"))
	}
	var err error
	if p.Key, p.Subscriber, err = s.checkVAPID(r.Header.Get("Authorization")); err != nil {
		return p, err
	}
	p.Payload, err = s.decrypt(body)
	return p, err
}

// checkVAPID checks "vapid t=<JWT>, k=<key>": an ES256 token signed by
// k, for this service's origin, with a contact and an exp within a day.
func (s *Service) checkVAPID(h string) (key, sub string, err error) {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return "", "", fmt.Errorf("Authorization %q is not vapid", h)
	}
	var tok string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			tok = v
		case "k":
			key = v
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil {
		return "", "", fmt.Errorf("VAPID k: %v", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return "", "", fmt.Errorf("VAPID k: %v", err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(s.URL), jwt.WithExpirationRequired())
	if err != nil {
		return "", "", fmt.Errorf("VAPID token: %v", err)
	}
	exp, _ := claims.GetExpirationTime()
	if time.Until(exp.Time) > 24*time.Hour {
		return "", "", fmt.Errorf("VAPID token expires in %v, more than a day", time.Until(exp.Time))
	}
	sub, _ = claims["sub"].(string)
	if !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "https:") {
		return "", "", fmt.Errorf("VAPID sub %q is neither mailto: nor https:", sub)
	}
	return key, sub, nil
}

// decrypt opens an aes128gcm body of one record (RFC 8188) with the keys
// RFC 8291 derives from the subscription's private key and auth secret.
func (s *Service) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("body shorter than its header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("key id of %d bytes, want the sender's 65-byte public key", idlen)
	}
	senderPub, records := body[21:21+idlen], body[21+idlen:]
	if len(records) > int(rs) {
		return nil, fmt.Errorf("%d bytes of records, more than one of %d", len(records), rs)
	}
	sender, err := ecdh.P256().NewPublicKey(senderPub)
	if err != nil {
		return nil, fmt.Errorf("sender key: %v", err)
	}
	shared, err := s.priv.ECDH(sender)
	if err != nil {
		return nil, err
	}
	prkKey, _ := hkdfExtract(shared, s.auth)
	info := append(append([]byte("WebPush: info\x00"), s.priv.PublicKey().Bytes()...), senderPub...)
	ikm, _ := hkdfExpand(prkKey, string(info), 32)
	prk, _ := hkdfExtract(ikm, salt)
	cek, _ := hkdfExpand(prk, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdfExpand(prk, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, records, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypting: %v", err)
	}
	plain = []byte(strings.TrimRight(string(plain), "\x00"))
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, errors.New("the record does not end with the last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

func hkdfExtract(secret, salt []byte) ([]byte, error) { return hkdf.Extract(sha256.New, secret, salt) }

func hkdfExpand(prk []byte, info string, n int) ([]byte, error) {
	return hkdf.Expand(sha256.New, prk, info, n)
}
