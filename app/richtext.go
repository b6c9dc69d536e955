package app

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A message's text is plain text with a small formatting subset that our
// own code turns into elements: links (http, https and mailto only),
// `inline code` and ``` fenced code blocks ```. Nothing in a message ever
// becomes markup: every piece ends in a text node or in an attribute we
// chose (a link's href, which starts with one of the allowed schemes by
// construction). Anything that does not parse is left as the text it was.

// richKind is what a span of a message is.
type richKind uint8

const (
	richText  richKind = iota // plain text, line breaks included
	richLink                  // a URL, shown as written and linked to as written
	richCode                  // `inline code`
	richBlock                 // a ``` fenced code block ```
)

// richSpan is one piece of a message, in order.
type richSpan struct {
	Kind richKind
	Text string
	Lang string // richBlock only: the word after the opening fence, if any
}

const fence = "```"

// parseRich splits a message's text into spans. Adjacent text is merged;
// the line breaks around a code block are its own (it is a block), so the
// text next to it loses one.
func parseRich(s string) []richSpan {
	var out []richSpan
	for s != "" {
		open := strings.Index(s, fence)
		if open < 0 {
			out = parseInline(out, s)
			break
		}
		block, rest, ok := cutBlock(s[open+len(fence):], open == 0 || s[open-1] == '\n')
		if !ok {
			// Unterminated or empty: the backticks are text, and what
			// follows them is parsed on.
			out = parseInline(out, s[:open+len(fence)])
			s = s[open+len(fence):]
			continue
		}
		out = parseInline(out, strings.TrimSuffix(s[:open], "\n"))
		out = append(out, block)
		s = strings.TrimPrefix(rest, "\n")
	}
	return out
}

// cutBlock reads a code block after its opening fence: up to the closing
// fence, less the line break after the opening fence and the one before
// the closing fence. At the start of a line, a single word ending the
// opening line names the language (```go).
func cutBlock(s string, lineStart bool) (block richSpan, rest string, ok bool) {
	end := strings.Index(s, fence)
	if end < 0 {
		return richSpan{}, "", false
	}
	code, rest := s[:end], s[end+len(fence):]
	// A run of more than three backticks closes at its end.
	for strings.HasPrefix(rest, "`") {
		code, rest = code+"`", rest[1:]
	}
	var lang string
	if nl := strings.IndexByte(code, '\n'); nl > 0 && lineStart && isLangTag(code[:nl]) {
		lang, code = code[:nl], code[nl:]
	}
	code = strings.TrimPrefix(code, "\n")
	code = strings.TrimSuffix(code, "\n")
	if strings.TrimSpace(code) == "" {
		return richSpan{}, "", false
	}
	return richSpan{Kind: richBlock, Text: code, Lang: lang}, rest, true
}

func isLangTag(s string) bool {
	if len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-#._", r)) {
			return false
		}
	}
	return true
}

// parseInline finds code spans in a piece of text outside any block, and
// links in the text outside code spans. A code span is a run of one or
// two backticks closed by the same run on the same line; its text is as
// written (a link in it stays text).
func parseInline(out []richSpan, s string) []richSpan {
	for s != "" {
		open := strings.IndexByte(s, '`')
		if open < 0 {
			return parseLinks(out, s)
		}
		n := 1
		for open+n < len(s) && s[open+n] == '`' {
			n++
		}
		if n > 2 {
			out = parseLinks(out, s[:open+n])
			s = s[open+n:]
			continue
		}
		tick := s[open : open+n]
		body := s[open+n:]
		end := closingTicks(body, tick)
		if end < 0 || strings.TrimSpace(body[:end]) == "" {
			out = parseLinks(out, s[:open+n])
			s = body
			continue
		}
		out = parseLinks(out, s[:open])
		code := body[:end]
		// `` `x` `` holds backticks: one space of padding on each side
		// is the delimiter's, as in CommonMark.
		if n == 2 && len(code) > 2 && code[0] == ' ' && code[len(code)-1] == ' ' {
			code = code[1 : len(code)-1]
		}
		out = appendSpan(out, richSpan{Kind: richCode, Text: code})
		s = body[end+n:]
	}
	return out
}

// closingTicks is where the run tick (exactly it, not part of a longer run)
// next occurs in s before a line break, or -1.
func closingTicks(s, tick string) int {
	for i := 0; i < len(s); {
		switch {
		case s[i] == '\n':
			return -1
		case s[i] != '`':
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		if j-i == len(tick) {
			return i
		}
		i = j
	}
	return -1
}

// linkSchemes are the only schemes a link may have. Anything else
// (javascript:, data:, vbscript:, file:…) is never a link.
var linkSchemes = [...]string{"https://", "http://", "mailto:"}

// parseLinks splits plain text into text and links.
func parseLinks(out []richSpan, s string) []richSpan {
	for s != "" {
		start, end := findLink(s)
		if start < 0 {
			return appendSpan(out, richSpan{Kind: richText, Text: s})
		}
		out = appendSpan(out, richSpan{Kind: richText, Text: s[:start]})
		out = append(out, richSpan{Kind: richLink, Text: s[start:end]})
		s = s[end:]
	}
	return out
}

// findLink returns the first link in s as s[start:end], or -1. A link
// starts with an allowed scheme (in any case) at the start of a word, and
// runs to a space, a quote or an angle bracket; punctuation that ends a
// sentence or closes a bracket opened before the link is not part of it.
func findLink(s string) (start, end int) {
	// ASCII only: strings.ToLower may change a string's length (İ), and
	// the indices must stay those of s.
	lower := []byte(s)
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	// next[i] is where linkSchemes[i] next occurs at or after from, or -1:
	// each scheme's search runs once over s, whatever s holds.
	var next [len(linkSchemes)]int
	for i, sc := range linkSchemes {
		next[i] = bytes.Index(lower, []byte(sc))
	}
	for from := 0; from < len(s); {
		start = -1
		var scheme string
		for i, sc := range linkSchemes {
			if next[i] >= 0 && next[i] < from {
				if j := bytes.Index(lower[from:], []byte(sc)); j >= 0 {
					next[i] = from + j
				} else {
					next[i] = -1
				}
			}
			if next[i] >= 0 && (start < 0 || next[i] < start) {
				start, scheme = next[i], sc
			}
		}
		if start < 0 {
			return -1, -1
		}
		from = start + len(scheme)
		if start > 0 {
			if r, _ := utf8.DecodeLastRuneInString(s[:start]); isWordRune(r) {
				continue // inside a word: xhttps://…
			}
		}
		end = start + len(scheme)
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>"`+"`", r) {
				break
			}
			end += size
		}
		end = start + trimLinkEnd(s[start:end])
		if end-start > len(scheme) && validLink(s[start:end], scheme) {
			return start, end
		}
	}
	return -1, -1
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '+' || r == '-'
}

// trimLinkEnd drops the punctuation a URL is unlikely to end with: the end
// of a sentence, and a closing bracket with no opening one in the URL
// (https://en.wikipedia.org/wiki/Go_(programming_language) keeps its own).
func trimLinkEnd(u string) int {
	for u != "" {
		r, size := utf8.DecodeLastRuneInString(u)
		switch {
		case strings.ContainsRune(".,:;!?'*_~", r):
		case r == ')' && strings.Count(u, "(") < strings.Count(u, ")"),
			r == ']' && strings.Count(u, "[") < strings.Count(u, "]"),
			r == '}' && strings.Count(u, "{") < strings.Count(u, "}"):
		default:
			return len(u)
		}
		u = u[:len(u)-size]
	}
	return 0
}

// validLink says whether what follows the scheme is worth a link: a host
// for http and https, an address for mailto.
func validLink(u, scheme string) bool {
	rest := u[len(scheme):]
	if scheme == "mailto:" {
		at := strings.IndexByte(rest, '@')
		return at > 0 && at < len(rest)-1
	}
	host := rest
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	return strings.TrimLeft(host, ".:") != ""
}

// appendSpan appends sp, merged into the last span if both are text, and
// dropped if it is empty text.
func appendSpan(out []richSpan, sp richSpan) []richSpan {
	if sp.Kind == richText {
		if sp.Text == "" {
			return out
		}
		if n := len(out); n > 0 && out[n-1].Kind == richText {
			out[n-1].Text += sp.Text
			return out
		}
	}
	return append(out, sp)
}
