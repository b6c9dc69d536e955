package tokens

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"chat/wire"
)

// maxNumericDate is the last second of the year 9999: no site means a later
// date, and converting a larger float to seconds would overflow.
const maxNumericDate = 253402300799

// userEncoding writes user ids: lower case, so that they are one spelling
// in NATS subjects and KV keys; no padding, which has '='.
var userEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// identity applies the claim rules of the package comment, at now, to
// claims whose signature has been checked.
func (v *Verifier) identity(c jwt.MapClaims, now time.Time) (Identity, error) {
	exp, err := date(c, "exp")
	if err != nil {
		return Identity{}, err
	}
	if exp == nil {
		return Identity{}, refused(`it has no "exp"; every token must say when it expires, at most %v after it is issued`, v.maxLifetime)
	}
	iat, err := date(c, "iat")
	if err != nil {
		return Identity{}, err
	}
	nbf, err := date(c, "nbf")
	if err != nil {
		return Identity{}, err
	}
	if !now.Before(exp.Add(v.leeway)) {
		return Identity{}, fmt.Errorf("%w at %s, %v ago (past the %v of leeway); the site must sign a fresh one",
			ErrExpired, exp.UTC().Format(time.RFC3339), now.Sub(*exp).Round(time.Second), v.leeway)
	}
	// An iat in the future would let exp be as far off as the site likes.
	if iat != nil && iat.After(now.Add(v.leeway)) {
		return Identity{}, refused(`its "iat" is %v in the future; the site's clock is ahead of this server's`, iat.Sub(now).Round(time.Second))
	}
	if nbf != nil && nbf.After(now.Add(v.leeway)) {
		return Identity{}, refused(`it is not valid until its "nbf", %v from now`, nbf.Sub(now).Round(time.Second))
	}
	from, fromName := now, "now (it has no iat)"
	if iat != nil {
		from, fromName = *iat, `its "iat"`
	}
	if life := exp.Sub(from); life > v.maxLifetime {
		return Identity{}, refused(`its "exp" is %v after %s, and this server takes tokens that last at most %v; sign short-lived tokens, and fresh ones as they expire`,
			life.Round(time.Second), fromName, v.maxLifetime)
	}

	aud, err := audience(c)
	if err != nil {
		return Identity{}, err
	}
	switch {
	case v.audience == "" && aud != nil:
		return Identity{}, refused(`it names an audience ("aud") and this server is configured with none, so it may be meant for another service; set this server's Audience to the value the site puts there, or have the site leave "aud" out`)
	case v.audience != "" && aud == nil:
		return Identity{}, refused(`it has no "aud"; this server takes tokens whose "aud" is %q`, v.audience)
	case v.audience != "" && !slices.Contains(aud, v.audience):
		return Identity{}, refused(`its "aud" does not hold %q, this server's audience`, v.audience)
	}
	if v.issuer != "" {
		iss, present, err := str(c, "iss")
		switch {
		case err != nil:
			return Identity{}, err
		case !present:
			return Identity{}, refused(`it has no "iss"; this server takes tokens whose "iss" is %q`, v.issuer)
		case iss != v.issuer:
			return Identity{}, refused(`its "iss" is not %q, the issuer this server takes`, v.issuer)
		}
	}

	sub, present, err := str(c, "sub")
	switch {
	case err != nil:
		return Identity{}, err
	case !present:
		return Identity{}, refused(`it has no "sub" (the site's id for its user)`)
	case sub == "":
		return Identity{}, refused(`its "sub" is empty`)
	}
	name, present, err := str(c, "name")
	switch {
	case err != nil:
		return Identity{}, err
	case !present:
		return Identity{}, refused(`it has no "name" (the name shown in the chat)`)
	}
	if err := wire.ValidName(name); err != nil {
		return Identity{}, refused(`its "name": %s`, wireText(err))
	}
	rooms, err := roomList(c)
	if err != nil {
		return Identity{}, err
	}
	return Identity{User: userID(sub), Name: name, Rooms: rooms, Expires: *exp}, nil
}

// userID is the chat's id for the site's user sub. Fifteen bytes of the
// hash are 120 bits, as unlikely to collide as anything here needs, in
// 24 characters.
func userID(sub string) string {
	h := sha256.Sum256([]byte(sub))
	return "j-" + strings.ToLower(userEncoding.EncodeToString(h[:15]))
}

// date reads a NumericDate claim: nil when it is absent.
func date(c jwt.MapClaims, name string) (*time.Time, error) {
	raw, ok := c[name]
	if !ok {
		return nil, nil
	}
	f, ok := raw.(float64) // what encoding/json makes of every JSON number
	if !ok {
		return nil, refused(`its %q is not a number of seconds since 1970 (a JWT NumericDate)`, name)
	}
	if f < 0 || f > maxNumericDate {
		return nil, refused(`its %q is not a date between 1970 and 9999 in seconds`, name)
	}
	sec, frac := math.Modf(f)
	t := time.Unix(int64(sec), int64(frac*1e9))
	return &t, nil
}

// str reads a string claim, and says whether it is there.
func str(c jwt.MapClaims, name string) (string, bool, error) {
	raw, ok := c[name]
	if !ok {
		return "", false, nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", true, refused(`its %q is not a string`, name)
	}
	return s, true, nil
}

// audience reads "aud", a string or an array of them (RFC 7519 4.1.3): nil
// when it is absent, null or empty.
func audience(c jwt.MapClaims) ([]string, error) {
	switch a := c["aud"].(type) {
	case nil:
		return nil, nil
	case string:
		if a == "" {
			return nil, nil
		}
		return []string{a}, nil
	case []any:
		var list []string
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, refused(`its "aud" is an array with something other than strings in it`)
			}
			list = append(list, s)
		}
		return list, nil
	}
	return nil, refused(`its "aud" is neither a string nor an array of strings`)
}

// roomList reads "rooms": nil when absent (no bound), else each a valid
// room name.
func roomList(c jwt.MapClaims) ([]string, error) {
	raw, ok := c["rooms"]
	if !ok {
		return nil, nil
	}
	if raw == nil {
		// A site that marshals an empty list as null may mean "none" where
		// absent means "any": the safe reading is neither.
		return nil, refused(`its "rooms" is null; leave it out for no bound, or give a list ([] for no room)`)
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, refused(`its "rooms" is not an array of room names`)
	}
	rooms := make([]string, 0, len(list))
	for i, e := range list {
		room, ok := e.(string)
		if !ok {
			return nil, refused(`its "rooms"[%d] is not a string`, i)
		}
		if len(room) > wire.MaxRoomLen {
			// Said before ValidRoom, whose message would repeat it all.
			return nil, refused(`its "rooms"[%d] is %d bytes, and a room name has at most %d`, i, len(room), wire.MaxRoomLen)
		}
		if err := wire.ValidRoom(room); err != nil {
			return nil, refused(`its "rooms"[%d]: %s`, i, wireText(err))
		}
		rooms = append(rooms, room)
	}
	return rooms, nil
}

// wireText is a wire validation error's words, without its code.
func wireText(err error) string {
	var pe *wire.ProtocolError
	if errors.As(err, &pe) {
		return pe.Text
	}
	return err.Error()
}
