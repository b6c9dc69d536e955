package app

import (
	"reflect"
	"strings"
	"testing"
)

func TestSearchWordsFoldLikeTheServer(t *testing.T) {
	if got, want := searchWords("  Café, DEPLOY-it! "), []string{"cafe", "deploy", "it"}; !reflect.DeepEqual(got, want) {
		t.Errorf("searchWords = %q, want %q", got, want)
	}
}

func TestHighlightMarksEveryWordAsWritten(t *testing.T) {
	got := highlight("Le café est DEPLOYED, redeploy cafe", searchWords("cafe deploy"))
	want := []textPart{
		{"Le ", false}, {"café", true}, {" est ", false}, {"DEPLOY", true}, {"ED, re", false},
		{"deploy", true}, {" ", false}, {"cafe", true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("highlight =\n%+v\nwant\n%+v", got, want)
	}
	// Overlapping words make one mark; text without a hit is one plain part.
	if got := highlight("banana", []string{"ana", "nan"}); !reflect.DeepEqual(got, []textPart{{"b", false}, {"anana", true}}) {
		t.Errorf("overlaps: %+v", got)
	}
	if got := highlight("nothing here", []string{"zzz"}); !reflect.DeepEqual(got, []textPart{{"nothing here", false}}) {
		t.Errorf("no hit: %+v", got)
	}
}

func TestSnippetShowsTheHit(t *testing.T) {
	long := strings.Repeat("filler ", 100) + "the needle " + strings.Repeat("tail ", 100)
	s := snippet(long, []string{"needle"})
	if !strings.Contains(s, "needle") || !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || len([]rune(s)) > snippetRunes+2 {
		t.Errorf("snippet = %q", s)
	}
	if s := snippet("short text", []string{"text"}); s != "short text" {
		t.Errorf("a short text is cut: %q", s)
	}
}
