// Package bench is the load generator behind `chat bench`: it opens many
// WebSocket clients and times how long a broadcast takes to reach all of
// them, against this chat server or any server with the seed's /ws and
// GET /benchmark endpoints.
package bench

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// conn is a minimal RFC 6455 client: the handshake, then a read loop that
// counts broadcasts, answers pings and ignores the rest. The load generator
// holds tens of thousands of them, so it keeps per-connection cost to a
// goroutine, a small buffer and the socket; a full WebSocket library would
// cost more here than in the servers being measured.
type conn struct {
	c  net.Conn
	br *bufio.Reader
}

var errHandshake = errors.New("websocket handshake refused")

// dialWS connects to a ws:// or wss:// URL from the local address laddr (nil: any).
func dialWS(u *url.URL, laddr net.Addr, timeout time.Duration) (*conn, error) {
	d := net.Dialer{Timeout: timeout, LocalAddr: laddr}
	c, err := d.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	origin := "http://" + u.Host
	if u.Scheme == "wss" {
		// The client's TLS, as a browser's: the same records to decrypt
		// that the server sealed for it.
		cfg := clientTLS.Clone()
		cfg.ServerName = u.Hostname()
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return nil, err
		}
		c, origin = tc, "https://"+u.Host
	}
	var keyBytes [16]byte
	_, _ = rand.Read(keyBytes[:])
	key := base64.StdEncoding.EncodeToString(keyBytes[:])
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key +
		"\r\nOrigin: " + origin + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 2048)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("%w: %s", errHandshake, res.Status)
	}
	want := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if res.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(want[:]) {
		c.Close()
		return nil, fmt.Errorf("%w: bad Sec-WebSocket-Accept", errHandshake)
	}
	_ = c.SetDeadline(time.Time{})
	return &conn{c: c, br: br}, nil
}

// frame opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// readLoop reads messages until the connection ends, calling onText with
// each text message (reassembled if fragmented; the slice is reused). It
// returns the close code the server sent, or 0 and the read error.
func (c *conn) readLoop(onText func([]byte)) (uint16, error) {
	var msg []byte
	var hdr [14]byte
	for {
		if _, err := io.ReadFull(c.br, hdr[:2]); err != nil {
			return 0, err
		}
		fin, op := hdr[0]&0x80 != 0, hdr[0]&0x0f
		n := uint64(hdr[1] & 0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(c.br, hdr[2:4]); err != nil {
				return 0, err
			}
			n = uint64(binary.BigEndian.Uint16(hdr[2:4]))
		case 127:
			if _, err := io.ReadFull(c.br, hdr[2:10]); err != nil {
				return 0, err
			}
			n = binary.BigEndian.Uint64(hdr[2:10])
		}
		if n > 64<<20 {
			return 0, fmt.Errorf("frame of %d bytes", n)
		}
		start := len(msg)
		if op >= opClose {
			start = 0 // control frames may come between fragments: read them apart
		}
		var payload []byte
		if op >= opClose {
			payload = make([]byte, n)
		} else {
			msg = append(msg, make([]byte, n)...)
			payload = msg[start:]
		}
		if _, err := io.ReadFull(c.br, payload); err != nil {
			return 0, err
		}
		switch op {
		case opPing:
			if err := c.writeFrame(opPong, payload); err != nil {
				return 0, err
			}
		case opClose:
			var code uint16
			if len(payload) >= 2 {
				code = binary.BigEndian.Uint16(payload)
			}
			_ = c.writeFrame(opClose, payload[:min(2, len(payload))])
			return code, nil
		case opText, opBinary, opContinuation:
			if fin {
				onText(msg)
				msg = msg[:0]
			}
		}
	}
}

// writeFrame sends one masked frame (clients must mask).
func (c *conn) writeFrame(op byte, payload []byte) error {
	if len(payload) > 125 {
		return errors.New("control payload over 125 bytes")
	}
	var buf [6 + 125]byte
	buf[0] = 0x80 | op
	buf[1] = 0x80 | byte(len(payload))
	_, _ = rand.Read(buf[2:6])
	for i, b := range payload {
		buf[6+i] = b ^ buf[2+i%4]
	}
	_, err := c.c.Write(buf[:6+len(payload)])
	return err
}

// writeText sends one masked text message.
func (c *conn) writeText(p []byte) error {
	hdr := make([]byte, 0, 14+len(p))
	hdr = append(hdr, 0x81)
	switch {
	case len(p) < 126:
		hdr = append(hdr, 0x80|byte(len(p)))
	case len(p) <= 0xffff:
		hdr = append(hdr, 0x80|126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(p)))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(len(p)))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	hdr = append(hdr, mask[:]...)
	for i, b := range p {
		hdr = append(hdr, b^mask[i%4])
	}
	_, err := c.c.Write(hdr)
	return err
}

// close resets the connection instead of closing it gracefully: the load
// generator would otherwise leave tens of thousands of sockets in TIME_WAIT,
// holding the ports the next run needs for a minute.
func (c *conn) close() {
	if tc, ok := c.c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.c.Close()
}

// countBroadcasts counts the benchmark broadcasts in one message: this
// server's NDJSON events ({"type":"broadcast","text":"test message"}, maybe
// several coalesced in one frame) or the seed's bare "test message".
func countBroadcasts(msg []byte) int {
	if bytes.Equal(msg, benchmarkText) {
		return 1
	}
	return bytes.Count(msg, broadcastEvent)
}

var (
	benchmarkText  = []byte("test message")
	broadcastEvent = []byte(`"type":"broadcast","text":"test message"`)
)
