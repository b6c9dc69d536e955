package ws

import "chat/server/hub"

// Pings and pongs, read ahead of coder/websocket. An idle connection's
// traffic is its keepalive: a pong every half minute, pings from some
// clients. Read by the library, each would leave the read loop parked deep
// inside the library's reader until the next message, for as long as the
// connection is idle; read here, from the session's own buffer, the loop
// goes back to waiting in its shallow frame. Only a ping or pong that is
// whole and well-formed is taken here; everything else, a malformed control
// frame included, is left to the library, which checks it and answers as
// RFC 6455 wants.

// What nextFrame found.
const (
	frameData = iota // a frame for coder/websocket to read (or a read error for it to find)
	frameNone        // pings and pongs taken, nothing more buffered
	frameDone        // the connection is done (a ping flood was aborted)
)

// nextFrame waits for the next frame, a few small calls deep, and takes
// the pings and pongs at the front of the read buffer, answering pings.
func (ss *session) nextFrame() int {
	br := ss.t.br
	for {
		hdr, err := br.Peek(2)
		if err != nil || !controlHeader(hdr) {
			return frameData
		}
		n := 2 + 4 + int(hdr[1]&0x7f) // header, mask key, payload
		frame, err := br.Peek(n)
		if err != nil {
			return frameData
		}
		ok := ss.control(frame)
		_, _ = br.Discard(n)
		switch {
		case !ok:
			return frameDone
		case br.Buffered() == 0:
			return frameNone
		}
	}
}

// controlHeader reports whether a frame header is a client's ping or pong as
// the protocol wants it: final, no RSV bits, masked, at most 125 bytes.
func controlHeader(h []byte) bool {
	return (h[0] == 0x89 || h[0] == 0x8A) && h[1]&0x80 != 0 && h[1]&0x7f <= 125
}

// control acts on one whole ping or pong frame, as coder/websocket would
// with the session's callbacks: a pong is the hub's to know, a ping is
// answered with its payload when the rate allows. It reports false once the
// connection is closed for a flood.
func (ss *session) control(frame []byte) bool {
	var payload [125]byte
	p := payload[:len(frame)-6]
	key := frame[2:6]
	for i := range p {
		p[i] = frame[6+i] ^ key[i%4]
	}
	if frame[0] == 0x8A && ss.client.Pong() {
		return true // the answer to the hub's ping
	}
	ok, abort := ss.pingAllowed()
	if abort {
		ss.client.Abort(hub.DisconnectRateLimited)
		return false
	}
	if ok && frame[0] == 0x89 {
		var pong [127]byte
		pong[0], pong[1] = 0x8A, byte(len(p))
		copy(pong[2:], p)
		_, _ = ss.client.WriteControl(pong[:2+len(p)])
	}
	return true
}
