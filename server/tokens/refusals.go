package tokens

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// refused is an error saying why a token is refused. Its words come from
// this package, never from the token (a refused token may be someone's
// valid one, sent where it should not be, and errors end up in logs).
func refused(format string, args ...any) error {
	return fmt.Errorf("connection token refused: "+format, args...)
}

// parseError says in a site developer's words why jwt refused raw. tok is
// what jwt made of it, if anything.
func (v *Verifier) parseError(raw string, tok *jwt.Token, err error) error {
	// tok.Method is set only for an alg jwt knows, so its name is one of a
	// dozen short words, not the token's.
	if tok != nil && tok.Method != nil && !slices.Contains(v.key.algs, tok.Method.Alg()) {
		alg := tok.Method.Alg()
		switch {
		case alg == "none":
			return refused(`it is unsigned (alg "none"); this server has %s, which takes %s`, v.key.kind, strings.Join(v.key.algs, ", "))
		case strings.HasPrefix(alg, "HS"):
			return refused("it is signed with %s, an HMAC algorithm, but this server has %s, which takes %s; a public key is public, so it is never an HMAC secret",
				alg, v.key.kind, strings.Join(v.key.algs, ", "))
		}
		return refused("it is signed with %s, but this server has %s, which takes only %s", alg, v.key.kind, strings.Join(v.key.algs, ", "))
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return refused("it is not a JWT: %s", malformed(raw))
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return refused(`its header has no "alg", or one no JWT library signs with; this server has %s, which takes %s`, v.key.kind, strings.Join(v.key.algs, ", "))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refused("its signature does not verify with this server's key (%s): it was signed with another key, or changed after signing", v.key.kind)
	}
	return refused("it could not be checked")
}

// malformed says what keeps raw from being a JWT in compact form.
func malformed(raw string) string {
	if n := strings.Count(raw, ".") + 1; n != 3 {
		return fmt.Sprintf("it has %d dot-separated parts, and a JWT has 3 (header.claims.signature)", n)
	}
	for i, part := range strings.SplitN(raw, ".", 3) {
		name := [...]string{"header", "claims", "signature"}[i] + " part"
		b, err := base64.RawURLEncoding.Strict().DecodeString(part)
		if err != nil {
			return fmt.Sprintf("its %s is not base64url without padding", name)
		}
		if i == 2 {
			break
		}
		var obj map[string]any
		switch {
		case !json.Valid(b):
			return fmt.Sprintf("its %s is not JSON", name)
		case json.Unmarshal(b, &obj) != nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")):
			return fmt.Sprintf("its %s holds a value that does not decode (a number too large?)", name)
		case obj == nil:
			return fmt.Sprintf("its %s is not a JSON object", name)
		}
	}
	return "it does not decode"
}
