package server

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"chat/wire"
)

// rawClient speaks RFC 6455 by hand over TCP, so that a test can send what
// no well-behaved library would.
type rawClient struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

// dialRaw opens a TCP connection and completes a WebSocket handshake.
func dialRaw(t *testing.T, hs *httptest.Server) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, upgradeRequest(hs.Listener.Addr().String())); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s", res.Status)
	}
	return &rawClient{t: t, c: c, br: br}
}

// frame builds a client frame: fin, rsv bits (0-7), opcode, masked or not,
// with the payload; length, when not -1, is declared instead of the
// payload's.
func frame(fin bool, rsv byte, op byte, masked bool, payload []byte, length int64) []byte {
	var b []byte
	first := rsv<<4 | op
	if fin {
		first |= 0x80
	}
	b = append(b, first)
	maskBit := byte(0)
	if masked {
		maskBit = 0x80
	}
	n := uint64(len(payload))
	if length != -1 {
		n = uint64(length) // a negative length goes out as 64 bits with the top bit set
	}
	switch {
	case n < 126:
		b = append(b, maskBit|byte(n))
	case n <= 0xffff:
		b = append(b, maskBit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, maskBit|127)
		b = binary.BigEndian.AppendUint64(b, n)
	}
	if !masked {
		return append(b, payload...)
	}
	var key [4]byte
	_, _ = rand.Read(key[:])
	b = append(b, key[:]...)
	for i, p := range payload {
		b = append(b, p^key[i%4])
	}
	return b
}

func (r *rawClient) send(b []byte) {
	r.t.Helper()
	_ = r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = r.c.Write(b) // the server may have closed already; what it answered is what matters
}

// readFrame reads one server frame (servers do not mask).
func (r *rawClient) readFrame() (op byte, payload []byte, err error) {
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var h [2]byte
	if _, err := io.ReadFull(r.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := int64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r.br, l[:]); err != nil {
			return 0, nil, err
		}
		n = int64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r.br, l[:]); err != nil {
			return 0, nil, err
		}
		n = int64(binary.BigEndian.Uint64(l[:]))
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r.br, payload)
	return h[0] & 0x0f, payload, err
}

// closeCode reads frames until the server's close frame and returns its
// code (0 if the connection ended without one).
func (r *rawClient) closeCode() uint16 {
	r.t.Helper()
	for {
		op, p, err := r.readFrame()
		if err != nil {
			return 0
		}
		if op == 0x8 {
			if len(p) < 2 {
				return 1005
			}
			return binary.BigEndian.Uint16(p)
		}
	}
}

func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

func TestProtocolViolationsAreClosedAndOthersGoOn(t *testing.T) {
	s, hs := startServer(t, nil)
	healthy := dial(t, hs)
	healthy.joinAs("healthy", "lobby")
	text := []byte(`{"type":"hello","name":"x"}`)
	cases := []struct {
		name string
		send [][]byte
		want uint16
	}{
		{"unmasked client frame", [][]byte{frame(true, 0, 0x1, false, text, -1)}, 1002},
		{"RSV1 without an extension", [][]byte{frame(true, 4, 0x1, true, text, -1)}, 1002},
		{"RSV3 without an extension", [][]byte{frame(true, 1, 0x1, true, text, -1)}, 1002},
		{"reserved data opcode 3", [][]byte{frame(true, 0, 0x3, true, text, -1)}, 1002},
		{"reserved control opcode 0xB", [][]byte{frame(true, 0, 0xB, true, nil, -1)}, 1002},
		{"ping over 125 bytes", [][]byte{frame(true, 0, 0x9, true, bytes.Repeat([]byte("p"), 126), -1)}, 1002},
		{"fragmented ping", [][]byte{frame(false, 0, 0x9, true, []byte("p"), -1)}, 1002},
		{"continuation with nothing to continue", [][]byte{frame(true, 0, 0x0, true, text, -1)}, 1002},
		{"new message inside a fragmented one", [][]byte{frame(false, 0, 0x1, true, text[:5], -1), frame(true, 0, 0x1, true, text, -1)}, 1002},
		{"invalid UTF-8 in a text message", [][]byte{frame(true, 0, 0x1, true, []byte("{\"type\":\"hello\",\"name\":\"\xc3\x28\"}"), -1)}, 1007},
		{"invalid UTF-8 across fragments", [][]byte{frame(false, 0, 0x1, true, []byte("\xe2\x82"), -1), frame(true, 0, 0x0, true, []byte("\x28"), -1)}, 1007},
		{"close code 999", [][]byte{frame(true, 0, 0x8, true, closePayload(999, ""), -1)}, 1002},
		{"close code 1005 (reserved)", [][]byte{frame(true, 0, 0x8, true, closePayload(1005, ""), -1)}, 1002},
		{"close code 1015 (reserved)", [][]byte{frame(true, 0, 0x8, true, closePayload(1015, ""), -1)}, 1002},
		{"close code 5000", [][]byte{frame(true, 0, 0x8, true, closePayload(5000, ""), -1)}, 1002},
		{"1-byte close payload", [][]byte{frame(true, 0, 0x8, true, []byte{3}, -1)}, 1002},
		{"64-bit length with the top bit set", [][]byte{frame(true, 0, 0x1, true, nil, -1<<63)}, 1002},
		{"over the size limit", [][]byte{frame(true, 0, 0x1, true, bytes.Repeat([]byte("a"), wire.MaxFrame+1), -1)}, 1009},
		{"a second upgrade request on the open connection", [][]byte{[]byte("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")}, 1002},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := dialRaw(t, hs)
			for _, b := range c.send {
				r.send(b)
			}
			if got := r.closeCode(); got != c.want {
				t.Fatalf("closed with %d, want %d", got, c.want)
			}
		})
	}
	// After all of them, a healthy client still gets broadcasts.
	if res := get(t, hs.URL+"/benchmark"); res.StatusCode != http.StatusOK {
		t.Fatal(res.Status)
	}
	if ev := healthy.next(wire.TypeBroadcast); ev.Text != wire.BenchmarkText {
		t.Fatalf("healthy client: %+v", ev)
	}
	waitClients(t, s, 1) // every offender is gone
}

func TestPingIsAnsweredAndCloseEchoed(t *testing.T) {
	_, hs := startServer(t, nil)
	r := dialRaw(t, hs)
	r.send(frame(true, 0, 0x9, true, []byte("are you there?"), -1))
	for {
		op, p, err := r.readFrame()
		if err != nil {
			t.Fatal(err)
		}
		if op == 0xA {
			if string(p) != "are you there?" {
				t.Fatalf("pong payload %q", p)
			}
			break
		}
	}
	r.send(frame(true, 0, 0x8, true, closePayload(1000, "bye"), -1))
	if got := r.closeCode(); got != 1000 {
		t.Fatalf("close echoed with %d, want 1000", got)
	}
}

func TestHandshakeFaults(t *testing.T) {
	_, hs := startServer(t, func(c *Config) { c.HeaderTimeout = 300 * time.Millisecond })
	t.Run("headers that never finish are cut off", func(t *testing.T) {
		c, err := net.Dial("tcp", hs.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n") // and nothing more
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		_, err = io.ReadAll(c)
		if err != nil {
			t.Fatalf("connection not closed by the server: %v", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("cut off after %v, want about the 300 ms header timeout", took)
		}
	})
	t.Run("a WebSocket request without a key", func(t *testing.T) {
		res, _ := upgrade(t, hs.URL+"/ws", "13", "")
		if res.StatusCode/100 != 4 {
			t.Fatalf("upgrade without Sec-WebSocket-Key: %s, want a 4xx", res.Status)
		}
	})
	t.Run("a wrong WebSocket version", func(t *testing.T) {
		res, body := upgrade(t, hs.URL+"/ws", "8", "dGhlIHNhbXBsZSBub25jZQ==")
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "13") {
			t.Fatalf("version 8: %s %s, want 400 naming version 13", res.Status, body)
		}
	})
}

// upgrade sends a WebSocket upgrade request with this version and key (none
// when empty) and returns the answer and its body.
func upgrade(t *testing.T, url, version, key string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", version)
	if key != "" {
		req.Header.Set("Sec-WebSocket-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}
