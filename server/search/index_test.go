package search

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"chat/wire"
)

func msgs(texts ...string) []wire.Event {
	var out []wire.Event
	for i, t := range texts {
		out = append(out, wire.Event{Type: wire.TypeMsg, Seq: uint64(i + 1), From: "ana", Text: t, TS: time.Unix(int64(i), 0)})
	}
	return out
}

// TestIndexIsBoundedInRooms: searching many rooms with nothing in them
// (random names, say) cannot grow the index past its bounds: each room
// weighs something even empty, and the rooms are counted too.
func TestIndexIsBoundedInRooms(t *testing.T) {
	empty := func(context.Context, string) ([]wire.Event, error) { return nil, nil }
	x := NewIndex(empty, &Options{MaxRooms: 10})
	for i := range 1000 {
		if _, err := x.Find(context.Background(), []string{fmt.Sprint("r", i)}, Words("anything")); err != nil {
			t.Fatal(err)
		}
	}
	if rooms, _ := x.Size(); rooms > 10 {
		t.Errorf("%d rooms held, the bound is 10", rooms)
	}
	x = NewIndex(empty, &Options{MaxBytes: 20 * roomWeight})
	for i := range 1000 {
		if _, err := x.Find(context.Background(), []string{fmt.Sprint("r", i)}, Words("anything")); err != nil {
			t.Fatal(err)
		}
	}
	if rooms, bytes := x.Size(); rooms > 20 || bytes > 20*roomWeight {
		t.Errorf("%d empty rooms held in %d bytes, the bound is %d bytes", rooms, bytes, 20*roomWeight)
	}
}

// TestFindFollowsTheLiveFeed: a room read once is kept in step by Add:
// new messages found, edits read as edited, deletes gone; newest first,
// words folded and matched inside longer ones.
func TestFindFollowsTheLiveFeed(t *testing.T) {
	loads := 0
	x := NewIndex(func(context.Context, string) ([]wire.Event, error) {
		loads++
		return msgs("Deploy on Friday", "nothing here", "café deployed"), nil
	}, nil)
	find := func(q string) (out []string) {
		t.Helper()
		res, err := x.Find(context.Background(), []string{"town"}, Words(q))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			out = append(out, r.Text)
		}
		return out
	}
	if got := find("DEPLOY"); !slices.Equal(got, []string{"café deployed", "Deploy on Friday"}) {
		t.Errorf("deploy: %v", got)
	}
	if got := find("cafe"); len(got) != 1 {
		t.Errorf("accents aside: %v", got)
	}
	x.Add("town", 4, wire.Event{Type: wire.TypeMsg, From: "bo", Text: "deploy again"})
	x.Add("town", 5, wire.Event{Type: wire.TypeEdit, Target: 2, Text: "deploy is here"})
	x.Add("town", 6, wire.Event{Type: wire.TypeDelete, Target: 1})
	x.Add("elsewhere", 7, wire.Event{Type: wire.TypeMsg, Text: "deploy elsewhere"}) // not held: not kept
	if got := find("deploy"); !slices.Equal(got, []string{"deploy again", "café deployed", "deploy is here"}) {
		t.Errorf("after the live feed: %v", got)
	}
	if loads != 1 {
		t.Errorf("the room was read %d times, want once", loads)
	}
	if rooms, _ := x.Size(); rooms != 1 {
		t.Errorf("%d rooms held, want 1", rooms)
	}
}
