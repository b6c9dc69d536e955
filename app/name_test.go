package app

import (
	"testing"

	"chat/wire"
)

// storage is an app.BrowserStorage over a map; go-app's own is unexported.
type storage map[string]any

func (s storage) Set(k string, v any) error { s[k] = v; return nil }
func (s storage) Get(k string, v any) error {
	if got, ok := s[k].(string); ok {
		*v.(*string) = got
	}
	return nil
}
func (s storage) Del(k string)             { delete(s, k) }
func (s storage) Len() int                 { return len(s) }
func (s storage) Clear()                   { clear(s) }
func (s storage) ForEach(f func(k string)) {}
func (s storage) Contains(k string) bool   { _, ok := s[k]; return ok }

func TestLoadName(t *testing.T) {
	s := storage{}
	first := loadName(s)
	if s[nameKey] != first {
		t.Fatalf("default name %q not remembered: %v", first, s)
	}
	if again := loadName(s); again != first {
		t.Errorf("second visit: %q, want %q", again, first)
	}
	s[nameKey] = "ana"
	if got := loadName(s); got != "ana" {
		t.Errorf("chosen name: %q", got)
	}
	s[nameKey] = " bad "
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
	s[identityKey] = "not valid!"
	if got := loadIdentity(s); got == "not valid!" || wire.ValidID(got) != nil {
		t.Fatalf("invalid stored identity kept: %q", got)
	}
}
