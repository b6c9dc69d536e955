package app

import (
	"strings"
	"unicode"
)

// What a search result shows of its message: the words of the query
// marked where the server found them. The server matches folded text (case
// and common accents aside, a word inside a longer one: server/search.go);
// folding here the same way, a rune for a rune, finds the same places in
// the text as it reads.

// textPart is a piece of a result's text, Hit when it matches a word.
type textPart struct {
	Text string
	Hit  bool
}

// searchWords splits a query into its folded words, as the server does.
func searchWords(q string) []string {
	return strings.FieldsFunc(foldText(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// foldRune is a rune in lower case without its accent, for the common
// Latin letters: the server's fold (server/search.go), which the app
// cannot import.
func foldRune(r rune) rune {
	r = unicode.ToLower(r)
	if p, ok := unaccented[r]; ok {
		return p
	}
	return r
}

func foldText(s string) string { return strings.Map(foldRune, s) }

var unaccented = func() map[rune]rune {
	from, to := []rune("àáâãäåçèéêëìíîïñòóôõöùúûüýÿ"), []rune("aaaaaaceeeeiiiinooooouuuuyy")
	m := make(map[rune]rune, len(from))
	for i, r := range from {
		m[r] = to[i]
	}
	return m
}()

// highlight cuts text into parts, marking every place a word occurs
// (overlapping ones merged).
func highlight(text string, words []string) []textPart {
	runes := []rune(text)
	folded := make([]rune, len(runes))
	for i, r := range runes {
		folded[i] = foldRune(r)
	}
	hit := make([]bool, len(runes))
	for _, w := range words {
		wr := []rune(w)
		if len(wr) == 0 {
			continue
		}
		for i := 0; i+len(wr) <= len(folded); i++ {
			if string(folded[i:i+len(wr)]) == w {
				for j := i; j < i+len(wr); j++ {
					hit[j] = true
				}
			}
		}
	}
	var parts []textPart
	start := 0
	for i := 1; i <= len(runes); i++ {
		if i == len(runes) || hit[i] != hit[start] {
			parts = append(parts, textPart{Text: string(runes[start:i]), Hit: hit[start]})
			start = i
		}
	}
	return parts
}

// snippetRunes is how much of a long message a result shows.
const snippetRunes = 220

// snippet is the part of a long text around its first hit, so that what
// matched is in view: it starts a little before the hit, with an ellipsis
// for what was cut.
func snippet(text string, words []string) string {
	runes := []rune(text)
	if len(runes) <= snippetRunes {
		return text
	}
	first := len(runes)
	folded := foldText(text)
	for _, w := range words {
		if i := strings.Index(folded, w); i >= 0 {
			first = min(first, len([]rune(folded[:i])))
		}
	}
	if first == len(runes) {
		first = 0
	}
	from := max(0, first-40)
	to := min(len(runes), from+snippetRunes)
	out := string(runes[from:to])
	if from > 0 {
		out = "…" + out
	}
	if to < len(runes) {
		out += "…"
	}
	return out
}
