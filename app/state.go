package app

import (
	"errors"
	"slices"
	"time"

	"chat/wire"
)

// connStatus is what #status shows, in its data-state attribute. It says
// what is true now, whatever came before: every page in the same situation
// says the same thing.
type connStatus string

const (
	statusConnecting  connStatus = "connecting"  // the page's first attempt; nothing has failed yet
	statusConnected   connStatus = "connected"   // the server answered hello on this connection
	statusUnreachable connStatus = "unreachable" // the network is up but the server is not: a connection dropped or an attempt failed, and the page retries
	statusOffline     connStatus = "offline"     // the browser has no network (navigator.onLine)
)

// maxRooms is the server's limit of rooms per connection (too_many); the
// app says so before asking.
const maxRooms = 32

// chatState is everything the chat page shows, changed only by the methods
// of this package. It has no locks: the page owns it and touches it only on
// go-app's UI goroutine (inside ctx.Dispatch or an event handler), which is
// also what lets it be tested as plain Go.
//
// It never talks to the network itself: what must be sent is queued with
// emit (or waits in the outbox) and taken by the page with takeOut, at the
// pace the server allows, and what must be kept in the browser is marked
// dirty and written by save.
type chatState struct {
	name     string // the session's name (GET /api/me); welcome may correct it
	user     string // the session's user id: what marks messages as ours and ours to delete
	guest    bool   // the session is a guest's, not an account's
	admin    bool   // an admin: may delete anyone's message
	identity string // this browser's id in hello: presence counts it once
	version  string // the server's build, from welcome

	// info is the private rooms and direct messages of GET /api/rooms, by
	// id: their titles, kinds and the caller's role. Rooms joined by id
	// before the list says what they are have no entry.
	info map[string]roomInfo

	// deleting holds the deletes sent and not answered, by their client
	// id: an error for one is a refusal to delete, not to join.
	deleting map[string]bool
	// acting holds the edits and reactions sent and not answered, by
	// their client id.
	acting map[string]msgAction

	reply *replyDraft // the message the composer answers, if any
	jump  uint64      // a message a fetch brought in, to scroll to once shown
	seek  *msgRef     // a message to show once its room can (seek.go)

	jumpUnread bool // the first unread message is held now: scroll to it once

	news []news // live messages from others since the page last looked (news.go)

	sessionEnded bool // the server ended this session (signed out elsewhere, revoked, banned)
	noSession    bool // welcome came without a user: the cookie is gone, and a session must be got again

	status        connStatus // from the fields below, by updateStatus
	linked        bool       // a connection is open (its hello may be unanswered)
	welcomed      bool       // the server answered hello on this connection
	failed        bool       // a connection dropped or an attempt failed, and none has been welcomed since
	networkDown   bool       // the browser says it has no network
	storeDown     bool       // the server cannot store messages now (a status event): the outbox waits
	serverUpdated bool       // welcome brought a version other than the one seen before

	rooms   map[string]*room
	order   []string // the room list: lobby first, then in the order joined
	current string   // the room on screen
	joining []string // joins sent on this connection and not answered, oldest first

	lastError       string // shown in #error
	composerRefused bool   // the composer's last text was refused: the field is marked invalid
	roomError       string // shown next to the room field

	out         []wire.Event // to send on the current connection
	dirtyRooms  map[string]bool
	listDirty   bool // the room list or the current room changed
	outboxDirty bool
	outboxGone  map[string]bool // ids this page took out of the outbox, kept out of the merge (saveOutbox)

	// The server's limit on what a connection sends (welcome's rate and
	// burst, the protocol's default until one says), and the pace that
	// keeps what is sent within it.
	limitRate  float64
	limitBurst int
	pace       pacer

	now func() time.Time
}

func newChatState(name string) *chatState {
	s := &chatState{
		name:       name,
		status:     statusConnecting,
		rooms:      make(map[string]*room),
		dirtyRooms: make(map[string]bool),
		outboxGone: make(map[string]bool),
		info:       make(map[string]roomInfo),
		deleting:   make(map[string]bool),
		acting:     make(map[string]msgAction),
		limitRate:  serverRate,
		limitBurst: serverBurst,
		now:        time.Now,
	}
	s.addRoom(wire.DefaultRoom)
	s.current = wire.DefaultRoom
	return s
}

// cur is the room on screen; there always is one.
func (s *chatState) cur() *room { return s.rooms[s.current] }

func (s *chatState) addRoom(name string) *room {
	if r, ok := s.rooms[name]; ok {
		return r
	}
	r := newRoom(name)
	s.rooms[name] = r
	s.order = append(s.order, name)
	s.listDirty = true
	return r
}

// emit queues an event for the connection, if there is one: whatever is
// lost while there is none is derived again from the state on the next.
func (s *chatState) emit(ev wire.Event) {
	if s.linked {
		s.out = append(s.out, ev)
	}
}

// takeFrames is takeOut encoded and packed into frames.
func (s *chatState) takeFrames() [][]byte {
	out := s.takeOut()
	events := make([][]byte, len(out))
	for i, ev := range out {
		events[i] = wire.Encode(ev)
	}
	return packFrames(events)
}

// connected starts a connection: hello, then a join for every room that
// resumes after its last seq, the room on screen first. The outboxes wait
// for each room's history. The pace starts afresh, as the server's does
// for a new connection.
func (s *chatState) connected() {
	s.linked = true
	s.out = nil
	s.pace.reset(s.limitRate, s.limitBurst, s.now())
	s.emit(s.helloEvent())
	s.joining = s.joining[:0]
	s.rejoin(s.current)
	for _, name := range s.order {
		if name != s.current {
			s.rejoin(name)
		}
	}
}

// rejoin joins a room held from before, resuming after its last seq.
func (s *chatState) rejoin(name string) {
	s.emit(wire.Event{Type: wire.TypeJoin, Room: name, After: s.rooms[name].lastSeq})
	s.joining = append(s.joining, name)
}

// disconnected records that the connection is gone, or that an attempt
// failed. Messages in the outbox stay there for the next connection.
func (s *chatState) disconnected() {
	s.linked, s.welcomed, s.failed = false, false, true
	s.updateStatus()
	s.out = nil
	s.joining = s.joining[:0]
	s.forgetActions()
	for _, r := range s.rooms {
		r.disconnected(s.now())
	}
}

// network records what the browser says of its network (navigator.onLine,
// and its online and offline events).
func (s *chatState) network(up bool) {
	s.networkDown = !up
	s.updateStatus()
}

// updateStatus derives the status from what is true now: no network, then
// a welcomed connection, then a server that did not answer, and before any
// of that the first attempt.
func (s *chatState) updateStatus() {
	switch {
	case s.networkDown:
		s.status = statusOffline
	case s.welcomed:
		s.status = statusConnected
	case s.failed:
		s.status = statusUnreachable
	default:
		s.status = statusConnecting
	}
}

func (s *chatState) helloEvent() wire.Event {
	return wire.Event{Type: wire.TypeHello, Name: s.name, ID: s.identity}
}

// apply changes the state by one event from the server. Events for rooms
// not joined and types this build does not know are ignored, so that a
// newer server can add to the protocol.
func (s *chatState) apply(ev wire.Event) {
	switch ev.Type {
	case wire.TypeWelcome:
		if ev.Name != "" {
			s.name = ev.Name
		}
		if ev.User == "" {
			// The server took this connection for one without a session:
			// the cookie has gone (expired, or cleared).
			s.noSession = true
		} else if ev.User != s.user {
			s.user = ev.User
		}
		s.guest = ev.Guest
		if s.version != "" && ev.Version != s.version {
			s.serverUpdated = true
		}
		s.version = ev.Version
		s.welcomed, s.failed = true, false
		s.updateStatus()
		if ev.Rate > 0 && ev.Burst > 0 {
			s.limitRate, s.limitBurst = ev.Rate, ev.Burst
			s.pace.limit(ev.Rate, ev.Burst, s.now())
		}
	case wire.TypeJoined:
		s.answered(ev.Room)
		if r := s.rooms[ev.Room]; r != nil {
			r.joinedAt(ev.Seq, s.now())
			switch {
			case ev.Read > 0:
				s.applyRead(r.name, ev.Read)
			case r.read == 0 && r.baseline == 0:
				// Never read anywhere, and new here: what is there now is
				// not news.
				r.read = ev.Seq
				r.readSent = ev.Seq
			}
			if r.name == s.current && r.marker == 0 {
				r.marker = r.read
			}
		}
		s.dirtyRooms[ev.Room] = true
	case wire.TypeMsg:
		s.addMessage(ev)
	case wire.TypeDelete:
		s.applyDelete(ev)
	case wire.TypeEdit:
		s.applyEdit(ev)
	case wire.TypeReact:
		s.applyReact(ev)
	case wire.TypeTyping:
		s.applyTyping(ev)
	case wire.TypeRead:
		s.applyRead(ev.Room, ev.Seq)
	case wire.TypeAck:
		if _, ok := s.acting[ev.ID]; ok {
			delete(s.acting, ev.ID)
			return // the edit or react event itself changes the message
		}
		if s.deleting[ev.ID] {
			delete(s.deleting, ev.ID)
			return // the delete event itself takes the message out, for everyone alike
		}
		if r := s.room(ev.Room); r != nil {
			s.ack(r, ev.ID, ev.Seq)
		}
	case wire.TypeGap:
		if r := s.room(ev.Room); r != nil {
			if ev.Code == wire.GapNotSent {
				r.skipTo(ev.Seq)
			} else {
				r.addGap(ev.After, ev.Seq, s.now())
			}
		}
	case wire.TypeHistory:
		if r := s.room(ev.Room); r != nil {
			r.historyDone(ev.Count)
			s.dirtyRooms[r.name] = true
		}
	case wire.TypePresence:
		if r := s.room(ev.Room); r != nil {
			r.online = max(ev.Count, 0)
			r.names = ev.Names
			r.presenceLive, r.seenAt = s.linked, s.now()
		}
	case wire.TypeError:
		s.serverError(ev)
	case wire.TypeBroadcast:
		r := s.cur()
		r.addSystem(r.lastSeq, ev.Text, s.now())
	case wire.TypeStatus:
		s.storeStatus(ev.Code)
	}
}

// storeStatus follows the server's word on its message store: while it is
// unreachable messages stay in the outbox (not sent, not failed); when it is
// back, every caught-up room's outbox goes out (takeOut), held back ones too.
func (s *chatState) storeStatus(code string) {
	switch code {
	case wire.StatusStoreUnreachable:
		s.storeDown = true
	case wire.StatusOK:
		s.storeDown = false
		for _, r := range s.rooms {
			for i := range r.pending {
				r.pending[i].notBefore = time.Time{}
			}
		}
	}
}

// room finds a joined room; an event without a room is the lobby's, as a
// connection that joined nothing is in the lobby.
func (s *chatState) room(name string) *room {
	if name == "" {
		name = wire.DefaultRoom
	}
	return s.rooms[name]
}

// addMessage files a message in its room, takes it out of the outbox if it
// is ours, counts it as unread when it is news from someone else in a room
// not on screen, and marks the room caught up (its outbox may go) once the
// join's history is in.
func (s *chatState) addMessage(ev wire.Event) {
	r := s.room(ev.Room)
	if r == nil {
		return
	}
	mine := s.confirm(r, ev.ID) || s.isMe(ev.User, ev.From)
	fetched := r.fetching[ev.Seq]
	live := r.joined && r.caughtUp && !fetched
	if fetched {
		delete(r.fetching, ev.Seq)
		s.jump = ev.Seq
	}
	it := chatItem{Seq: ev.Seq, ID: ev.ID, From: ev.From, User: ev.User, Guest: ev.Guest, Text: ev.Text, TS: ev.TS, Mine: mine,
		Edited: ev.Edited, Reactions: ev.Reactions, Reply: ev.Reply, Quote: ev.Quote, Fetched: fetched && ev.Seq < r.oldestSeq(),
		Files: ev.Files, Bot: ev.Bot}
	added := r.addMessage(it, !fetched)
	if live && added && !mine {
		s.noteNews(it, r.name)
	}
	if fetched {
		s.dirtyRooms[r.name] = true
		return
	}
	if r.joined && !r.caughtUp {
		if added {
			r.firstHistory++
		}
		if ev.Seq >= r.head {
			r.catchUp()
		}
	}
	s.dirtyRooms[r.name] = true
}

// answered takes a room off the list of unanswered joins.
func (s *chatState) answered(room string) {
	if i := slices.Index(s.joining, room); i >= 0 {
		s.joining = slices.Delete(s.joining, i, i+1)
	}
}

// serverError records an error event: against the message it names, next
// to the field it is about, and always in #error. A refused join drops the
// room: the error names it when the server says, otherwise it is the oldest
// join not yet answered, since the server answers in order.
func (s *chatState) serverError(ev wire.Event) {
	switch ev.Code {
	case wire.CodeRateLimited:
		s.rateLimited(ev)
		return
	case wire.CodeGoingAway:
		// The connection is about to close: the status and its banner
		// say so from then on, on this page as on one loaded since. A
		// session that ended will not come back by reconnecting.
		if isSessionEnded(ev.Text) {
			s.sessionEnded = true
		}
		return
	case wire.CodeForbidden:
		if !s.refusedAction(ev) {
			s.forbidden(ev)
		}
		return
	}
	if s.refusedAction(ev) {
		return
	}
	text := ev.Text
	if text == "" {
		text = ev.Code
	}
	if text == "" {
		text = "The server reported an error."
	}
	if ev.ID != "" {
		if r, i := s.findPending(ev.ID); r != nil {
			p := &r.pending[i]
			p.Sent = false
			r.rev++
			switch ev.Code {
			case wire.CodeUnavailable:
				// Not stored for want of a store is not refused: it waits
				// in the outbox and goes again after a while, at the
				// store's ok (a status event) or on the next connection.
				p.notBefore = s.now().Add(unavailableWait)
				return
			case wire.CodeBusy:
				// The server is behind delivering: the message goes again
				// in a moment, by itself.
				p.notBefore = s.now().Add(busyWait)
				return
			}
			// Refused (store_full among others): a resend would meet the
			// same answer, so it waits for Retry.
			p.Failed = text
			s.outboxDirty = true
		}
	}
	switch ev.Code {
	case wire.CodeBadRoom, wire.CodeTooMany:
		refused := ev.Room
		if refused == "" && len(s.joining) > 0 {
			refused = s.joining[0]
		}
		if refused != "" && slices.Contains(s.joining, refused) {
			s.answered(refused)
			s.dropRoom(refused)
		}
		s.roomError = text
	}
	s.lastError = text
}

// busyWait is how long a message the server refused as busy waits before
// it goes again: about the server's own bound on its delivery lag.
const busyWait = time.Second

// unavailableWait is how long a message the server could not store waits
// before it goes again.
const unavailableWait = 5 * time.Second

// rateLimited takes back an event the server refused for the rate, to go
// again when the pace allows. The app paces itself below the server's limit
// (pace.go), so this is the network bunching events or a server stricter
// than it said: never something for a person to retry by hand, so nothing
// is shown. The refusal names the send (its id) or the room of a join,
// history or leave; one that names neither was a hello.
func (s *chatState) rateLimited(ev wire.Event) {
	s.pace.drain(s.now())
	r := s.rooms[ev.Room]
	switch {
	case ev.ID != "" && s.refusedAction(ev):
		// An edit or a reaction is not kept to go again: it is undone,
		// and the person tries again.
	case ev.ID != "":
		if r, i := s.findPending(ev.ID); r != nil {
			r.pending[i].Sent = false
		}
	case ev.Room == "":
		s.emit(s.helloEvent())
	case slices.Contains(s.joining, ev.Room):
		s.answered(ev.Room)
		s.rejoin(ev.Room)
	case r == nil:
		// Left here already: the leave was what the server refused.
		s.emit(wire.Event{Type: wire.TypeLeave, Room: ev.Room})
	case r.loadingOlder:
		r.loadingOlder = false // asked again as the reader scrolls
		r.rev++
	}
}

// errorText is what a person is shown for a validation error.
func errorText(err error) string {
	var pe *wire.ProtocolError
	if errors.As(err, &pe) {
		return pe.Text
	}
	return err.Error()
}
