package app

import (
	"encoding/json"
	"testing"

	"chat/wire"
)

// storage is an app.BrowserStorage over a map of JSON texts, as
// localStorage holds them; go-app's own is unexported.
type storage map[string]string

func (s storage) Set(k string, v any) error {
	b, err := json.Marshal(v)
	s[k] = string(b)
	return err
}
func (s storage) Get(k string, v any) error {
	if text, ok := s[k]; ok {
		return json.Unmarshal([]byte(text), v)
	}
	return nil
}
func (s storage) Del(k string) { delete(s, k) }
func (s storage) Len() int     { return len(s) }
func (s storage) Clear()       { clear(s) }
func (s storage) ForEach(f func(k string)) {
	for k := range s {
		f(k)
	}
}
func (s storage) Contains(k string) bool { _, ok := s[k]; return ok }

// put stores v as the browser would, for tests that set storage up.
func (s storage) put(k string, v any) { s.Set(k, v) }

func TestMeIsKeptAndForgotten(t *testing.T) {
	s := storage{}
	if me := loadMe(s); me.ID != "" {
		t.Fatalf("nobody stored, got %+v", me)
	}
	saveMe(s, user{ID: "u1", Name: "ana", Admin: true})
	if me := loadMe(s); me.ID != "u1" || me.Name != "ana" || !me.Admin {
		t.Fatalf("stored ana, got %+v", me)
	}
	s.put(identityKey, "browser1")
	s.put(roomsKey, savedRooms{Rooms: []string{"lobby", "p-abc"}})
	s.put(roomKeyPrefix+"p-abc", savedRoom{LastSeq: 3})
	s.put(outboxKey, []savedSend{{Room: "p-abc", ID: "x", Text: "secret"}})
	forgetChat(s)
	for _, k := range []string{meKey, roomsKey, roomKeyPrefix + "p-abc", outboxKey} {
		if s.Contains(k) {
			t.Errorf("%s kept after forgetChat", k)
		}
	}
	if !s.Contains(identityKey) {
		t.Error("the browser id was forgotten: it is not a person's")
	}
}

func TestLoadIdentityIsStableAndValid(t *testing.T) {
	s := storage{}
	id := loadIdentity(s)
	if err := wire.ValidID(id); err != nil {
		t.Fatalf("identity %q: %v", id, err)
	}
	if again := loadIdentity(s); again != id {
		t.Fatalf("second tab got %q, want the same %q", again, id)
	}
	s.put(identityKey, "not valid!")
	if got := loadIdentity(s); got == "not valid!" || wire.ValidID(got) != nil {
		t.Fatalf("invalid stored identity kept: %q", got)
	}
}
