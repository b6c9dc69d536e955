package wire

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the protocol. The server enforces them; the app checks them first
// so that a person gets the message before anything is sent.
const (
	MaxRoomLen    = 32    // bytes, see ValidRoom
	MaxNameRunes  = 24    // characters in a nickname
	MaxTextBytes  = 4000  // bytes of UTF-8 in a message's text
	MaxIDLen      = 64    // bytes in a client message id
	MaxEmojiLen   = 32    // bytes in a reaction (an emoji of several code points, with its modifiers)
	MaxQuoteRunes = 200   // characters of the answered text a reply carries
	MaxReactions  = 20    // different reactions on one message
	MaxFrame      = 16384 // bytes in one client frame; the server's read limit
	DefaultRoom   = "lobby"
)

// ValidRoom checks a room name: 1 to 32 of a-z, 0-9, '-' and '_', starting
// with a letter or digit. Room names are NATS subject tokens and URL parts,
// so the alphabet is kept to what is safe in both.
func ValidRoom(room string) error {
	if room == "" {
		return Errorf(CodeBadRoom, "room name is empty")
	}
	if len(room) > MaxRoomLen {
		return Errorf(CodeBadRoom, "room name %q is longer than %d characters", room, MaxRoomLen)
	}
	for i := 0; i < len(room); i++ {
		c := room[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '-' || c == '_'))
		if !ok {
			return Errorf(CodeBadRoom, "room name %q may hold only a-z, 0-9, '-' and '_', and must start with a letter or digit", room)
		}
	}
	return nil
}

// NormalizeRoom turns what a person typed into a room name where it can:
// lower case, spaces to '-'. The result still needs ValidRoom.
func NormalizeRoom(typed string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(typed)), " ", "-")
}

// ValidName checks a nickname: 1 to 24 printable characters, no leading or
// trailing space.
func ValidName(name string) error {
	if name == "" {
		return Errorf(CodeBadName, "name is empty")
	}
	if !utf8.ValidString(name) {
		return Errorf(CodeBadName, "name is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > MaxNameRunes {
		return Errorf(CodeBadName, "name is %d characters, the limit is %d", n, MaxNameRunes)
	}
	if strings.TrimSpace(name) != name {
		return Errorf(CodeBadName, "name may not start or end with a space")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return Errorf(CodeBadName, "name may not hold control or invisible characters")
		}
	}
	return nil
}

// ValidText checks a message's text: not blank, at most MaxTextBytes.
func ValidText(text string) error {
	if strings.TrimSpace(text) == "" {
		return Errorf(CodeBadText, "message is empty")
	}
	if len(text) > MaxTextBytes {
		return Errorf(CodeBadText, "message is %d bytes, the limit is %d", len(text), MaxTextBytes)
	}
	if !utf8.ValidString(text) {
		return Errorf(CodeBadText, "message is not valid UTF-8")
	}
	return nil
}

// ValidEmoji checks a reaction: 1 to MaxEmojiLen bytes of UTF-8 with no
// letters, digits, spaces or control characters (an emoji, with its
// joiners and modifiers), so that a reaction cannot carry text.
func ValidEmoji(e string) error {
	if e == "" || len(e) > MaxEmojiLen || !utf8.ValidString(e) {
		return Errorf(CodeBadField, "a reaction is one emoji (at most %d bytes)", MaxEmojiLen)
	}
	for _, r := range e {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || unicode.IsControl(r) && r != 0x200d {
			return Errorf(CodeBadField, "a reaction is one emoji, not text")
		}
	}
	return nil
}

// ValidID checks a client message id: 1 to 64 of A-Z, a-z, 0-9, '-' and '_'.
// It becomes the NATS message id that deduplicates a resent message.
func ValidID(id string) error {
	if id == "" {
		return Errorf(CodeBadID, `"id" is empty: every send needs a client message id`)
	}
	if len(id) > MaxIDLen {
		return Errorf(CodeBadID, "id is longer than %d characters", MaxIDLen)
	}
	if !wordChars(id) {
		return Errorf(CodeBadID, "id may hold only A-Z, a-z, 0-9, '-' and '_'")
	}
	return nil
}

// GuestName is the name of someone who has not chosen one: guest-1234.
func GuestName() string {
	return "guest-" + strconv.Itoa(1000+rand.IntN(9000))
}

// ValidUserID checks a person's, guest's, bot's or token holder's id as
// a client may name it (in a path, a ban, a member to remove): 1 to 40 of
// A-Z, a-z, 0-9, '-' and '_'. Ids become NATS subjects and KV keys, so
// '.', '*', '>' and spaces never pass.
func ValidUserID(id string) error {
	if id == "" || len(id) > 40 || !wordChars(id) {
		return Errorf(CodeBadField, "not a user id")
	}
	return nil
}

// ValidFileID checks an attached file's id: 26 of a-z and 2-7 (16 random
// bytes in base32), the name of its object in the store.
func ValidFileID(id string) error {
	if len(id) != 26 {
		return Errorf(CodeBadField, "not a file id")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return Errorf(CodeBadField, "not a file id")
		}
	}
	return nil
}

// ValidCode checks a code a client hands back (an invitation's, a
// session's id): 1 to 64 of base64url's alphabet.
func ValidCode(code string) error {
	if code == "" || len(code) > 64 || !wordChars(code) {
		return Errorf(CodeBadField, "not a valid code")
	}
	return nil
}

// wordChars reports whether s holds only A-Z, a-z, 0-9, '-' and '_'.
func wordChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
