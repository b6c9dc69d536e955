package msgstate

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"chat/internal/natstest"
)

func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), natstest.JetStream(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEditsAndReactions(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := s.Edit(ctx, "r", 10, "fixed", at); err != nil {
		t.Fatal(err)
	}
	s.React(ctx, "r", 10, "👍", "u1", "ana")
	s.React(ctx, "r", 10, "👍", "u2", "bo")
	s.React(ctx, "r", 12, "🎉", "u1", "ana")
	st, err := s.React(ctx, "r", 12, "🎉", "u1", "ana") // off again
	if err != nil || len(st.Reactions) != 0 {
		t.Fatalf("toggling off: %+v %v", st, err)
	}
	got, err := s.Get(ctx, "r", []uint64{9, 10, 11, 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[10].Text != "fixed" || !got[10].Edited.Equal(at) {
		t.Fatalf("state: %+v", got)
	}
	if r := got[10].Reactions; len(r) != 1 || r[0].Emoji != "👍" || len(r[0].Users) != 2 || r[0].Names[1] != "bo" {
		t.Errorf("reactions of 10: %+v", r)
	}
	if len(got[12].Reactions) != 0 {
		t.Errorf("12 has %+v after toggling off", got[12])
	}
	// Another room's message of the same seq is another message.
	if other, _ := s.Get(ctx, "q", []uint64{10}); len(other) != 0 {
		t.Errorf("room q: %+v", other)
	}
	if err := s.Forget(ctx, "r", 10); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "r", []uint64{10}); len(got) != 0 {
		t.Errorf("forgotten: %+v", got)
	}
	// Past the limit of different reactions.
	for i := range 20 {
		if _, err := s.React(ctx, "r", 20, string(rune(0x1F600+i)), "u1", "ana"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.React(ctx, "r", 20, "🚀", "u1", "ana"); err != ErrTooManyReactions {
		t.Errorf("21st reaction: %v", err)
	}
	// Many keys in one read.
	var seqs []uint64
	for i := range 300 {
		seqs = append(seqs, uint64(1000+i))
		if i%3 == 0 {
			s.Edit(ctx, "big", uint64(1000+i), fmt.Sprint(i), at)
		}
	}
	if got, err := s.Get(ctx, "big", seqs); err != nil || len(got) != 100 {
		t.Errorf("300 seqs, 100 edited: %d %v", len(got), err)
	}
}

// TestConcurrentReactionsAllCount: twenty people reacting at once from
// their own connections lose nobody's reaction.
func TestConcurrentReactionsAllCount(t *testing.T) {
	s := openStore(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := s.React(context.Background(), "r", 1, "👍", fmt.Sprint("u", i), fmt.Sprint("n", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _ := s.Get(context.Background(), "r", []uint64{1})
	if r := got[1].Reactions; len(r) != 1 || len(r[0].Users) != 20 {
		t.Errorf("reactions: %+v", r)
	}
}
