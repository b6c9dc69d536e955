package wire

import (
	"bytes"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary lines to the decoder: it must never panic, an
// error must be a ProtocolError with a code, and an event it accepts must
// survive an encode and decode unchanged.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","name":"ana"}`,
		`{"type":"join","room":"lobby","after":120}`,
		`{"type":"send","room":"lobby","id":"a-1","text":"hi <b>"}`,
		`{"type":"history","room":"r","before":9}`,
		`{"type":"join","after":-1}`,
		`{"type":"join","after":1e400}`,
		`{"type":"msg","ts":"not a time"}`,
		`{"type":"presence","names":[1,2]}`,
		`{"type":"x","text":"\ud800"}`,
		`[]`, `null`, `"x"`, `{`, ``, "\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := Decode(line)
		if err != nil {
			pe, ok := err.(*ProtocolError)
			if !ok || pe.Code == "" || pe.Text == "" {
				t.Fatalf("Decode(%q) error %#v: want a *ProtocolError with code and text", line, err)
			}
			return
		}
		if ev.Type == "" {
			t.Fatalf("Decode(%q) accepted an event without a type", line)
		}
		// The validators take anything.
		_ = ValidRoom(ev.Room)
		_ = ValidName(ev.Name)
		_ = ValidText(ev.Text)
		_ = ValidID(ev.ID)
		enc := Encode(ev)
		if bytes.IndexByte(enc, '\n') >= 0 {
			t.Fatalf("Encode(%+v) holds a newline, which would split the NDJSON frame", ev)
		}
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if !back.TS.Equal(ev.TS) {
			t.Fatalf("ts %v came back as %v", ev.TS, back.TS)
		}
		back.TS = ev.TS
		if len(back.Names) == 0 && len(ev.Names) == 0 {
			back.Names, ev.Names = nil, nil
		}
		if !reflect.DeepEqual(back, ev) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, back)
		}
	})
}

// FuzzLines: whatever a frame holds, its lines hold no newline, are not
// blank, and together are the frame's non-blank content.
func FuzzLines(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}"))
	f.Add([]byte("\n\n\r\n  \n"))
	f.Add([]byte("x\r\ny"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var got [][]byte
		for line := range Lines(frame) {
			if bytes.IndexByte(line, '\n') >= 0 || len(bytes.TrimSpace(line)) == 0 {
				t.Fatalf("line %q from %q", line, frame)
			}
			got = append(got, line)
		}
		var want int
		for part := range bytes.SplitSeq(frame, []byte{'\n'}) {
			if len(bytes.TrimSpace(bytes.TrimRight(part, "\r"))) > 0 {
				want++
			}
		}
		if len(got) != want {
			t.Fatalf("%d lines from %q, want %d", len(got), frame, want)
		}
	})
}

// FuzzNormalizeRoom: a typed room name either becomes a valid room or is
// refused by ValidRoom with a message; normalizing twice changes nothing.
func FuzzNormalizeRoom(f *testing.F) {
	f.Add("Book Club")
	f.Add("  ÉTÉ ")
	f.Add("a.b*c>")
	f.Fuzz(func(t *testing.T, typed string) {
		n := NormalizeRoom(typed)
		if NormalizeRoom(n) != n {
			t.Fatalf("NormalizeRoom(%q) = %q, not stable", typed, n)
		}
		if err := ValidRoom(n); err == nil {
			if !utf8.ValidString(n) || len(n) > MaxRoomLen {
				t.Fatalf("ValidRoom accepted %q", n)
			}
		} else if err.(*ProtocolError).Code != CodeBadRoom {
			t.Fatalf("ValidRoom(%q): %v", n, err)
		}
	})
}
