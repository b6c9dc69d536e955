package app

import (
	"reflect"
	"testing"

	"chat/wire"
)

func TestSplitMentions(t *testing.T) {
	names := []string{"ana", "ana-b", "bo"}
	for _, tc := range []struct {
		text string
		want []mentionSpan
	}{
		{"hi @ana!", []mentionSpan{{Text: "hi "}, {Text: "@ana", Name: "ana"}, {Text: "!"}}},
		{"@ana-b and @bo", []mentionSpan{{Text: "@ana-b", Name: "ana-b"}, {Text: " and "}, {Text: "@bo", Name: "bo"}}},
		{"mail ana@bo.org", []mentionSpan{{Text: "mail ana@bo.org"}}},
		{"@anatole", []mentionSpan{{Text: "@anatole"}}},
		{"@cy", []mentionSpan{{Text: "@cy"}}},
	} {
		if got := splitMentions(tc.text, names); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

func TestMentionCount(t *testing.T) {
	s := online(t, 0)
	s.join("design")
	s.apply(wire.Event{Type: wire.TypeJoined, Room: "design", Seq: 1, Read: 1})
	s.switchTo("lobby")
	s.apply(msgIn("design", 2, "a", "bo", "@me look"))
	s.apply(msgIn("design", 3, "b", "bo", "no mention, name@me.org"))
	if n, u := s.mentionCount("design"), s.unread("design"); n != 1 || u != 2 {
		t.Errorf("mentions %d unread %d, want 1 and 2", n, u)
	}
}

func TestMentionPrefix(t *testing.T) {
	for _, tc := range []struct {
		before string
		prefix string
		ok     bool
	}{{"hi @a", "a", true}, {"@", "", true}, {"hi @an a", "", false}, {"x@a", "", false}, {"none", "", false}} {
		_, prefix, ok := mentionPrefix(tc.before)
		if prefix != tc.prefix || ok != tc.ok {
			t.Errorf("%q: %q %v", tc.before, prefix, ok)
		}
	}
	if got := suggestNames("A", []string{"ana", "Abe", "bo", "me"}, "me"); !reflect.DeepEqual(got, []string{"ana", "Abe"}) {
		t.Errorf("suggest = %v", got)
	}
}
