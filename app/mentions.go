package app

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Mentions: @name in a message's text, for the names of the room's people,
// is marked (and counted on the room's badge when it is the viewer's), and
// the composer completes @ with the names of the people in the room.

// mentionSpan is a piece of a message's plain text: text, or a mention
// (Name set, without the @).
type mentionSpan struct {
	Text string
	Name string
}

// splitMentions finds @name in plain text for the names given: the
// longest name that follows an @ at the start or after a space or
// punctuation, and that a letter or digit does not continue.
func splitMentions(text string, names []string) []mentionSpan {
	if len(names) == 0 || !strings.Contains(text, "@") {
		return []mentionSpan{{Text: text}}
	}
	var out []mentionSpan
	start := 0
	for i := 0; i < len(text); {
		at := strings.IndexByte(text[i:], '@')
		if at < 0 {
			break
		}
		at += i
		i = at + 1
		if at > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:at])
			if isNameRune(prev) {
				continue // an address, not a mention
			}
		}
		name := ""
		for _, n := range names {
			if len(n) > len(name) && strings.HasPrefix(text[at+1:], n) {
				next, _ := utf8.DecodeRuneInString(text[at+1+len(n):])
				if at+1+len(n) == len(text) || !isNameRune(next) {
					name = n
				}
			}
		}
		if name == "" {
			continue
		}
		if start < at {
			out = append(out, mentionSpan{Text: text[start:at]})
		}
		out = append(out, mentionSpan{Text: "@" + name, Name: name})
		start = at + 1 + len(name)
		i = start
	}
	if start < len(text) {
		out = append(out, mentionSpan{Text: text[start:]})
	}
	return out
}

func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-'
}

// mentions reports whether a text mentions name.
func mentions(text, name string) bool {
	if name == "" || !strings.Contains(text, "@"+name) {
		return false
	}
	return slices.ContainsFunc(splitMentions(text, []string{name}), func(m mentionSpan) bool { return m.Name != "" })
}

// mentionCount counts the unread messages of a room that mention the
// viewer.
func (s *chatState) mentionCount(name string) int {
	r := s.rooms[name]
	if r == nil || name == s.current {
		return 0
	}
	n := 0
	for _, it := range slices.Backward(r.items) {
		if it.Seq <= r.read {
			break
		}
		if !it.System && !it.Mine && mentions(it.Text, s.name) {
			n++
		}
	}
	return n
}

// mentionedNames is the names of the people in a room that its messages
// mention: all the list needs to mark mentions, and, unlike the names of
// everyone present, the same when someone comes or goes who is not
// mentioned (messageListFor). Kept for the room, its rev and the names it
// was worked out from.
type mentionedNames struct {
	room  string
	rev   uint64
	names []string
	out   []string
}

func (m *mentionedNames) of(r *room) []string {
	if m.room == r.name && m.rev == r.rev && slices.Equal(m.names, r.names) {
		return m.out
	}
	var out []string
	for _, it := range r.items {
		if it.System || !strings.Contains(it.Text, "@") {
			continue
		}
		for _, sp := range splitMentions(it.Text, r.names) {
			if sp.Name != "" && !slices.Contains(out, sp.Name) {
				out = append(out, sp.Name)
			}
		}
	}
	slices.Sort(out)
	*m = mentionedNames{room: r.name, rev: r.rev, names: slices.Clone(r.names), out: out}
	return out
}

// renderMessageText is renderText with the mentions marked.
func renderMessageText(text string, names []string, me string) app.UI {
	if len(names) == 0 || !strings.Contains(text, "@") {
		return renderText(text)
	}
	spans := parseRich(text)
	var parts []app.UI
	for _, sp := range spans {
		if sp.Kind != richText {
			parts = append(parts, renderSpan(sp))
			continue
		}
		for _, m := range splitMentions(sp.Text, names) {
			if m.Name == "" {
				parts = append(parts, app.Text(m.Text))
				continue
			}
			class := "mention"
			if m.Name == me {
				class += " me"
			}
			parts = append(parts, app.Span().Class(class).Text(m.Text))
		}
	}
	return app.Div().Class("text").Body(parts...)
}

// mentionPrefix is the @word being typed before the caret, if any: where
// its @ is (in before) and what follows it.
func mentionPrefix(before string) (at int, prefix string, ok bool) {
	at = strings.LastIndexByte(before, '@')
	if at < 0 {
		return 0, "", false
	}
	prefix = before[at+1:]
	if strings.ContainsFunc(prefix, unicode.IsSpace) || len(prefix) > 24 {
		return 0, "", false
	}
	if at > 0 {
		prev, _ := utf8.DecodeLastRuneInString(before[:at])
		if isNameRune(prev) {
			return 0, "", false
		}
	}
	return at, prefix, true
}

// suggestNames are the names that complete a prefix, the viewer's left
// out, at most five.
func suggestNames(prefix string, names []string, me string) []string {
	var out []string
	lower := strings.ToLower(prefix)
	for _, n := range names {
		if n != me && strings.HasPrefix(strings.ToLower(n), lower) {
			out = append(out, n)
			if len(out) == 5 {
				break
			}
		}
	}
	return out
}
