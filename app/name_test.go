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

func TestLoadName(t *testing.T) {
	s := storage{}
	first := loadName(s)
	var kept string
	s.Get(nameKey, &kept)
	if kept != first {
		t.Fatalf("default name %q not remembered: %v", first, s)
	}
	if again := loadName(s); again != first {
		t.Errorf("second visit: %q, want %q", again, first)
	}
	s.put(nameKey, "ana")
	if got := loadName(s); got != "ana" {
		t.Errorf("chosen name: %q", got)
	}
	s.put(nameKey, " bad ")
	if got := loadName(s); got == " bad " || wire.ValidName(got) != nil {
		t.Errorf("invalid stored name kept: %q", got)
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
