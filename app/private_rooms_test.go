package app

import (
	"slices"
	"testing"

	"chat/wire"
)

// TestRoomList: the API's rooms are joined and shown by title; a
// server-named room held from before that the list lacks is dropped.
func TestRoomList(t *testing.T) {
	s := signedIn(t)
	s.addRoom("p-old") // from the cache; not joined on this connection
	s.setRoomList([]roomInfo{
		{ID: "p-plans", Kind: kindPrivate, Title: "Plans", Role: roleOwner},
		{ID: "dm-x", Kind: kindDirect, Names: []string{"ana", "bo", "cy"}},
		{ID: "Bad ID", Kind: kindPrivate},
	})
	var joins []string
	for _, ev := range s.takeOut() {
		if ev.Type == wire.TypeJoin {
			joins = append(joins, ev.Room)
		}
	}
	if !slices.Equal(joins, []string{"p-plans", "dm-x"}) {
		t.Errorf("joined %v", joins)
	}
	if s.rooms["p-old"] != nil {
		t.Error("a room the list no longer has is kept")
	}
	if got := s.roomTitle("p-plans"); got != "Plans" {
		t.Errorf("title %q", got)
	}
	if got := s.roomTitle("dm-x"); got != "bo, cy" {
		t.Errorf("direct title %q, want the others' names", got)
	}
	if got := s.roomHeading("lobby"); got != "#lobby" {
		t.Errorf("heading %q", got)
	}
	if got := s.roomsOfKind(kindPrivate); !slices.Equal(got, []string{"p-plans"}) {
		t.Errorf("private rooms %v", got)
	}
	if got := s.roomsOfKind("public"); !slices.Equal(got, []string{"lobby"}) {
		t.Errorf("public rooms %v", got)
	}
	if !s.owns("p-plans") || s.owns("dm-x") {
		t.Error("owns: the owner's role decides")
	}
	s.leftRoom("p-plans")
	if s.rooms["p-plans"] != nil || s.info["p-plans"].ID != "" {
		t.Error("a room left is still held")
	}
	for _, ev := range s.takeOut() {
		if ev.Type == wire.TypeLeave {
			t.Error("leaving through the API sent a leave too")
		}
	}
}

func TestSplitNamesAndLocalNext(t *testing.T) {
	if got := splitNames(" bo, cy ,, Ana Maria "); !slices.Equal(got, []string{"bo", "cy", "Ana Maria"}) {
		t.Errorf("splitNames %q", got)
	}
	for in, want := range map[string]string{
		"": "/", "/account": "/account", "//evil.example/x": "/", "https://evil.example": "/",
		"/invite/abc?x=1": "/invite/abc?x=1", `/\evil`: "/", "account": "/",
	} {
		if got := localNext(in); got != want {
			t.Errorf("localNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAgentName(t *testing.T) {
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
	if got := agentName(ua); got != "Chrome on Linux" {
		t.Errorf("agentName = %q", got)
	}
	if got := agentName(""); got != "An unknown device" {
		t.Errorf("agentName empty = %q", got)
	}
}
