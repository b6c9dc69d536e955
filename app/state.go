package app

import (
	"errors"
	"sort"
	"time"

	"chat/wire"
)

// connStatus is what #status shows, in its data-state attribute.
type connStatus string

const (
	statusConnecting   connStatus = "connecting"   // the first attempt, nothing has failed yet
	statusConnected    connStatus = "connected"    // the server answered hello
	statusReconnecting connStatus = "reconnecting" // a connection dropped or an attempt failed
)

// maxItems bounds the list kept in memory and in the DOM: the server keeps
// more history per room than a phone should render.
const maxItems = 500

// chatItem is one line of the message list: a stored chat message, or a
// system line (the /benchmark broadcast, a notice about history).
type chatItem struct {
	// Seq orders the list. A system line has no seq of its own; it carries
	// the last seq seen when it arrived, which keeps it where it was shown
	// when older messages come in later.
	Seq    uint64
	ID     string
	From   string
	Text   string
	TS     time.Time
	System bool
	Mine   bool // sent from this browser, or under the name in use
}

// pendingSend is a message typed here that the server has not echoed yet.
// It stays in the outbox across reconnects and is sent again with the same
// id, which the server uses to store it once.
type pendingSend struct {
	ID     string
	Text   string
	Failed string // the server's reason once it refused the message; empty while in flight
}

// chatState is everything the chat page shows, changed only by the methods
// below. It has no locks: the page owns it and touches it only on go-app's UI
// goroutine (inside ctx.Dispatch), which is also what lets it be tested as
// plain Go.
type chatState struct {
	room     string
	name     string // the name asked for in hello; welcome may correct it
	identity string // this browser's id in hello: presence counts it once
	version  string // the server's build, from welcome

	status        connStatus
	serverUpdated bool // welcome brought a version other than the one seen before

	items   []chatItem        // sorted by (Seq, System)
	ids     map[string]uint64 // client id of each message in items, to drop a copy stored under a second seq
	lastSeq uint64            // highest seq seen in the room: where a resume starts
	pending []pendingSend

	online int
	names  []string

	lastError string // shown in #error
	nameError string // shown next to the name field

	// rev counts changes to items and pending. The list component gets it as
	// a field so that go-app re-renders the list when an item changed in
	// place, which comparing the slices alone would not reveal.
	rev uint64

	now func() time.Time
}

func newChatState(room, name string) *chatState {
	return &chatState{
		room:   room,
		name:   name,
		status: statusConnecting,
		ids:    make(map[string]uint64),
		now:    time.Now,
	}
}

// apply changes the state by one event from the server. Events for other
// rooms and types this build does not know are ignored, so that a newer
// server can add to the protocol.
func (s *chatState) apply(ev wire.Event) {
	switch ev.Type {
	case wire.TypeWelcome:
		if ev.Name != "" {
			s.name = ev.Name
		}
		if s.version != "" && ev.Version != s.version {
			s.serverUpdated = true
		}
		s.version = ev.Version
		s.status = statusConnected
	case wire.TypeJoined:
		if s.isOtherRoom(ev.Room) {
			return
		}
		// Seq 0 reads as "not said" (the field is omitted when zero), and
		// wiping the list on a server that leaves it out would be worse
		// than keeping it on one whose store was emptied.
		if ev.Seq > 0 && ev.Seq < s.lastSeq {
			s.resetHistory(ev.Seq)
		}
		s.status = statusConnected
	case wire.TypeMsg:
		if s.isOtherRoom(ev.Room) {
			return
		}
		s.addMessage(ev)
	case wire.TypePresence:
		if s.isOtherRoom(ev.Room) {
			return
		}
		s.online = max(ev.Count, 0)
		s.names = ev.Names
	case wire.TypeError:
		s.serverError(ev)
	case wire.TypeBroadcast:
		s.addSystem(ev.Text)
	}
}

// isOtherRoom reports whether an event belongs elsewhere; an event without a
// room is taken as ours, since this page is in one room only.
func (s *chatState) isOtherRoom(room string) bool {
	return room != "" && room != s.room
}

// addMessage inserts a message in seq order unless it is already there. A
// resume replays from the last seq seen, and a resent message may come back
// under its client id, so both are checked.
func (s *chatState) addMessage(ev wire.Event) {
	// Without a seq a message can be neither ordered nor deduplicated, and
	// the server always sets one.
	if ev.Seq == 0 {
		return
	}
	mine := s.confirm(ev.ID) || (ev.From != "" && ev.From == s.name)
	i := sort.Search(len(s.items), func(i int) bool {
		it := s.items[i]
		return it.Seq > ev.Seq || (it.Seq == ev.Seq && it.System)
	})
	if i > 0 && s.items[i-1].Seq == ev.Seq && !s.items[i-1].System {
		return
	}
	if ev.ID != "" {
		if _, dup := s.ids[ev.ID]; dup {
			return
		}
	}
	if i == 0 && len(s.items) >= maxItems {
		return // older than everything kept: it would be trimmed at once
	}
	s.items = append(s.items, chatItem{})
	copy(s.items[i+1:], s.items[i:])
	s.items[i] = chatItem{Seq: ev.Seq, ID: ev.ID, From: ev.From, Text: ev.Text, TS: ev.TS, Mine: mine}
	if ev.ID != "" {
		s.ids[ev.ID] = ev.Seq
	}
	s.lastSeq = max(s.lastSeq, ev.Seq)
	s.trim()
	s.rev++
}

// addSystem appends a line that is not a chat message, at the end: it
// happened now, after everything already shown.
func (s *chatState) addSystem(text string) {
	if text == "" {
		return
	}
	s.items = append(s.items, chatItem{Seq: s.lastSeq, Text: text, TS: s.now(), System: true})
	s.trim()
	s.rev++
}

func (s *chatState) trim() {
	extra := len(s.items) - maxItems
	if extra <= 0 {
		return
	}
	for _, it := range s.items[:extra] {
		if it.ID != "" && !it.System {
			delete(s.ids, it.ID)
		}
	}
	s.items = append(s.items[:0:0], s.items[extra:]...)
}

// resetHistory handles a room whose last seq is behind ours: the server lost
// or replaced its store, so the seqs we hold now name other messages. The
// list starts over from what the server has.
func (s *chatState) resetHistory(seq uint64) {
	s.items = nil
	clear(s.ids)
	s.lastSeq = seq
	s.addSystem("The server's history was reset; older messages are no longer shown.")
}

// serverError records an error event: against the message it names, next to
// the name field for a refused name, and always in #error.
func (s *chatState) serverError(ev wire.Event) {
	text := ev.Text
	if text == "" {
		text = ev.Code
	}
	if text == "" {
		text = "The server reported an error."
	}
	if ev.ID != "" {
		for i := range s.pending {
			if s.pending[i].ID == ev.ID {
				s.pending[i].Failed = text
				s.rev++
				break
			}
		}
	}
	if ev.Code == wire.CodeBadName {
		s.nameError = text
	}
	s.lastError = text
}

// disconnected records that the connection is gone, or that an attempt
// failed. Messages in the outbox stay there for the next connection.
func (s *chatState) disconnected() {
	s.status = statusReconnecting
}

// errorText is what a person is shown for a validation error.
func errorText(err error) string {
	var pe *wire.ProtocolError
	if errors.As(err, &pe) {
		return pe.Text
	}
	return err.Error()
}
