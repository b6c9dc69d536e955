package app

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"chat/wire"
)

// TestSaveAndLoad is a reload: what one page saved, the next one shows
// before it has connected, outbox included.
func TestSaveAndLoad(t *testing.T) {
	st := storage{}
	s := online(t, 0)
	for seq := uint64(1); seq <= 150; seq++ {
		s.apply(msg(seq, "l"+strconv.FormatUint(seq, 10), "bo", "hi"))
	}
	s.apply(wire.Event{Type: wire.TypeBroadcast, Text: wire.BenchmarkText})
	s.join("design")
	s.apply(joined("design", 0))
	s.apply(msgIn("design", 151, "d", "bo", "yo"))
	s.switchTo("lobby")
	s.apply(msgIn("design", 152, "d2", "bo", "unread"))
	s.queue("p1", "typed before the reload")
	s.switchTo("design")
	s.disconnected()
	s.queue("p2", "typed offline")
	s.retry("nothing")
	s.save(st)
	if s.listDirty || s.outboxDirty || len(s.dirtyRooms) != 0 {
		t.Error("save left things dirty")
	}

	re := newChatState("me")
	re.load(st)
	if re.current != "design" || !slices.Equal(re.order, []string{"lobby", "design"}) {
		t.Fatalf("rooms %v current %q", re.order, re.current)
	}
	lobby := re.rooms["lobby"]
	if len(lobby.items) != keepItems || lobby.items[0].Seq != 51 || lobby.lastSeq != 150 {
		t.Errorf("lobby: %d items from %d, lastSeq %d; want %d from 51, 150", len(lobby.items), lobby.items[0].Seq, lobby.lastSeq, keepItems)
	}
	for _, it := range lobby.items {
		if it.System {
			t.Error("a system line was kept")
		}
	}
	design := re.rooms["design"]
	if design.lastSeq != 152 || len(design.items) != 2 {
		t.Errorf("design: lastSeq %d, %d items", design.lastSeq, len(design.items))
	}
	if re.unread("design") != 0 || re.unread("lobby") != 0 {
		t.Errorf("unread lobby %d design %d", re.unread("lobby"), re.unread("design"))
	}
	var ids []string
	for _, name := range re.order {
		for _, p := range re.rooms[name].pending {
			ids = append(ids, name+":"+p.ID)
			if p.Sent {
				t.Errorf("%s loaded as sent", p.ID)
			}
		}
	}
	if !slices.Equal(ids, []string{"lobby:p1", "design:p2"}) {
		t.Errorf("outbox = %v", ids)
	}

	// Connecting resumes each room after its last seq; the outbox waits.
	re.connected()
	if got, want := sent(re), []string{"hello::", "join:design:152", "join:lobby:150"}; !slices.Equal(got, want) {
		t.Errorf("resume = %v, want %v", got, want)
	}
	re.apply(joined("lobby", 150))
	if got, want := sent(re), []string{"send:lobby:p1"}; !slices.Equal(got, want) {
		t.Errorf("caught up lobby sent %v, want %v", got, want)
	}
}

func TestSaveKeepsUnreadAndDeletesLeftRooms(t *testing.T) {
	st := storage{}
	s := online(t, 0)
	s.join("x")
	s.apply(joined("x", 0))
	s.switchTo("lobby")
	s.apply(msgIn("x", 3, "a", "bo", "news"))
	s.save(st)
	re := newChatState("me")
	re.load(st)
	if re.unread("x") != 1 {
		t.Errorf("unread after reload = %d, want 1", re.unread("x"))
	}
	s.leave("x")
	s.save(st)
	if _, ok := st[roomKeyPrefix+"x"]; ok {
		t.Error("the left room's messages are still stored")
	}
	re = newChatState("me")
	re.load(st)
	if len(re.order) != 1 {
		t.Errorf("rooms after leaving: %v", re.order)
	}
}

func TestLoadSkipsWhatIsNotValid(t *testing.T) {
	st := storage{}
	st.put(roomsKey, savedRooms{Current: "Bad Room", Rooms: []string{"lobby", "Bad Room", "ok"}})
	st[roomKeyPrefix+"ok"] = "{not json"
	st.put(outboxKey, []savedSend{
		{Room: "ok", ID: "good", Text: "hi"},
		{Room: "ok", ID: "bad id!", Text: "hi"},
		{Room: "ok", ID: "empty", Text: " "},
		{Room: "elsewhere", ID: "e", Text: "kept, and its room with it"},
	})
	s := newChatState("me")
	s.load(st)
	if !slices.Equal(s.order, []string{"lobby", "ok", "elsewhere"}) || s.current != "lobby" {
		t.Errorf("rooms %v current %q", s.order, s.current)
	}
	if p := s.rooms["ok"].pending; len(p) != 1 || p[0].ID != "good" {
		t.Errorf("ok's outbox: %+v", p)
	}
}

// quotaStorage is storage with the browser's limit: a write that would take
// it past quota bytes (keys and values) fails and changes nothing.
type quotaStorage struct {
	storage
	quota int
}

func (q *quotaStorage) used() int {
	n := 0
	for k, v := range q.storage {
		n += len(k) + len(v)
	}
	return n
}

func (q *quotaStorage) Set(k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	old, had := q.storage[k]
	if q.used()-len(old)-boolInt(had)*len(k)+len(k)+len(b) > q.quota {
		return errors.New("QuotaExceededError")
	}
	q.storage[k] = string(b)
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// roomsWithHistory is a state in three rooms with a full cache each, design
// the least recently active and random on screen.
func roomsWithHistory(t *testing.T) *chatState {
	t.Helper()
	s := online(t, 0)
	long := strings.Repeat("x", 200)
	seq := uint64(0)
	fill := func(room string, ts time.Time) {
		for range keepItems {
			seq++
			ev := msgIn(room, seq, "m"+strconv.FormatUint(seq, 10), "bo", long)
			ev.TS = ts
			s.apply(ev)
		}
	}
	s.join("design")
	s.apply(joined("design", 0))
	fill("design", t0)
	fill("lobby", t0.Add(time.Hour))
	s.join("random")
	s.apply(joined("random", 0))
	fill("random", t0.Add(-time.Hour))
	s.takeOut()
	return s
}

// TestFullStorageKeepsTheOutbox is a quota that the room caches have
// filled: messages typed then are saved all the same, by cutting down the
// room caches (the least recently active room first, the one on screen
// last), and a reload shows them.
func TestFullStorageKeepsTheOutbox(t *testing.T) {
	s := roomsWithHistory(t)
	st := &quotaStorage{storage: storage{}, quota: 1 << 30}
	s.save(st)
	st.quota = st.used() + 100 // full but for a hundred bytes
	s.disconnected()
	for i := range 5 {
		s.queue("p"+strconv.Itoa(i), strings.Repeat("typed while the storage is full ", 4))
		s.save(st)
	}
	if s.outboxDirty {
		t.Error("the outbox is still unsaved after the room caches could make room for it")
	}
	var kept []savedSend
	st.Get(outboxKey, &kept)
	if len(kept) != 5 {
		t.Fatalf("%d of 5 messages in the stored outbox", len(kept))
	}
	var design, lobby, random savedRoom
	st.Get(roomKeyPrefix+"design", &design)
	st.Get(roomKeyPrefix+"lobby", &lobby)
	st.Get(roomKeyPrefix+"random", &random)
	if len(design.Items) == keepItems || len(design.Items) > len(lobby.Items) {
		t.Errorf("kept design %d, lobby %d: the least recently active room (design) was not cut first", len(design.Items), len(lobby.Items))
	}
	if len(random.Items) != keepItems {
		t.Errorf("the room on screen was cut to %d while others had more to give", len(random.Items))
	}

	re := newChatState("me")
	re.load(st)
	if n := len(re.rooms["random"].pending); n != 5 {
		t.Errorf("%d of 5 messages after a reload", n)
	}
}

// TestUnsavedOutboxIsTriedAgain: storage that refuses every write (no room
// to make, or switched off for a moment) leaves the outbox dirty, and the
// next save that can write it does.
func TestUnsavedOutboxIsTriedAgain(t *testing.T) {
	st := &quotaStorage{storage: storage{}, quota: 0}
	s := newChatState("me")
	s.load(st)
	s.queue("p1", "typed while nothing can be saved")
	s.save(st)
	if !s.outboxDirty {
		t.Fatal("an outbox that could not be written is marked saved")
	}
	st.quota = 1 << 20
	s.save(st)
	var kept []savedSend
	st.Get(outboxKey, &kept)
	if len(kept) != 1 || kept[0].ID != "p1" || s.outboxDirty {
		t.Errorf("stored outbox %+v, dirty %v", kept, s.outboxDirty)
	}
}

// pendingIDs lists a state's outbox as room:id.
func pendingIDs(s *chatState) []string {
	var ids []string
	for _, name := range s.order {
		for _, p := range s.rooms[name].pending {
			ids = append(ids, name+":"+p.ID)
		}
	}
	return ids
}

// TestTabsKeepEachOthersOutbox is two tabs of one browser: one outbox key
// in one localStorage. Each tab's save keeps the other's unsent messages; a
// message one tab got stored, discarded or dropped with its room leaves
// storage; a tab that loads later takes every unsent message in.
func TestTabsKeepEachOthersOutbox(t *testing.T) {
	st := storage{}
	a, b := newChatState("me"), newChatState("me")
	a.load(st)
	b.load(st)
	a.queue("a1", "from tab a")
	a.save(st)
	b.queue("b1", "from tab b")
	b.save(st)
	a.queue("a2", "again from a")
	a.save(st)

	reload := func() []string {
		t.Helper()
		re := newChatState("me")
		re.load(st)
		return pendingIDs(re)
	}
	if got, want := reload(), []string{"lobby:a1", "lobby:b1", "lobby:a2"}; !slices.Equal(got, want) {
		t.Fatalf("a tab loading now finds %v, want %v", got, want)
	}

	// a's first is stored, b's discarded: gone from storage, whichever tab
	// writes next; a's second is still there.
	a.connected()
	a.apply(wire.Event{Type: wire.TypeWelcome, Name: "me"})
	a.apply(joined("lobby", 0))
	a.apply(wire.Event{Type: wire.TypeAck, Room: "lobby", ID: "a1", Seq: 1})
	a.save(st)
	b.discard("b1")
	b.save(st)
	if got, want := reload(), []string{"lobby:a2"}; !slices.Equal(got, want) {
		t.Errorf("after a stored a1 and b discarded b1: %v, want %v", got, want)
	}
	// b's copy of a2 (say b had loaded it) refused by the server: b's
	// version, failed, is what storage keeps.
	b.rooms["lobby"].pending = append(b.rooms["lobby"].pending, pendingSend{ID: "a2", Text: "again from a", Failed: "store full"})
	b.outboxDirty = true
	b.save(st)
	var kept []savedSend
	st.Get(outboxKey, &kept)
	if len(kept) != 1 || kept[0].ID != "a2" || kept[0].Failed != "store full" {
		t.Errorf("stored outbox %+v", kept)
	}

	// Leaving a room takes its messages out of storage too.
	b.join("ops")
	b.queue("o1", "in ops")
	b.save(st)
	b.leave("ops")
	b.save(st)
	if got := reload(); slices.Contains(got, "ops:o1") {
		t.Errorf("a left room's message is still stored: %v", got)
	}
}

// TestFirstDayLobbyReloads is a visitor who has only ever been in the lobby
// (no room list was ever saved, since it never changed): a reload, offline,
// shows the lobby's last messages all the same.
func TestFirstDayLobbyReloads(t *testing.T) {
	st := storage{}
	s := newChatState("me")
	s.load(st)
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "me"})
	s.apply(joined("lobby", 0))
	s.apply(msg(1, "a", "bo", "hello"))
	s.apply(msg(2, "b", "bo", "anyone?"))
	s.save(st)

	re := newChatState("me")
	re.load(st)
	if got := listing(re.cur()); !slices.Equal(got, []string{"1", "2"}) || re.cur().lastSeq != 2 {
		t.Errorf("the lobby after a reload: %v, lastSeq %d; want [1 2], 2", got, re.cur().lastSeq)
	}
}

// TestRoomOfAnotherTabReloads: the room list is one key for every tab, so
// one tab's save can leave out a room another tab joined; the room's kept
// messages still come back with a reload.
func TestRoomOfAnotherTabReloads(t *testing.T) {
	st := storage{}
	a, b := newChatState("me"), newChatState("me")
	a.load(st)
	b.load(st)
	a.connected()
	a.apply(wire.Event{Type: wire.TypeWelcome, Name: "me"})
	a.join("ops")
	a.apply(joined("ops", 0))
	a.apply(msgIn("ops", 7, "o", "bo", "in ops"))
	a.save(st)
	b.join("design") // b writes the list last, without ops
	b.save(st)

	re := newChatState("me")
	re.load(st)
	if !slices.Equal(re.order, []string{"lobby", "design", "ops"}) {
		t.Fatalf("rooms after a reload: %v", re.order)
	}
	if got := listing(re.rooms["ops"]); !slices.Equal(got, []string{"7"}) {
		t.Errorf("ops after a reload: %v", got)
	}
}
