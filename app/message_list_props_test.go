package app

import (
	"reflect"
	"testing"

	"chat/wire"
)

// TestPresenceLeavesTheListAlone: go-app renders the message list again
// when a field it is given differs from the last render's (reflect.DeepEqual
// for slices). People coming and going in a busy room must not change
// them, or every row would be rendered again at each presence event; only
// the presence of someone a message mentions does.
func TestPresenceLeavesTheListAlone(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.st.connected()
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "me", User: "u-me"})
	p.st.apply(joined("lobby", 0))
	p.st.apply(msg(1, "a", "bo", "hi @ana, see this"))
	p.st.apply(msg(2, "b", "bo", "and a plain one"))
	presence := func(names ...string) {
		p.st.apply(wire.Event{Type: wire.TypePresence, Room: "lobby", Count: len(names), Names: names})
	}
	presence("ana", "bo", "me")
	before := p.messageListFor()
	if !reflect.DeepEqual(before.Names, []string{"ana"}) {
		t.Fatalf("Names = %q, want the one mentioned", before.Names)
	}
	for _, names := range [][]string{
		{"ana", "bo", "cy", "me"},
		{"ana", "cy", "dee", "eve", "me"},
		{"ana", "me"},
	} {
		presence(names...)
		if after := p.messageListFor(); !reflect.DeepEqual(before, after) {
			t.Errorf("presence %q changed the list's fields:\n%+v\n%+v", names, before, after)
		}
	}
	presence("bo", "me")
	if after := p.messageListFor(); reflect.DeepEqual(before, after) || len(after.Names) != 0 {
		t.Errorf("ana, who is mentioned, left and the list did not change: Names %q", after.Names)
	}
}
