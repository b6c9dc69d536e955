package app

import (
	"slices"
	"sort"
	"time"

	"chat/wire"
)

// maxItems bounds one room's list in memory and in the DOM. New messages
// push the oldest out (they can be fetched again); older history stops
// loading once the list is full, so that scrolling back cannot grow a page
// without limit.
const maxItems = 1000

// joinHistory is how many messages the server sends on a join that resumes
// from nothing (after=0): the room's last 100, as the protocol says (the
// server's HistoryOnJoin must not be set lower). Fewer means that is all.
const joinHistory = 100

// historyPage is the most messages the server sends for one history
// request; fewer means there is nothing older.
const historyPage = 50

// chatItem is one line of a room's list: a stored chat message, or a system
// line (the /benchmark broadcast, a notice about history). The JSON names
// are short because the last messages of every room are kept in
// localStorage.
type chatItem struct {
	// Seq orders the list. A system line has no seq of its own; it carries
	// the last seq seen when it arrived, which keeps it where it was shown
	// when older messages come in later.
	Seq    uint64    `json:"s"`
	ID     string    `json:"i,omitempty"`
	From   string    `json:"f"`
	User   string    `json:"u,omitempty"` // the author's id, stamped by the server
	Guest  bool      `json:"g,omitempty"` // the author has no account
	Text   string    `json:"t"`
	TS     time.Time `json:"ts"`
	System bool      `json:"-"` // never stored: it is about this visit
	Mine   bool      `json:"m,omitempty"`

	Edited    time.Time       `json:"e,omitzero"`   // when its text last changed
	Reactions []wire.Reaction `json:"r,omitempty"`  // as the server last said
	Reply     uint64          `json:"rp,omitempty"` // the seq it answers
	Quote     *wire.Quote     `json:"q,omitempty"`  // what it shows of that one
	Fetched   bool            `json:"x,omitempty"`  // fetched alone (the original of a reply): there may be a hole after it
	Files     []wire.File     `json:"fl,omitempty"` // its attachments, as the server described them
	Bot       bool            `json:"b,omitempty"`  // posted by a bot (stamped by the server)
}

// pendingSend is a message typed here that the server has not confirmed
// yet. It stays in the outbox (and in localStorage) across reconnects and
// reloads, and goes out again with the same id, which the server uses to
// store it once.
type pendingSend struct {
	ID     string
	Text   string
	Reply  uint64      // the seq it answers, 0 for none
	Files  []wire.File // uploaded files it carries (the send names their ids)
	Failed string      // the server's reason once it refused the message; empty while in flight
	Sent   bool        // sent on the current connection; false while it waits for one

	// notBefore holds a message back after the server could not store it
	// (unavailable), so that a store in trouble is not asked again at the
	// pace of the outbox. It is about this visit and not kept.
	notBefore time.Time
}

// room is one joined room as this browser knows it. What it holds about
// the current connection (joined, head, caughtUp, loadingOlder) is reset by
// disconnected; the rest outlives connections and, for the last messages,
// reloads.
type room struct {
	name    string
	items   []chatItem        // sorted by (Seq, System)
	ids     map[string]uint64 // client id of each message in items, to drop a copy stored under a second seq
	deleted map[uint64]bool   // seqs deleted while this page was open: a copy that comes later (older history in flight) stays out
	lastSeq uint64            // highest seq received from the room's stream: where a resume starts
	pending []pendingSend
	// read is how far the person has read the room, on any device (the
	// server's read events, joined's read, and this page's own marks);
	// readSent is what this page last told the server, and marker the
	// read seq when the room came on screen: the "new messages" line
	// stands above the first message after it.
	read     uint64
	readSent uint64
	marker   uint64
	// typing is who the server last said is typing here (names, count),
	// and when.
	typing      []string
	typingCount int
	typingAt    time.Time
	fetching    map[uint64]bool // originals of replies asked for with fetch
	online      int             // people in the room, from the last presence event
	names       []string        // their names, from the same event
	seenAt      time.Time       // when online and names were last known to be true: now while presenceLive, else the end of the connection
	noOlder     bool            // the server said there is nothing before items[0], or the list is full
	keep        int             // how many of its last messages are kept in storage: keepItems, less when storage is full

	joined        bool   // joined on this connection
	head          uint64 // the room's last seq when it was joined (joined.seq)
	baseline      uint64 // lastSeq when it was joined: what came after is news
	caughtUp      bool   // the join's history has arrived: the outbox may go out
	firstHistory  int    // messages of the join's history received so far
	loadingOlder  bool   // a history request is unanswered
	seekingUnread bool   // older history is loaded until the first unread message is held (seek.go)
	presenceLive  bool   // a presence event came on this connection: online and names are live

	// rev counts changes to items and pending, so that the list component
	// re-renders when an item changed in place, which comparing the slices
	// alone would not reveal.
	rev uint64
}

func newRoom(name string) *room {
	return &room{name: name, ids: make(map[string]uint64), deleted: make(map[uint64]bool), fetching: make(map[uint64]bool), keep: keepItems}
}

// addMessage inserts a message in seq order unless it is already there, and
// reports whether it was added. A resume replays from the last seq seen and
// a resent message may come back under its client id, so both are checked.
//
// fromStream is true for what the server sent as a msg event, false for the
// stand-in an ack puts in place: only the stream moves the resume point,
// because an ack can arrive before other people's earlier messages have.
func (r *room) addMessage(it chatItem, fromStream bool) bool {
	// Without a seq a message can be neither ordered nor deduplicated, and
	// the server always sets one.
	if it.Seq == 0 || r.deleted[it.Seq] {
		return false
	}
	i := sort.Search(len(r.items), func(i int) bool {
		o := r.items[i]
		return o.Seq > it.Seq || (o.Seq == it.Seq && o.System)
	})
	if i > 0 && r.items[i-1].Seq == it.Seq && !r.items[i-1].System {
		if fromStream {
			r.lastSeq = max(r.lastSeq, it.Seq)
			// The stored copy is the truth: an ack's stand-in had the
			// local clock and the name asked for.
			if old := &r.items[i-1]; old.From != it.From || !old.TS.Equal(it.TS) || old.User != it.User || old.Guest != it.Guest ||
				old.Text != it.Text || !old.Edited.Equal(it.Edited) || !sameReactions(old.Reactions, it.Reactions) || old.Reply != it.Reply {
				old.From, old.TS, old.User, old.Guest = it.From, it.TS, it.User, it.Guest
				old.Text, old.Edited, old.Reactions, old.Reply, old.Quote = it.Text, it.Edited, it.Reactions, it.Reply, it.Quote
				r.rev++
			}
		}
		return false
	}
	if it.ID != "" {
		if _, dup := r.ids[it.ID]; dup {
			if fromStream {
				r.lastSeq = max(r.lastSeq, it.Seq)
			}
			return false
		}
	}
	older := it.Seq < r.lastSeq
	if older && len(r.items) >= maxItems {
		r.noOlder = true // full: scrolling back stops here
		return false
	}
	r.items = append(r.items, chatItem{})
	copy(r.items[i+1:], r.items[i:])
	r.items[i] = it
	if it.ID != "" {
		r.ids[it.ID] = it.Seq
	}
	if fromStream {
		r.lastSeq = max(r.lastSeq, it.Seq)
	}
	if !older {
		r.trim()
	}
	r.rev++
	return true
}

// addSystem inserts a line that is not a chat message after seq: at the end
// for something that happened now, or where a gap is.
func (r *room) addSystem(seq uint64, text string, ts time.Time) {
	if text == "" {
		return
	}
	i := sort.Search(len(r.items), func(i int) bool { return r.items[i].Seq > seq })
	r.items = append(r.items, chatItem{})
	copy(r.items[i+1:], r.items[i:])
	r.items[i] = chatItem{Seq: seq, Text: text, TS: ts, System: true}
	r.trim()
	r.rev++
}

// trim drops the oldest lines beyond maxItems; they can be fetched again.
func (r *room) trim() {
	extra := len(r.items) - maxItems
	if extra <= 0 {
		return
	}
	for _, it := range r.items[:extra] {
		if it.ID != "" && !it.System {
			delete(r.ids, it.ID)
		}
	}
	r.items = append(r.items[:0:0], r.items[extra:]...)
	r.noOlder = false
}

// oldestSeq is the seq of the first message held, 0 for none: where a
// request for older history starts. A message fetched alone is not one: the
// history between it and the rest is still to come.
func (r *room) oldestSeq() uint64 {
	for _, it := range r.items {
		if !it.System && !it.Fetched {
			return it.Seq
		}
	}
	return 0
}

// joinedAt records the server's answer to a join: head is the room's last
// seq at that moment (0 when the room is empty). With nothing to catch up
// on, the room is caught up at once, and its outbox can go out.
func (r *room) joinedAt(head uint64, now time.Time) {
	// A head behind what we hold means the server lost or replaced its
	// store: the seqs we hold now name other messages, so the list starts
	// over from what the server has.
	if head < r.lastSeq {
		r.resetHistory(head, now)
	}
	r.joined, r.head, r.baseline = true, head, r.lastSeq
	r.caughtUp, r.firstHistory = false, 0
	if head == 0 || head <= r.lastSeq {
		r.catchUp()
	}
}

// catchUp records that the join's history is complete. A room's first
// history is its last joinHistory messages: fewer means that is all there
// is, and asking for older ones would be a wasted round trip.
func (r *room) catchUp() {
	r.caughtUp = true
	if r.baseline == 0 && r.firstHistory < joinHistory && !r.noOlder {
		r.noOlder = true
		r.rev++
	}
}

// resetHistory forgets every message held.
func (r *room) resetHistory(head uint64, now time.Time) {
	r.items = nil
	clear(r.ids)
	r.lastSeq = head
	r.noOlder = false
	r.read, r.readSent, r.marker = head, head, head
	r.addSystem(head, "The server's history was reset; older messages are no longer shown.", now)
}

// addGap shows where messages were lost: those after `after` and before
// `next` are no longer kept by the server.
func (r *room) addGap(after, next uint64, now time.Time) {
	text := "Some messages from while you were away are no longer available."
	if after == 0 {
		text = "Older messages are no longer available."
	}
	r.addSystem(after, text, now)
	_ = next // the messages from next on follow as ordinary msg events
}

// skipTo takes the messages held before next out of the list: the server
// keeps those between them and next but did not send them (a resume from
// further back than it sends at once, wire.GapNotSent). The list then
// runs from next on, with nothing missing in it, and scrolling up asks for
// the skipped ones as for any older page.
func (r *room) skipTo(next uint64) {
	i := 0
	for i < len(r.items) && r.items[i].Seq < next {
		if it := r.items[i]; it.ID != "" && !it.System {
			delete(r.ids, it.ID)
		}
		i++
	}
	r.items = append(r.items[:0:0], r.items[i:]...)
	r.noOlder = false
	r.rev++
}

// historyDone records the end of an answer to a history request: count
// messages were sent, and a short page (count 0 at the least) means there
// is nothing older.
func (r *room) historyDone(count int) {
	r.loadingOlder = false
	if count < historyPage {
		r.noOlder = true
	}
	r.rev++
}

// disconnected forgets what belonged to the connection that ended. Who was
// online stays, as of now: no longer live.
func (r *room) disconnected(now time.Time) {
	if r.presenceLive {
		r.seenAt = now
	}
	r.joined, r.caughtUp, r.loadingOlder, r.presenceLive = false, false, false, false
	r.firstHistory = 0
	r.head, r.baseline = 0, 0
	for i := range r.pending {
		if r.pending[i].Sent {
			r.pending[i].Sent = false
			r.rev++
		}
	}
}

// sameReactions reports whether two lists of reactions say the same.
func sameReactions(a, b []wire.Reaction) bool {
	return slices.EqualFunc(a, b, func(x, y wire.Reaction) bool {
		return x.Emoji == y.Emoji && slices.Equal(x.Users, y.Users) && slices.Equal(x.Names, y.Names)
	})
}
