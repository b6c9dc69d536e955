package hub

import "encoding/binary"

// Frame is one or more events (NDJSON), encoded once by the caller and framed
// once here as a server-to-client WebSocket text frame: the same bytes go to
// every recipient, each with one write. It must not be modified after it is
// handed to the hub.
type Frame struct {
	b      []byte // the frame: header, then payload
	hdr    int    // header length
	events int    // events in the payload, for the counters
	// room and msgs, for a room's stored messages: each message's seq and
	// where its event ends in the payload, so that a join still reading
	// the room's history can be given only the messages after it (see
	// Client.BeginSync).
	room string
	msgs []msgPart
	// origin is the frame this one was cut from (Frame.after), which the
	// fan-out tracker follows.
	origin *Frame
}

type msgPart struct {
	seq uint64
	end int // offset in the payload of the end of the message's event
}

// maxHeader is the longest header of an unmasked server frame.
const maxHeader = 10

// NewFrame frames payload, which holds events NDJSON events.
func NewFrame(payload []byte, events int) *Frame {
	var hdr [maxHeader]byte
	n := frameHeader(hdr[:], len(payload))
	b := make([]byte, n+len(payload))
	copy(b, hdr[:n])
	copy(b[n:], payload)
	return &Frame{b: b, hdr: n, events: events}
}

// Payload is the frame's events, without the WebSocket header.
func (f *Frame) Payload() []byte { return f.b[f.hdr:] }

// NewMsgFrame frames one stored message of room with its seq.
func NewMsgFrame(room string, seq uint64, payload []byte) *Frame {
	return newMsgsFrame(room, [][]byte{payload}, []uint64{seq})
}

// newMsgsFrame frames stored messages of room (encoded events, in seq
// order) as one frame.
func newMsgsFrame(room string, events [][]byte, seqs []uint64) *Frame {
	n := len(events) - 1
	for _, ev := range events {
		n += len(ev)
	}
	var hdr [maxHeader]byte
	h := frameHeader(hdr[:], n)
	b := make([]byte, h, h+n)
	copy(b, hdr[:h])
	msgs := make([]msgPart, len(events))
	for i, ev := range events {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, ev...)
		msgs[i] = msgPart{seq: seqs[i], end: len(b) - h}
	}
	return &Frame{b: b, hdr: h, events: len(events), room: room, msgs: msgs}
}

// firstSeq and lastSeq are the seqs of a message frame's first and last
// messages.
func (f *Frame) firstSeq() uint64 { return f.msgs[0].seq }
func (f *Frame) lastSeq() uint64  { return f.msgs[len(f.msgs)-1].seq }

// after is a message frame of f's messages with a seq above head, for a
// join whose history went up to head; nil if there are none.
func (f *Frame) after(head uint64) *Frame {
	switch {
	case f.lastSeq() <= head:
		return nil
	case f.firstSeq() > head:
		return f
	}
	var events [][]byte
	var seqs []uint64
	start := 0
	payload := f.b[f.hdr:]
	for _, m := range f.msgs {
		if m.seq > head {
			events = append(events, payload[start:m.end])
			seqs = append(seqs, m.seq)
		}
		start = m.end + 1 // past the '\n'
	}
	cut := newMsgsFrame(f.room, events, seqs)
	cut.origin = f
	return cut
}

// frameHeader writes the header of a final, unmasked text frame of n bytes
// (RFC 6455 section 5.2) into dst and returns its length.
func frameHeader(dst []byte, n int) int {
	dst[0] = 0x81 // FIN, text
	switch {
	case n < 126:
		dst[1] = byte(n)
		return 2
	case n <= 0xffff:
		dst[1] = 126
		binary.BigEndian.PutUint16(dst[2:], uint16(n))
		return 4
	}
	dst[1] = 127
	binary.BigEndian.PutUint64(dst[2:], uint64(n))
	return 10
}

// appendFrame appends one frame holding the payloads of fs, joined by '\n',
// to dst: what a writer sends for several queued frames.
func appendFrame(dst []byte, fs []*Frame) []byte {
	n := len(fs) - 1
	for _, f := range fs {
		n += len(f.b) - f.hdr
	}
	var hdr [maxHeader]byte
	dst = append(dst, hdr[:frameHeader(hdr[:], n)]...)
	for i, f := range fs {
		if i > 0 {
			dst = append(dst, '\n')
		}
		dst = append(dst, f.b[f.hdr:]...)
	}
	return dst
}

// closeFrame is a server close frame with code and reason (RFC 6455 section
// 5.5.1); the reason is cut to fit a control frame.
func closeFrame(code uint16, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	b := []byte{0x88, byte(2 + len(reason))}
	b = binary.BigEndian.AppendUint16(b, code)
	return append(b, reason...)
}
