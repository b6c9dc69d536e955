package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"chat/server/presence"
	"chat/wire"
)

// TestEditReactReplyOnTwoNodes: edits, reactions, replies and fetching one
// message, through the one data path, on two nodes: every member gets each
// change live, history (from a node's cache and from the store) serves the
// message with its last text and reactions, only the author edits, a
// reaction is one person's once, and a delete forgets them.
func TestEditReactReplyOnTwoNodes(t *testing.T) {
	_, url := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, url, 2, nil)
	w := newAuthzWorld(t, srvs[0], hs[0])
	ana, bo := openSocket(t, w.olga, hs[0]), openSocket(t, w.mia, hs[1])
	for _, c := range []*client{ana, bo} {
		c.joinAfter("town", 0)
	}
	seq := ana.say("town", "m1", "helo")
	bo.msgs("town", 1)

	// Edit: the author's, live to everyone, with "edited".
	ana.send(wire.Event{Type: wire.TypeEdit, Room: "town", ID: "e1", Target: seq, Text: "hello"})
	for _, c := range []*client{ana, bo} {
		if e := c.next(wire.TypeEdit); e.Target != seq || e.Text != "hello" || e.Edited.IsZero() || e.User != w.olgaID {
			t.Fatalf("edit event: %+v", e)
		}
	}
	bo.send(wire.Event{Type: wire.TypeEdit, Room: "town", ID: "e2", Target: seq, Text: "mine now"})
	if e := errorFor(bo, "town"); e.Code != wire.CodeForbidden {
		t.Errorf("someone else's edit: %+v", e)
	}
	// Reactions: a toggle, one person once, everyone sees the count.
	react := func(c *client, id string) []wire.Reaction {
		c.send(wire.Event{Type: wire.TypeReact, Room: "town", ID: id, Target: seq, Emoji: "👍"})
		for {
			if r := c.next(wire.TypeReact); r.ID == id {
				return r.Reactions
			}
		}
	}
	if r := react(bo, "r1"); len(r) != 1 || len(r[0].Users) != 1 || r[0].Names[0] != "mia" {
		t.Fatalf("after bo's reaction: %+v", r)
	}
	if r := react(ana, "r2"); len(r) != 1 || len(r[0].Users) != 2 {
		t.Fatalf("after ana's: %+v", r)
	}
	if r := react(bo, "r3"); len(r) != 1 || len(r[0].Users) != 1 || r[0].Names[0] != "olga" {
		t.Fatalf("bo's second (off): %+v", r)
	}
	bo.send(wire.Event{Type: wire.TypeReact, Room: "town", ID: "r4", Target: seq, Emoji: "nope"})
	if e := errorFor(bo, "town"); e.Code != wire.CodeBadField {
		t.Errorf("text as a reaction: %+v", e)
	}
	// A reply carries a quote of the answered message as it is now.
	bo.send(wire.Event{Type: wire.TypeSend, Room: "town", ID: "re1", Text: "hi!", Reply: seq})
	var reply wire.Event
	for reply.ID != "re1" {
		reply = ana.next(wire.TypeMsg)
	}
	if reply.Reply != seq || reply.Quote == nil || reply.Quote.Text != "hello" || reply.Quote.From != "olga" {
		t.Fatalf("reply: %+v quote %+v", reply, reply.Quote)
	}
	bo.send(wire.Event{Type: wire.TypeSend, Room: "town", ID: "re2", Text: "to nothing", Reply: 999999})
	if e := errorFor(bo, "town"); e.Code != wire.CodeBadField {
		t.Errorf("a reply to no message: %+v", e)
	}
	check := func(where string, m wire.Event) {
		t.Helper()
		if m.Text != "hello" || m.Edited.IsZero() || len(m.Reactions) != 1 || m.Reactions[0].Names[0] != "olga" {
			t.Errorf("%s: %+v", where, m)
		}
	}
	find := func(c *client, s uint64) wire.Event {
		t.Helper()
		for {
			if m := c.next(wire.TypeMsg); m.Seq == s {
				return m
			}
		}
	}
	// History from each node's cache.
	for i, h := range hs {
		cy := dial(t, h)
		cy.joinAfter("town", 0)
		check(fmt.Sprint("node ", i, "'s cached history"), find(cy, seq))
		// From the store: an older page, and one message fetched.
		cy.send(wire.Event{Type: wire.TypeHistory, Room: "town", Before: seq + 1})
		check(fmt.Sprint("node ", i, "'s stored history"), find(cy, seq))
		cy.send(wire.Event{Type: wire.TypeFetch, Room: "town", Target: seq})
		check(fmt.Sprint("node ", i, "'s fetch"), find(cy, seq))
	}
	// A node that has never seen the room loads it from the store.
	_, fresh := startNodes(t, url, 1, nil)
	cy := dial(t, fresh[0])
	cy.joinAfter("town", 0)
	check("a fresh node's history", find(cy, seq))
	// Delete forgets the state.
	ana.send(wire.Event{Type: wire.TypeDelete, Room: "town", ID: "d1", Target: seq})
	for ana.next(wire.TypeAck).ID != "d1" {
	}
	if st, _ := srvs[1].states.Get(context.Background(), "town", []uint64{seq}); len(st) != 0 {
		t.Errorf("a deleted message's state stays: %+v", st)
	}
	// Nobody reacts to, edits or fetches from a room they may not read.
	sam := openSocket(t, w.people[3].p, hs[1])
	olgaPriv := openSocket(t, w.olga, hs[0])
	olgaPriv.joinAfter(w.priv, 0)
	secret := olgaPriv.say(w.priv, "s1", "secret")
	for _, ev := range []wire.Event{
		{Type: wire.TypeReact, Room: w.priv, ID: "x1", Target: secret, Emoji: "👍"},
		{Type: wire.TypeEdit, Room: w.priv, ID: "x2", Target: secret, Text: "x"},
		{Type: wire.TypeFetch, Room: w.priv, Target: secret},
		{Type: wire.TypeTyping, Room: w.priv},
	} {
		sam.send(ev)
		if e := errorFor(sam, w.priv); e.Code != wire.CodeForbidden {
			t.Errorf("a stranger's %s in a private room: %+v", ev.Type, e)
		}
	}
	// A raw client with no session has no one to count a reaction for.
	raw := dial(t, hs[0])
	raw.joinAs("rawname", "town")
	other := ana.say("town", "m2", "again")
	raw.send(wire.Event{Type: wire.TypeReact, Room: "town", ID: "x3", Target: other, Emoji: "👍"})
	if e := errorFor(raw, "town"); e.Code != wire.CodeForbidden {
		t.Errorf("a raw client's reaction: %+v", e)
	}
}

// TestTypingIsCoalescedAndExpires: "typing" goes to the room's members on
// every node, once per change and at most about once a second however
// many type, and stops by itself; it is never stored.
func TestTypingIsCoalescedAndExpires(t *testing.T) {
	_, url := startNATS(t, t.TempDir(), 0)
	_, hs := startNodes(t, url, 2, fastSenders)
	watcher := dial(t, hs[1])
	watcher.joinAs("watcher", "keys")
	watcher0 := dial(t, hs[0]) // sees node 0's events: its typers stop there
	watcher0.joinAs("watcher0", "keys")
	var typers []*client
	for i := range 12 {
		c := dial(t, hs[i%2])
		c.joinAs(fmt.Sprint("typer", i), "keys")
		typers = append(typers, c)
	}
	start := time.Now()
	// Everyone types for 3 s, sending far more often than it counts.
	for time.Since(start) < 3*time.Second {
		for _, c := range typers {
			c.send(wire.Event{Type: wire.TypeTyping, Room: "keys"})
		}
		time.Sleep(100 * time.Millisecond)
	}
	var events []wire.Event
	deadline := time.After(presence.TypingFor + 3*presence.TypingTick)
	for done := false; !done; {
		select {
		case ev := <-watcher.events:
			if ev.Type == wire.TypeTyping {
				events = append(events, ev)
				if ev.Count == 0 {
					done = true
				}
			}
		case <-deadline:
			done = true
		}
	}
	if len(events) == 0 || events[len(events)-1].Count != 0 {
		t.Fatalf("typing events %+v: want some, the last saying nobody types", events)
	}
	peak := 0
	for _, ev := range events {
		peak = max(peak, ev.Count)
		if len(ev.Names) > presence.TypingNames {
			t.Errorf("%d names in one event", len(ev.Names))
		}
	}
	if peak != 12 {
		t.Errorf("at most %d typers shown, want 12", peak)
	}
	// 12 people typing for 3 s, then stopping: a handful of events, not
	// one per keystroke (360 were sent).
	if len(events) > 8 {
		t.Errorf("%d typing events for one room in %v: not coalesced", len(events), time.Since(start))
	}
	// Not stored: a newcomer's history has none. Each node says "nobody
	// types" to its own members when its count falls to zero, at its own
	// tick: the newcomer joins once node 0 has said it too (it joined later
	// than that on a busy machine, and got node 0's word live).
	for watcher0.next(wire.TypeTyping).Count != 0 {
	}
	late := dial(t, hs[0])
	late.joinAs("late", "keys")
	late.none(wire.TypeTyping, 200*time.Millisecond)
}

// TestReadStateAcrossDevices: how far a person has read a room is theirs,
// not a device's: a mark on one device reaches their other devices on
// another node, a new connection's joined carries it, an older mark does
// not move it back, and someone else's is their own.
func TestReadStateAcrossDevices(t *testing.T) {
	_, url := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, url, 2, nil)
	w := newAuthzWorld(t, srvs[0], hs[0])
	phone, laptop := openSocket(t, w.olga, hs[0]), openSocket(t, w.olga, hs[1])
	phone.joinAfter("town", 0)
	laptop.joinAfter("town", 0)
	seqs := phone.sayN("town", "r", 3)
	phone.send(wire.Event{Type: wire.TypeRead, Room: "town", Seq: seqs[1]})
	for {
		if r := laptop.next(wire.TypeRead); r.Room == "town" && r.Seq == seqs[1] {
			break
		}
	}
	// An older mark from the other device changes nothing.
	laptop.send(wire.Event{Type: wire.TypeRead, Room: "town", Seq: seqs[0]})
	time.Sleep(1500 * time.Millisecond) // a flush
	tablet := openSocket(t, w.olga, hs[0])
	if j := tablet.joinAfter("town", 0); j.Read != seqs[1] {
		t.Errorf("a new device's joined: read %d, want %d", j.Read, seqs[1])
	}
	mia := openSocket(t, w.mia, hs[1])
	if j := mia.joinAfter("town", 0); j.Read != 0 {
		t.Errorf("someone else's read mark: %d", j.Read)
	}
	raw := dial(t, hs[0])
	raw.joinAs("rawname", "town")
	raw.send(wire.Event{Type: wire.TypeRead, Room: "town", Seq: seqs[2]})
	if e := errorFor(raw, "town"); e.Code != wire.CodeForbidden {
		t.Errorf("a raw client's read mark: %+v", e)
	}
	phone.send(wire.Event{Type: wire.TypeRead, Room: w.direct + "x", Seq: 1})
	if e := errorFor(phone, w.direct+"x"); e.Code != wire.CodeForbidden {
		t.Errorf("a read mark for a room not open: %+v", e)
	}
}
