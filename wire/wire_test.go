package wire

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeNamesTheProblem(t *testing.T) {
	cases := []struct {
		line, code, says string
	}{
		{`{"type":"join","room":"lobby","after":12}`, "", ""},
		{`not json`, CodeBadJSON, "invalid JSON"},
		{`"a string"`, CodeBadJSON, "JSON object"},
		{`{"type":7}`, CodeBadField, `"type" must be a string`},
		{`{"type":"join","after":-1}`, CodeBadField, `"after" must be a number`},
		{`{"type":"presence","names":"ana"}`, CodeBadField, `"names" must be an array`},
		{`{}`, CodeUnknownType, "missing"},
	}
	for _, c := range cases {
		ev, err := Decode([]byte(c.line))
		if c.code == "" {
			if err != nil || ev.Type != TypeJoin || ev.Room != "lobby" || ev.After != 12 {
				t.Errorf("Decode(%s) = %+v, %v", c.line, ev, err)
			}
			continue
		}
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Code != c.code || !strings.Contains(pe.Text, c.says) {
			t.Errorf("Decode(%s) error = %v, want %s mentioning %q", c.line, err, c.code, c.says)
		}
	}
}

func TestEncodeRoundTripWithoutHTMLEscapes(t *testing.T) {
	ev := Event{Type: TypeMsg, Room: "r", Seq: 3, ID: "id-1", From: "ana", Text: "<b>&</b>", TS: time.Date(2026, 11, 25, 10, 0, 0, 123e6, time.UTC)}
	b := Encode(ev)
	want := `{"type":"msg","room":"r","seq":3,"id":"id-1","from":"ana","text":"<b>&</b>","ts":"2026-11-25T10:00:00.123Z"}`
	if string(b) != want {
		t.Fatalf("Encode = %s\nwant     %s", b, want)
	}
	back, err := Decode(b)
	if err != nil || !back.TS.Equal(ev.TS) || back.Text != ev.Text || back.Seq != ev.Seq {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if got := string(Encode(Event{Type: TypeBroadcast, Text: BenchmarkText})); got != `{"type":"broadcast","text":"test message"}` {
		t.Fatalf("broadcast event = %s", got)
	}
}

func TestFramesSplitOnNewlines(t *testing.T) {
	var frame []byte
	frame = AppendFrame(frame, []byte(`{"a":1}`))
	frame = AppendFrame(frame, []byte(`{"b":2}`))
	frame = append(frame, "\r\n\n  \n"...)
	var got []string
	for line := range Lines(frame) {
		got = append(got, string(line))
	}
	if strings.Join(got, "|") != `{"a":1}|{"b":2}` {
		t.Fatalf("Lines = %q", got)
	}
}

func TestValidation(t *testing.T) {
	ok := func(err error) bool { return err == nil }
	checks := []struct {
		name string
		err  error
		want bool
	}{
		{"room lobby", ValidRoom("lobby"), true},
		{"room with digits and dash", ValidRoom("go-1_2"), true},
		{"room empty", ValidRoom(""), false},
		{"room upper case", ValidRoom("Lobby"), false},
		{"room leading dash", ValidRoom("-x"), false},
		{"room dot (a NATS token separator)", ValidRoom("a.b"), false},
		{"room wildcard", ValidRoom("*"), false},
		{"room 32", ValidRoom(strings.Repeat("a", 32)), true},
		{"room 33", ValidRoom(strings.Repeat("a", 33)), false},
		{"name", ValidName("Ana Lúcia"), true},
		{"name 24 runes", ValidName(strings.Repeat("é", 24)), true},
		{"name 25 runes", ValidName(strings.Repeat("é", 25)), false},
		{"name padded", ValidName(" ana"), false},
		{"name control", ValidName("a\u0007b"), false},
		{"name zero width", ValidName("a\u200bb"), false},
		{"text", ValidText("hi"), true},
		{"text blank", ValidText(" \n\t"), false},
		{"text at limit", ValidText(strings.Repeat("a", MaxTextBytes)), true},
		{"text over limit", ValidText(strings.Repeat("a", MaxTextBytes+1)), false},
		{"id", ValidID("Abc-_9"), true},
		{"id empty", ValidID(""), false},
		{"id space", ValidID("a b"), false},
		{"id 65", ValidID(strings.Repeat("a", 65)), false},
		{"user id", ValidUserID("5vGqZ2yq8hQd3kXb1rT0aa"), true},
		{"guest id", ValidUserID("g5vGqZ2yq8hQd3kXb1rT0aa"), true},
		{"token id", ValidUserID("j-abcdefghijklmnopqrstuvwx"), true},
		{"user id wildcard", ValidUserID("*"), false},
		{"user id full wildcard", ValidUserID(">"), false},
		{"user id with a dot", ValidUserID("a.b"), false},
		{"user id empty", ValidUserID(""), false},
		{"user id 41", ValidUserID(strings.Repeat("a", 41)), false},
		{"file id", ValidFileID("abcdefghijklmnopqrstuvwxyz"), true},
		{"file id short", ValidFileID("abc"), false},
		{"file id upper", ValidFileID("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), false},
		{"file id wildcard", ValidFileID("abcdefghijklmnopqrstuvwxy*"), false},
		{"code", ValidCode("caOytF3zYNPI2sy13AIF0Sxu"), true},
		{"code with a dot", ValidCode("a.b"), false},
		{"code 65", ValidCode(strings.Repeat("a", 65)), false},
	}
	for _, c := range checks {
		if ok(c.err) != c.want {
			t.Errorf("%s: err = %v, want ok=%v", c.name, c.err, c.want)
		}
	}
	if NormalizeRoom("  Book Club ") != "book-club" {
		t.Errorf("NormalizeRoom = %q", NormalizeRoom("  Book Club "))
	}
	for range 100 {
		if n := GuestName(); ValidName(n) != nil || !strings.HasPrefix(n, "guest-") || len(n) != 10 {
			t.Fatalf("GuestName() = %q", n)
		}
	}
}

func TestValidEmoji(t *testing.T) {
	for _, ok := range []string{"👍", "❤️", "👍🏽", "👩‍💻", "🇫🇷", "🎉"} {
		if err := ValidEmoji(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a", "👍 x", "hello", "1", "\n", strings.Repeat("👍", 9), "\xff"} {
		if ValidEmoji(bad) == nil {
			t.Errorf("%q taken as a reaction", bad)
		}
	}
}
