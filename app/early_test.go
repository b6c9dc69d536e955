package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReplayEarly is issue 4's logic: what was submitted in the prerendered
// page before the app ran is acted on in order, as the forms would have,
// and no text is lost: what was typed and not submitted, and a submit the
// app refuses, go back into their fields.
func TestReplayEarly(t *testing.T) {
	s := newChatState("guest-1")
	fields := s.replayEarly(earlyInput{
		Values: map[string]string{"composer-text": "still typing", "room-name": ""},
		Submits: []earlySubmit{
			{Form: "composer", Values: map[string]string{"composer-text": " typed before the app ran "}},
			{Form: "room-form", Values: map[string]string{"room-name": "Design Team"}},
			{Form: "composer", Values: map[string]string{"composer-text": "in design"}},
			{Form: "room-form", Values: map[string]string{"room-name": "bad room!"}},
		},
	})
	var texts []string
	for _, name := range s.order {
		for _, p := range s.rooms[name].pending {
			texts = append(texts, name+": "+p.Text)
		}
	}
	if want := []string{"lobby: typed before the app ran", "design-team: in design"}; !slices.Equal(texts, want) {
		t.Errorf("outbox %q, want %q", texts, want)
	}
	if s.current != "design-team" {
		t.Errorf("room on screen %q", s.current)
	}
	if fields["composer-text"] != "still typing" || fields["room-name"] != "bad room!" || !strings.Contains(s.roomError, "may hold only") {
		t.Errorf("fields %q, room error %q: the text typed or refused is not put back", fields, s.roomError)
	}

	// A blank message is refused as the composer refuses it, and kept.
	s = newChatState("guest-1")
	fields = s.replayEarly(earlyInput{Submits: []earlySubmit{{Form: "composer", Values: map[string]string{"composer-text": "   "}}}})
	if !s.composerRefused || s.lastError == "" || len(s.cur().pending) != 0 || fields["composer-text"] != "   " {
		t.Errorf("blank message: refused %v, error %q, outbox %+v, fields %q", s.composerRefused, s.lastError, s.cur().pending, fields)
	}
}

// TestEarlyScriptIsLoaded: the page loads the script that holds early
// input, in the head and not deferred, and the file is there to serve.
func TestEarlyScriptIsLoaded(t *testing.T) {
	h := Handler("v")
	if !slices.Contains(h.Scripts, earlyScript) {
		t.Fatalf("Handler.Scripts = %q, want %s", h.Scripts, earlyScript)
	}
	if _, err := os.Stat(filepath.Join("..", earlyScript)); err != nil {
		t.Error(err)
	}
}
