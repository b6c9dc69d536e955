package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with argon2id (RFC 9106), memory-hard, in the PHC
// string format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>. The
// parameters are OWASP's minimum for argon2id: 19 MiB, two passes, one lane.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password limits: long enough to mean something, short enough that
// hashing them is not a way to burn the server's CPU.
const (
	MinPassword = 8
	MaxPassword = 256
)

var errBadHash = errors.New("auth: malformed password hash")

// hashPassword returns the PHC string of password with a new random salt.
func hashPassword(password string) string {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	return encodeHash(salt, argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen))
}

func encodeHash(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// checkPassword reports whether password matches the PHC string, in time
// that does not depend on where they differ.
func checkPassword(phc, password string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when there is no such account, so that an
// unknown name costs the same time as a wrong password.
var dummyHash = hashPassword("no account has this password")

// PasswordError says what is wrong with a new password.
type PasswordError struct{ Text string }

func (e *PasswordError) Error() string { return e.Text }

// ValidPassword says what is wrong with a new password, if anything.
func ValidPassword(p string) error {
	switch n := len([]rune(p)); {
	case n < MinPassword:
		return &PasswordError{fmt.Sprintf("a password needs at least %d characters", MinPassword)}
	case len(p) > MaxPassword:
		return &PasswordError{fmt.Sprintf("a password may be at most %d bytes", MaxPassword)}
	}
	return nil
}
