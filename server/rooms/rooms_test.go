package rooms

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"chat/internal/natstest"
	"chat/wire"
)

func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), natstest.JetStream(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWhoMayDoWhat is the rooms' authorization matrix: every action, for
// a stranger, a member, the owner, an admin, a guest and a client without
// a session, in a public room, a private one, a direct message and a
// private-looking name that does not exist.
func TestWhoMayDoWhat(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	ana := Who{User: "ana", Account: true}
	bo := Who{User: "bo", Account: true}
	cy := Who{User: "cy", Account: true}
	admin := Who{User: "root", Account: true, Admin: true}
	guest := Who{User: "gxyz"}
	anon := Who{}
	priv, err := s.Create(ctx, Private, "plans", Membership{User: "ana", Name: "ana"}, nil)
	if err != nil || !strings.HasPrefix(priv.ID, "p-") || wire.ValidRoom(priv.ID) != nil {
		t.Fatalf("private room: %+v, %v", priv, err)
	}
	if err := s.Admit(ctx, priv.ID, Membership{User: "bo", Name: "bo"}, "ana"); err != nil {
		t.Fatal(err)
	}
	dm, err := s.Create(ctx, Direct, "", Membership{User: "ana", Name: "ana"}, []Membership{{User: "cy", Name: "cy"}})
	if err != nil || !strings.HasPrefix(dm.ID, "dm-") {
		t.Fatalf("direct message: %+v, %v", dm, err)
	}
	again, _ := s.Create(ctx, Direct, "", Membership{User: "cy", Name: "cy"}, []Membership{{User: "ana", Name: "ana"}})
	if again.ID != dm.ID {
		t.Errorf("cy writing to ana got %s, ana to cy %s: want one conversation", again.ID, dm.ID)
	}
	missing := "p-doesnotexist"
	type row struct {
		room string
		act  Action
		who  Who
		ok   bool
	}
	var rows []row
	for _, w := range []Who{ana, bo, cy, admin, guest, anon} {
		rows = append(rows, row{"lobby", Join, w, true})
		rows = append(rows, row{"lobby", DeleteAny, w, w == admin})
		rows = append(rows, row{"lobby", Invite, w, w == admin})
		rows = append(rows, row{missing, Join, w, false})
		// Names that are no room's: wildcards and separators to NATS.
		for _, odd := range []string{"*", ">", "a.b", "p-*", "dm->", "a b", strings.Repeat("a", 16<<10)} {
			rows = append(rows, row{odd, Join, w, false}, row{odd, DeleteAny, w, false})
		}
	}
	for _, c := range []struct {
		who                         Who
		join, invite, remove, topic bool
	}{
		{ana, true, true, true, true}, // owner
		{bo, true, false, false, false},
		{cy, false, false, false, false},
		{admin, true, true, true, true},
		{guest, false, false, false, false},
		{anon, false, false, false, false},
	} {
		rows = append(rows, row{priv.ID, Join, c.who, c.join}, row{priv.ID, Invite, c.who, c.invite},
			row{priv.ID, Remove, c.who, c.remove}, row{priv.ID, SetTopic, c.who, c.topic}, row{priv.ID, DeleteAny, c.who, c.remove})
	}
	for _, c := range []struct {
		who  Who
		join bool
	}{{ana, true}, {cy, true}, {bo, false}, {admin, false}, {guest, false}, {anon, false}} {
		// A direct message is its people's: no one invites, removes or
		// moderates there, admins included.
		rows = append(rows, row{dm.ID, Join, c.who, c.join}, row{dm.ID, Invite, c.who, false},
			row{dm.ID, Remove, c.who, false}, row{dm.ID, DeleteAny, c.who, false})
	}
	for _, r := range rows {
		err := s.Can(ctx, r.who, r.act, r.room)
		if r.ok && err != nil || !r.ok && !errors.Is(err, ErrForbidden) {
			t.Errorf("%+v action %d in %s: %v, want allowed %v", r.who, r.act, r.room, err, r.ok)
		}
	}
	if ms, err := s.Members(ctx, priv.ID); err != nil || len(ms) != 2 {
		t.Errorf("the members: %v, %v", ms, err)
	}
	if mine, _ := s.Mine(ctx, "ana"); len(mine) != 2 {
		t.Errorf("ana's rooms: %+v", mine)
	}
	if err := s.SetTopic(ctx, priv.ID, "the plan"); err != nil {
		t.Error(err)
	}
	if r, _, _ := s.Get(ctx, priv.ID); r.Topic != "the plan" || r.Title != "plans" {
		t.Errorf("after the topic: %+v", r)
	}
	if err := s.SetTopic(ctx, missing, "nobody's"); !errors.Is(err, ErrForbidden) {
		t.Errorf("the topic of a room that is not there: %v", err)
	}
}

func TestRemovalIsSeenAndEndsMembership(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	priv, _ := s.Create(ctx, Private, "plans", Membership{User: "ana", Name: "ana"}, nil)
	_ = s.Admit(ctx, priv.ID, Membership{User: "bo", Name: "bo"}, "ana")
	removed := make(chan string, 1)
	if err := s.WatchRemovals(ctx, func(room, user string) { removed <- room + "/" + user }); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, priv.ID, "ana"); err == nil {
		t.Error("the owner was removed")
	}
	if err := s.RemoveMember(ctx, priv.ID, "bo"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-removed:
		if got != priv.ID+"/bo" {
			t.Errorf("removal seen as %s", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("removal not seen")
	}
	if err := s.Can(ctx, Who{User: "bo", Account: true}, Join, priv.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("bo after his removal: %v", err)
	}
}

// BenchmarkCan is the authorization check a join makes: nothing to read
// for a public room; two KV reads for a private one, member or not.
func BenchmarkCan(b *testing.B) {
	s := openStore(b)
	ctx := context.Background()
	priv, err := s.Create(ctx, Private, "plans", Membership{User: "ana", Name: "ana"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		who  Who
		room string
		ok   bool
	}{
		{"public", Who{User: "bo", Account: true}, "lobby", true},
		{"private-member", Who{User: "ana", Account: true}, priv.ID, true},
		{"private-stranger", Who{User: "bo", Account: true}, priv.ID, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := s.Can(ctx, c.who, Join, c.room); (err == nil) != c.ok {
					b.Fatal(err)
				}
			}
		})
	}
}
