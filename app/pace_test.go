package app

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"chat/wire"
)

// clocked is a state on a clock of the test's.
func clocked(name string) (*chatState, *time.Time) {
	clock := t0
	s := newChatState(name)
	s.now = func() time.Time { return clock }
	return s, &clock
}

// paceServer is the server's side of the pace: its token bucket over every
// event, and the answers that matter here, given back to the state at once.
type paceServer struct {
	rate    float64
	burst   int
	limiter *rate.Limiter
	stored  []string // ids of the sends it took, in order
	refused []string // "type room id" of each event it refused for the rate
}

func newPaceServer(r float64, burst int) *paceServer {
	return &paceServer{rate: r, burst: burst, limiter: rate.NewLimiter(rate.Limit(r), burst)}
}

func (srv *paceServer) handle(s *chatState, now time.Time, ev wire.Event) {
	if !srv.limiter.AllowN(now, 1) {
		srv.refused = append(srv.refused, ev.Type+" "+ev.Room+" "+ev.ID)
		s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeRateLimited, Text: "too many events", Room: ev.Room, ID: ev.ID})
		return
	}
	switch ev.Type {
	case wire.TypeHello:
		s.apply(wire.Event{Type: wire.TypeWelcome, Name: ev.Name, Rate: srv.rate, Burst: srv.burst})
	case wire.TypeJoin:
		s.apply(joined(ev.Room, 0))
	case wire.TypeSend:
		srv.stored = append(srv.stored, ev.ID)
		s.apply(wire.Event{Type: wire.TypeAck, Room: ev.Room, ID: ev.ID, Seq: uint64(len(srv.stored))})
	}
}

// deliver runs the page's loop against srv until the state has nothing
// more to send or limit has passed: take out what the pace allows, hand it
// to the server, move the clock on to the next flush.
func deliver(t *testing.T, s *chatState, clock *time.Time, srv *paceServer, limit time.Duration) {
	t.Helper()
	for end := clock.Add(limit); clock.Before(end); {
		for _, ev := range s.takeOut() {
			srv.handle(s, *clock, ev)
		}
		wait, ok := s.nextTakeOut()
		if !ok {
			return
		}
		*clock = clock.Add(max(wait, time.Millisecond))
	}
	t.Fatalf("still sending after %v", limit)
}

// TestPaceStaysWithinTheServerLimit is issue 5: eighty messages at once (a
// paste, a bot), queued with the hello and the joins of many rooms, all go
// out, in order, at about the rate the server allows, and the server
// refuses none of the app's events for the rate at the protocol's default
// limit or a looser one. (A stricter one refuses some of what went before
// its welcome said so; they go again, see TestPaceAfterAStricterWelcome.)
func TestPaceStaysWithinTheServerLimit(t *testing.T) {
	for _, limit := range []struct {
		rate  float64
		burst int
	}{{serverRate, serverBurst}, {5, 10}, {100, 3}, {1000, 1000}} {
		t.Run(strconv.FormatFloat(limit.rate, 'f', -1, 64)+"/"+strconv.Itoa(limit.burst), func(t *testing.T) {
			s, clock := clocked("me")
			for i := range maxRooms - 1 {
				s.addRoom("r" + strconv.Itoa(i))
			}
			srv := newPaceServer(limit.rate, limit.burst)
			s.connected()
			var want []string
			for i := range 80 {
				id := "m" + strconv.Itoa(i)
				s.queue(id, "line "+strconv.Itoa(i))
				want = append(want, id)
			}
			start := *clock
			deliver(t, s, clock, srv, 2*time.Minute)
			if !slices.Equal(srv.stored, want) {
				t.Fatalf("stored %d messages %v, want the 80 in order", len(srv.stored), srv.stored)
			}
			strict := limit.rate < serverRate || limit.burst < serverBurst
			if len(srv.refused) > 0 && !strict {
				t.Errorf("the server refused %d events: %v", len(srv.refused), srv.refused)
			}
			events := float64(1 + maxRooms + 80 + len(srv.refused))
			if took, most := clock.Sub(start), time.Duration(events/(min(limit.rate, serverRate)*paceRateShare)*float64(time.Second))+2*time.Second; took > most {
				t.Errorf("took %v, more than %v", took, most)
			}
		})
	}
}

// TestPaceAfterAStricterWelcome: once the welcome has said the limit, the
// server refuses nothing more, even when it is stricter than the default.
func TestPaceAfterAStricterWelcome(t *testing.T) {
	s, clock := clocked("me")
	for i := range 20 {
		s.addRoom("r" + strconv.Itoa(i))
	}
	srv := newPaceServer(5, 10)
	s.connected()
	deliver(t, s, clock, srv, time.Minute)
	if len(srv.refused) == 0 {
		t.Fatal("the server refused nothing before its welcome: this tests nothing")
	}
	refusedBefore := len(srv.refused)
	for i := range 40 {
		s.queue("m"+strconv.Itoa(i), "line")
	}
	deliver(t, s, clock, srv, time.Minute)
	if len(srv.stored) != 40 || len(srv.refused) != refusedBefore {
		t.Errorf("stored %d of 40, %d refused after the welcome: %v", len(srv.stored), len(srv.refused)-refusedBefore, srv.refused[refusedBefore:])
	}
	if len(s.joining) != 0 {
		t.Errorf("joins never answered: %v", s.joining)
	}
}

// TestRateLimitedGoesAgain: whatever the server still refuses for the rate
// goes back to be sent again once the pace allows, never shown as failed:
// a send, a join, a history request, a leave, a hello.
func TestRateLimitedGoesAgain(t *testing.T) {
	s, clock := clocked("me")
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "me"})
	s.apply(joined("lobby", 0))
	s.takeOut()
	s.queue("a", "hello")
	s.join("ops")
	s.join("gone")
	s.leave("gone")
	if got, want := sent(s), []string{"join:ops:0", "join:gone:0", "leave:gone:", "send:lobby:a"}; !slices.Equal(got, want) {
		t.Fatalf("sent %v, want %v", got, want)
	}
	limited := func(room, id string) wire.Event {
		return wire.Event{Type: wire.TypeError, Code: wire.CodeRateLimited, Text: "too many events", Room: room, ID: id}
	}
	s.apply(limited("lobby", "a"))
	s.apply(limited("ops", ""))
	s.apply(limited("gone", ""))
	s.apply(limited("", ""))
	if p := s.rooms["lobby"].pending; len(p) != 1 || p[0].Failed != "" || p[0].Sent {
		t.Fatalf("pending %+v: want it waiting to go again, not failed", p)
	}
	if s.lastError != "" {
		t.Errorf("a rate limit is shown to the person: %q", s.lastError)
	}
	if got := sent(s); len(got) != 0 {
		t.Errorf("sent %v at once after the server said too many", got)
	}
	wait, ok := s.nextTakeOut()
	if !ok || wait <= 0 {
		t.Fatalf("nextTakeOut = %v, %v: want a wait", wait, ok)
	}
	*clock = clock.Add(2 * time.Second)
	if got, want := sent(s), []string{"join:ops:0", "leave:gone:", "hello::", "send:lobby:a"}; !slices.Equal(got, want) {
		t.Errorf("after the wait: sent %v, want %v", got, want)
	}
	if !slices.Equal(s.joining, []string{"ops"}) {
		t.Errorf("joins awaiting an answer: %v, want [ops]", s.joining)
	}

	// A refused history request is asked again as the reader scrolls.
	s.apply(joined("ops", 40))
	s.apply(msgIn("ops", 40, "o", "bo", "last"))
	s.rooms["ops"].noOlder = false // as if the join had brought a full page
	s.requestOlder()
	if got, want := sent(s), []string{"history:ops:40"}; !slices.Equal(got, want) {
		t.Fatalf("asked: %v, want %v", got, want)
	}
	s.apply(limited("ops", ""))
	if s.rooms["ops"].loadingOlder {
		t.Error("a refused history request still counts as under way")
	}
	*clock = clock.Add(2 * time.Second)
	s.requestOlder()
	if got, want := sent(s), []string{"history:ops:40"}; !slices.Equal(got, want) {
		t.Errorf("asked again: %v, want %v", got, want)
	}
}

// sentOne is a connected state, caught up in the lobby, that has just sent
// message "a".
func sentOne() (*chatState, *time.Time) {
	s, clock := clocked("me")
	s.connected()
	s.apply(wire.Event{Type: wire.TypeWelcome, Name: "me"})
	s.apply(joined("lobby", 0))
	s.takeOut()
	s.queue("a", "hello")
	sent(s)
	return s, clock
}

// TestUnavailableWaitsAWhile: a message the server could not store goes
// again by itself, but not at the pace of the outbox: after a while, or at
// once when the server says its store is back.
func TestUnavailableWaitsAWhile(t *testing.T) {
	s, clock := sentOne()
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeUnavailable, Text: "not stored", Room: "lobby", ID: "a"})
	*clock = clock.Add(time.Second)
	if got := sent(s); len(got) != 0 {
		t.Fatalf("sent again after a second: %v", got)
	}
	if wait, ok := s.nextTakeOut(); !ok || wait < unavailableWait-2*time.Second {
		t.Errorf("nextTakeOut = %v, %v: want about %v", wait, ok, unavailableWait-time.Second)
	}
	*clock = clock.Add(unavailableWait)
	if got, want := sent(s), []string{"send:lobby:a"}; !slices.Equal(got, want) {
		t.Errorf("after the wait: %v, want %v", got, want)
	}
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeUnavailable, Text: "not stored", Room: "lobby", ID: "a"})
	s.apply(wire.Event{Type: wire.TypeStatus, Code: wire.StatusOK})
	if got, want := sent(s), []string{"send:lobby:a"}; !slices.Equal(got, want) {
		t.Errorf("at the store's ok: %v, want %v", got, want)
	}
}

// TestStoreFullIsShown: a message the store had no room for is shown as
// not sent, with Retry, and not sent again by itself.
func TestStoreFullIsShown(t *testing.T) {
	s, clock := sentOne()
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeStoreFull, Text: "the message store is full", Room: "lobby", ID: "a"})
	*clock = clock.Add(time.Minute)
	if got := sent(s); len(got) != 0 {
		t.Errorf("sent again by itself: %v", got)
	}
	if _, ok := s.nextTakeOut(); ok {
		t.Error("a refused message keeps the page flushing")
	}
	if p := s.cur().pending; len(p) != 1 || p[0].Failed != "the message store is full" || s.lastError != p[0].Failed {
		t.Errorf("pending %+v, lastError %q", p, s.lastError)
	}
}

// TestBusyGoesAgainSoon: a message the server refused as busy is not shown
// as failed; it goes again by itself a moment later.
func TestBusyGoesAgainSoon(t *testing.T) {
	s, clock := sentOne()
	s.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeBusy, Text: "behind", Room: "lobby", ID: "a"})
	if r, i := s.findPending("a"); r == nil || r.pending[i].Failed != "" {
		t.Fatalf("after busy: %+v", r)
	}
	if got := sent(s); len(got) != 0 {
		t.Fatalf("sent again at once: %v", got)
	}
	*clock = clock.Add(busyWait)
	if got, want := sent(s), []string{"send:lobby:a"}; !slices.Equal(got, want) {
		t.Errorf("after %v: %v, want %v", busyWait, got, want)
	}
}
