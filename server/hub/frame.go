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
	room   string // with seq: a room's stored message (see Client.BeginSync)
	seq    uint64
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

// NewMsgFrame frames one stored message of room with its seq.
func NewMsgFrame(room string, seq uint64, payload []byte) *Frame {
	f := NewFrame(payload, 1)
	f.room, f.seq = room, seq
	return f
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
