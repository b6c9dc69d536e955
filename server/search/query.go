package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/sync/errgroup"
)

const (
	// MaxResults is how many results a search returns, newest first.
	MaxResults = 50
	// MaxWords is how many words a query may hold.
	MaxWords = 10
	// parallel is how many rooms one search reads at once.
	parallel = 4
)

// Result is one message found.
type Result struct {
	Room  string    `json:"room"`
	Seq   uint64    `json:"seq"`
	From  string    `json:"from"`
	User  string    `json:"user,omitempty"`
	Text  string    `json:"text"`
	TS    time.Time `json:"ts"`
	Title string    `json:"title,omitempty"` // a private room's, or a direct message's people
}

// Find returns the messages of rooms holding every word (Words), newest
// first, MaxResults at most; a room not held is read first. The caller
// has decided that every room is one the person may read.
func (x *Index) Find(ctx context.Context, rooms []string, words []string) ([]Result, error) {
	found := make([][]Result, len(rooms))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, room := range rooms {
		g.Go(func() error {
			r, err := x.room(gctx, room)
			if err != nil {
				return err
			}
			found[i] = x.find(r, room, words, MaxResults)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	all := append([]Result{}, slices.Concat(found...)...) // [] rather than null when nothing matched
	// Newest first: every room is in one stream, so seqs order them all.
	slices.SortFunc(all, func(a, b Result) int { return cmp.Compare(b.Seq, a.Seq) })
	return all[:min(len(all), MaxResults)], nil
}

// Words splits a query into its words, folded: what Find matches.
func Words(q string) []string {
	return strings.FieldsFunc(fold(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// hasAll reports whether folded text holds every word (as a part of a
// word: "deploy" finds "deployed").
func hasAll(folded string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(folded, w) {
			return false
		}
	}
	return true
}

// fold is text in lower case with its accents taken off the common Latin
// letters, so that "Café" finds "cafe".
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		r = unicode.ToLower(r)
		if p, ok := unaccented[r]; ok {
			return p
		}
		return r
	}, s)
}

var unaccented = func() map[rune]rune {
	from, to := []rune("àáâãäåçèéêëìíîïñòóôõöùúûüýÿ"), []rune("aaaaaaceeeeiiiinooooouuuuyy")
	m := make(map[rune]rune, len(from))
	for i, r := range from {
		m[r] = to[i]
	}
	return m
}()
