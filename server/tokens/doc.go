// Package tokens verifies connection tokens: JWTs that a site which already
// has its users signs, one for each, so that they may chat here without an
// account (as Centrifugo's connection tokens). The page opens the socket
// with /ws?token=JWT, since a browser cannot set headers on a WebSocket;
// other clients may send "Authorization: Bearer JWT" (FromRequest).
//
// # The key
//
// A server takes exactly one key, and says which kind it is; nothing is
// guessed from the bytes, since guessing is how a public key came to be
// used as an HMAC secret that anyone could sign with:
//
//   - Options.PublicKeyPEM (-jwt-key): one PEM public key, "PUBLIC KEY"
//     (PKIX) of RSA, ECDSA or Ed25519, or "RSA PUBLIC KEY" (PKCS#1).
//     Private keys, certificates, JWK JSON, OpenSSH keys and anything else
//     are refused by New with a message saying what the file holds and
//     what to give instead.
//   - Options.HMACSecret (-jwt-secret): at least 32 bytes once surrounding
//     white space is trimmed. Something that is plainly a key (PEM, JWK,
//     OpenSSH) is refused: a public key is public, so as a secret it
//     would let anyone sign.
//
// The key's kind fixes the algorithms a token may name in "alg":
//
//	RSA (2048 bits or more)  RS256 RS384 RS512 PS256 PS384 PS512
//	ECDSA P-256              ES256
//	ECDSA P-384              ES384
//	ECDSA P-521              ES512
//	Ed25519                  EdDSA
//	HMAC secret              HS256 HS384 HS512
//
// so "none", HMAC keyed with a public key, and an ECDSA signature over a
// hash of another size than its curve's are all refused.
//
// # The claims
//
//   - sub (required): the site's user id, a non-empty string. The chat user
//     id is "j-" and the lower-case base32 of the first 15 bytes of
//     sha256(sub): the same on every connection, and safe in NATS subjects.
//   - name (required): the name shown, a valid chat name (wire.ValidName).
//   - exp (required): when the token stops letting anyone in. It is
//     refused once now is past exp by more than the leeway (30 s by
//     default), and when exp is more than MaxLifetime (24 h by default)
//     after iat, or after now when there is no iat: a site cannot mint a
//     token that works for a year.
//   - iat (optional): refused when later than now plus the leeway, since a
//     token issued in the future would stretch MaxLifetime.
//   - nbf (optional): refused until now plus the leeway reaches it.
//   - aud (a string or an array of them; empty counts as none): with
//     Options.Audience set, it must be or contain that value.
//     Without it, a token that has an aud is refused (RFC 7519 4.1.3): it
//     was meant for some other service, such as an OpenID ID token signed
//     with the same key, which would otherwise pass for a chat token.
//   - iss: with Options.Issuer set, it must equal it.
//   - rooms (optional): the only rooms the connection may join, each a
//     valid room name (wire.ValidRoom); the token is the site's word that
//     its user belongs there, private rooms included. Absent means no
//     bound; [] means no room at all; null is refused as ambiguous.
//
// Dates are JSON numbers of seconds since 1970 (NumericDate). Claim names
// are matched exactly ("Name" is not "name"). In the header, only "alg"
// counts: the key is the server's, never one the token names ("kid",
// "jku", "jwk", "x5u" are ignored), and a token whose header lists "crit"
// extensions is refused, since none is understood here. Errors say why a token is refused, for the site's
// developer, and never repeat the token.
package tokens
