package hub

import "github.com/coder/websocket"

// Disconnect is why the server closes a connection: the WebSocket close code
// and the reason sent with it. Every close the server initiates is one of the
// values below, so that clients and logs see a stable vocabulary.
//
// Browsers may not pass the close code on to the page (coder/websocket#505),
// so wherever the connection can still carry it, an error event with the same
// reason is sent before the close frame.
type Disconnect struct {
	Code   websocket.StatusCode
	Reason string
}

func (d Disconnect) Error() string { return d.Reason }

// Standard codes (RFC 6455 section 7.4.1) where they fit.
var (
	// DisconnectShutdown: the server is stopping; reconnect elsewhere or later.
	DisconnectShutdown = Disconnect{websocket.StatusGoingAway, "server shutting down"}
	// DisconnectBadUTF8: a text frame that is not UTF-8 (coder/websocket
	// does not check, see coder/websocket#44).
	DisconnectBadUTF8 = Disconnect{websocket.StatusInvalidFramePayloadData, "text frame is not valid UTF-8"}
	// DisconnectBinary: the protocol is JSON text frames only.
	DisconnectBinary = Disconnect{websocket.StatusUnsupportedData, "binary frames are not supported; send JSON text frames"}
	// DisconnectProtocol: a frame that breaks RFC 6455 (the reason adds
	// which rule).
	DisconnectProtocol = Disconnect{websocket.StatusProtocolError, "protocol error"}
	// DisconnectTooBig: one message over the protocol's size limit.
	DisconnectTooBig = Disconnect{websocket.StatusMessageTooBig, "message too big: the limit is 16384 bytes"}
	// DisconnectRateLimited: the client kept sending after being told to slow down.
	DisconnectRateLimited = Disconnect{websocket.StatusPolicyViolation, "rate limit exceeded"}
)

// Our own codes, 4000-4999.
var (
	// DisconnectSlow: the client read too slowly and its outgoing queue filled.
	DisconnectSlow = Disconnect{4000, "slow consumer: outgoing queue full"}
	// DisconnectWriteTimeout: one write to the client stalled past the limit.
	DisconnectWriteTimeout = Disconnect{4001, "slow consumer: write timed out"}
	// DisconnectPingTimeout: the client did not answer a ping in time.
	DisconnectPingTimeout = Disconnect{4002, "no pong: connection presumed dead"}
	// DisconnectSessionEnded: the connection's session was signed out,
	// revoked, or its account banned.
	DisconnectSessionEnded = Disconnect{4003, "session ended: signed out, revoked, or the account banned"}
	// DisconnectTokenExpired: the connection token's exp has passed; the
	// site's page reconnects with a fresh one.
	DisconnectTokenExpired = Disconnect{4004, "connection token expired"}
)
