// Package wire holds the chat protocol shared by the server and the browser
// app: the event type, its encoding as NDJSON frames, the validation rules and
// the error codes. It depends on the standard library only, so that app.wasm
// stays small.
//
// A WebSocket text frame carries one or more events separated by '\n'. Every
// event is a JSON object with a "type".
package wire

import "time"

// Event types, client to server.
const (
	TypeHello = "hello" // {"type":"hello","name":"ana","id":"<browser id, optional>"}
	TypeJoin  = "join"  // {"type":"join","room":"R","after":0}
	TypeSend  = "send"  // {"type":"send","room":"R","id":"<client id>","text":"..."}
	TypeLeave = "leave" // {"type":"leave","room":"R"}
	// TypeHistory asks for older messages: {"type":"history","room":"R","before":120}.
	// The answer is the msg events (oldest first), then a history event.
	TypeHistory = "history"
	// TypeDelete takes a message out of a room (its author, the room's
	// owner or an admin): {"type":"delete","room":"R","id":"<client id>","target":N}.
	// It is stored like a message and acked; every member then gets it, and
	// history is served without the message. The server's delete event:
	// {"type":"delete","room":"R","seq":M,"target":N,"user":"<who deleted>","from":"ana","ts":"..."}.
	TypeDelete = "delete"
	// TypeEdit changes the text of one's own message:
	// {"type":"edit","room":"R","id":"<client id>","target":N,"text":"..."}.
	// Stored and acked like a message; every member gets the edit event
	// {"type":"edit","room":"R","seq":M,"target":N,"text":"...","edited":"<RFC 3339>","user":"<id>"},
	// and history serves message N with the last text and "edited".
	TypeEdit = "edit"
	// TypeReact toggles one's reaction on a message:
	// {"type":"react","room":"R","id":"<client id>","target":N,"emoji":"👍"}.
	// Every member gets {"type":"react","room":"R","seq":M,"target":N,"emoji":"👍","user":"<who>","reactions":[...]}
	// with the message's reactions after it; history serves them on the message.
	TypeReact = "react"
	// TypeFetch asks for one message by seq, e.g. the original of a reply
	// that is older than what the client holds:
	// {"type":"fetch","room":"R","target":N}; the answer is its msg event.
	TypeFetch = "fetch"
	// TypeTyping says the sender is typing in a room: {"type":"typing","room":"R"}.
	// Not stored. Members get, at most about once a second per room,
	// {"type":"typing","room":"R","names":["ana"],"count":1}: who typed in
	// the last few seconds (count 0: nobody any more).
	TypeTyping = "typing"
	// TypeRead says how far the sender has read a room: {"type":"read","room":"R","seq":N}.
	// Kept per person (not per device), coalesced, only ever forward; the
	// person's connections on every node then get the same event, and
	// joined carries it ("read").
	TypeRead = "read"
)

// Event types, server to client.
const (
	TypeWelcome   = "welcome"   // {"type":"welcome","name":"guest-1234","version":"...","rate":20,"burst":40}: rate and burst are the connection's event limit
	TypeJoined    = "joined"    // {"type":"joined","room":"R","seq":N}: the room's last seq at join time; history up to it follows
	TypeAck       = "ack"       // {"type":"ack","room":"R","id":"<client id>","seq":N}: your message is stored as seq N
	TypeGap       = "gap"       // {"type":"gap","room":"R","after":N,"seq":M}: messages after N and before M are no longer kept (with "code":"not_sent": kept, not sent; ask with history)
	TypeMsg       = "msg"       // {"type":"msg","room":"R","seq":1,"id":"...","from":"ana","user":"<id>","text":"...","ts":"<RFC 3339>"}
	TypePresence  = "presence"  // {"type":"presence","room":"R","count":3,"names":["ana","bo","cy"]}
	TypeError     = "error"     // {"type":"error","code":"bad_room","text":"...","id":"<client id, when about a send>"}
	TypeBroadcast = "broadcast" // {"type":"broadcast","text":"test message"}: GET /benchmark, not stored
	TypeStatus    = "status"    // {"type":"status","code":"store_unreachable","text":"..."}: the service's state changed
	TypeRooms     = "rooms"     // {"type":"rooms"}: your private rooms and direct messages changed (added, removed, a topic or title): fetch GET /api/rooms
)

// The server's answer to TypeHistory is also a history event, after the
// messages: {"type":"history","room":"R","before":120,"seq":71,"count":50}
// where seq is the oldest seq sent and count how many were sent (0: there is
// nothing older).

// Event is every event of the protocol, in both directions; each type uses
// the fields its comment above shows and leaves the others empty. One flat
// struct keeps decoding to one pass and the wasm free of reflection-heavy
// type switches.
type Event struct {
	Type   string `json:"type"`
	Room   string `json:"room,omitempty"`
	Name   string `json:"name,omitempty"`
	After  uint64 `json:"after,omitempty"`
	Before uint64 `json:"before,omitempty"`
	Seq    uint64 `json:"seq,omitempty"`
	// Target is the seq of the message an event is about (delete, edit,
	// react, fetch).
	Target uint64 `json:"target,omitempty"`
	// Reply, on a send and its msg, is the seq of the message it answers;
	// Quote, on the msg, who wrote that and its text when answered.
	Reply uint64 `json:"reply,omitempty"`
	Quote *Quote `json:"quote,omitempty"`
	// Edited is when a message's text was last changed (msg, edit).
	Edited time.Time `json:"edited,omitzero"`
	// Read, on joined, is how far the person has read the room.
	Read uint64 `json:"read,omitempty"`
	// Emoji is a react event's; Reactions a message's, after it (msg,
	// react).
	Emoji     string     `json:"emoji,omitempty"`
	Reactions []Reaction `json:"reactions,omitempty"`
	// Files, on a send, are the ids of files uploaded for it (POST
	// /api/rooms/{room}/files); on its msg, what the server knows of each.
	Files []File `json:"files,omitempty"`
	ID    string `json:"id,omitempty"`
	From  string `json:"from,omitempty"`
	// User is the stable id of whoever From is: an account's or a guest
	// session's, stamped by the server (never taken from a client).
	User string `json:"user,omitempty"`
	// Guest marks a message (or a welcome) from someone without an
	// account, for the UI to show.
	Guest bool `json:"guest,omitempty"`
	// Bot marks a message a bot posted through the HTTP API (stamped by
	// the server, like User), for the UI to show.
	Bot     bool      `json:"bot,omitempty"`
	Text    string    `json:"text,omitempty"`
	TS      time.Time `json:"ts,omitzero"`
	Count   int       `json:"count,omitempty"`
	Names   []string  `json:"names,omitempty"`
	Code    string    `json:"code,omitempty"`
	Version string    `json:"version,omitempty"`
	// Rate and Burst, on welcome, are the limit on the events a connection
	// sends (a token bucket: Rate a second, bursts of Burst), so that a
	// client paces itself instead of meeting rate_limited errors.
	Rate  float64 `json:"rate,omitempty"`
	Burst int     `json:"burst,omitempty"`
}

// Quote is what a reply shows of the message it answers.
type Quote struct {
	From string `json:"from"`
	User string `json:"user,omitempty"`
	Text string `json:"text"` // at most MaxQuoteRunes
}

// File is an attachment of a message, as the server describes it (a
// send names only ID). Its bytes are at /files/{id}; an image's thumbnail,
// TW by TH pixels, at /files/{id}/thumb; W and H are an image's size, so
// that a page can lay it out before it loads.
type File struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"` // found from the bytes, not taken from the uploader
	Size int64  `json:"size,omitempty"`
	W    int    `json:"w,omitempty"`
	H    int    `json:"h,omitempty"`
	TW   int    `json:"tw,omitempty"`
	TH   int    `json:"th,omitempty"`
}

// MaxFiles is how many files one message may carry.
const MaxFiles = 10

// Reaction is one emoji on a message and who put it there (user ids, and
// their names in the same order).
type Reaction struct {
	Emoji string   `json:"emoji"`
	Users []string `json:"users"`
	Names []string `json:"names"`
}

// Status codes of status events.
const (
	StatusStoreUnreachable = "store_unreachable" // messages cannot be stored now; keep them and send again later
	StatusOK               = "ok"                // everything works again
)

// GapNotSent is the code of a gap event whose messages are kept but were
// not sent: a join resuming further back than the server sends at once
// gets the room's last messages, and asks for older ones with history.
const GapNotSent = "not_sent"

// BenchmarkText is what GET /benchmark broadcasts, as the seed's endpoint did.
const BenchmarkText = "test message"
