package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/server/broker"
	"chat/server/notify"
	"chat/wire"
)

// hookCall is one call a receiver got.
type hookCall struct {
	path   string
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a webhook's server: it records every call and answers with
// status(path, n), n counting the calls to that path from 1.
type receiver struct {
	*httptest.Server
	calls chan hookCall
}

func newReceiver(t *testing.T, status func(path string, n int) int) *receiver {
	t.Helper()
	rc := &receiver{calls: make(chan hookCall, 100)}
	var mu sync.Mutex
	n := map[string]int{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		n[r.URL.Path]++
		k := n[r.URL.Path]
		mu.Unlock()
		rc.calls <- hookCall{path: r.URL.Path, header: r.Header.Clone(), body: body, at: time.Now()}
		code := http.StatusOK
		if status != nil {
			code = status(r.URL.Path, k)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// collect gathers the calls that arrive until none has for quiet.
func (rc *receiver) collect(quiet time.Duration) []hookCall {
	var out []hookCall
	for {
		select {
		case c := <-rc.calls:
			out = append(out, c)
		case <-time.After(quiet):
			return out
		}
	}
}

// waitWebhookReaders waits until the webhook consumer exists and n nodes
// are reading it (each keeps a pull request open), so that a message
// stored now is seen.
func waitWebhookReaders(t *testing.T, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for waiting := 0; ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := srv.broker.JetStream().Consumer(ctx, broker.StreamName, notify.WebhookConsumer)
		if err == nil {
			var info *jetstream.ConsumerInfo
			if info, err = c.Info(ctx); err == nil {
				if waiting = info.NumWaiting; waiting >= n {
					cancel()
					return
				}
			}
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf("the webhook consumer has %d readers after 20 s, not %d (%v)", waiting, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkSigned checks a call's signature with the bot's secret, and that
// its timestamp is now.
func checkSigned(t *testing.T, c hookCall, secret string) {
	t.Helper()
	ts := c.header.Get(notify.HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		t.Errorf("timestamp %q is not now", ts)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(c.body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := c.header.Get(notify.HeaderSignature); !hmac.Equal([]byte(got), []byte(want)) {
		t.Errorf("signature %q, want %q", got, want)
	}
}

// TestWebhookCalledOnceAcrossTwoNodes: with both nodes reading the
// webhook consumer, a bot's webhook is called once for each message that
// mentions it (any case) in a room it may read and for each message of a
// direct message it is in, signed with its secret; never for a message
// without a mention, an address or a longer name, a mention in a private
// room it is not in, or its own message.
func TestWebhookCalledOnceAcrossTwoNodes(t *testing.T) {
	_, url := startNATS(t, t.TempDir(), 0)
	srvs, hs := startNodes(t, url, 2, func(c *Config) { c.OutgoingAllowPrivate = true })
	w := newBotWorld(t, srvs[0], hs[0])
	rc := newReceiver(t, nil)
	ciID, ci, secret := w.admin.makeBot("ci", rc.URL+"/hook")
	waitWebhookReaders(t, srvs[0], 2)

	mia := openSocket(t, w.mia, hs[1])
	mia.joinAfter("town", 0)
	olga := openSocket(t, w.olga, hs[0])
	olga.joinAfter(w.priv, 0)
	want := map[uint64]string{} // seq → reason
	want[mia.say("town", "m1", "hey @ci deploy main")] = "mention"
	mia.say("town", "m2", "no mention here")
	mia.say("town", "m3", "mail build@ci.example.org")
	mia.say("town", "m4", "@cinema tonight?")
	want[mia.say("town", "m5", "(@CI, please)")] = "mention"
	olga.say(w.priv, "o1", "@ci cannot read this room")
	if code, out, _ := postAsBot(t, hs[1], ci, "town", map[string]string{"text": "@ci talking to myself"}); code != http.StatusCreated {
		t.Fatalf("ci's own post: %d %v", code, out)
	}
	code, out := w.olga.call("POST", "/api/rooms", map[string]any{"kind": "direct", "with": []string{"ci"}})
	if code != http.StatusCreated {
		t.Fatalf("direct message with ci: %d %v", code, out)
	}
	dm := out["room"].(map[string]any)["id"].(string)
	olga.joinAfter(dm, 0)
	want[olga.say(dm, "o2", "what is the build status")] = "direct"

	calls := rc.collect(2 * time.Second)
	got := map[uint64]bool{}
	for _, c := range calls {
		var b notify.WebhookBody
		if err := json.Unmarshal(c.body, &b); err != nil {
			t.Fatalf("body %s: %v", c.body, err)
		}
		checkSigned(t, c, secret)
		if got[b.Seq] {
			t.Errorf("message %d called twice", b.Seq)
		}
		got[b.Seq] = true
		if reason, ok := want[b.Seq]; !ok || b.Reason != reason {
			t.Errorf("called for %+v, want only %v (seq: reason)", b, want)
		}
		if b.Bot.ID != ciID || b.Bot.Name != "ci" || b.From == "" || b.User == "" || b.Text == "" || b.TS.IsZero() || b.Room == "" {
			t.Errorf("body %+v is missing something", b)
		}
		if d := c.header.Get(notify.HeaderDelivery); d != b.Room+"."+strconv.FormatUint(b.Seq, 10)+"."+ciID {
			t.Errorf("delivery id %q", d)
		}
	}
	if len(got) != len(want) {
		t.Errorf("called for %d messages, want %d (%v)", len(got), len(want), want)
	}
}

// TestWebhookRetriedWithBackoff: a 500 is tried again after the backoff
// and stops once answered 200; a receiver that keeps failing is tried
// WebhookAttempts times and no more; a 400 is not tried again; a message
// for two bots, one of which failed, is retried for that one only.
func TestWebhookRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	const backoff = 150 * time.Millisecond
	srv, hs := startServer(t, func(c *Config) {
		c.OutgoingAllowPrivate, c.WebhookAttempts, c.WebhookBackoff = true, 3, backoff
	})
	w := newBotWorld(t, srv, hs)
	rc := newReceiver(t, func(path string, n int) int {
		switch {
		case path == "/flaky" && n == 1, path == "/flaky2" && n == 1, path == "/down":
			return http.StatusInternalServerError
		case path == "/picky":
			return http.StatusBadRequest
		}
		return http.StatusOK
	})
	for _, name := range []string{"flaky", "down", "picky", "flaky2", "steady"} {
		w.admin.makeBot(name, rc.URL+"/"+name)
	}
	waitWebhookReaders(t, srv, 1)
	mia := openSocket(t, w.mia, hs)
	mia.joinAfter("town", 0)
	for _, name := range []string{"flaky", "down", "picky"} {
		mia.say("town", name, "@"+name+" run")
	}
	// For two bots, one failing once: the retry calls only that one.
	mia.say("town", "both", "@steady @flaky2 run")
	byPath := map[string][]hookCall{}
	for _, c := range rc.collect(3 * time.Second) {
		byPath[c.path] = append(byPath[c.path], c)
	}
	for path, n := range map[string]int{"/flaky": 2, "/down": 3, "/picky": 1, "/flaky2": 2, "/steady": 1} {
		calls := byPath[path]
		if len(calls) != n {
			t.Errorf("%s called %d times, want %d", path, len(calls), n)
			continue
		}
		for i, c := range calls {
			if a := c.header.Get(notify.HeaderAttempt); a != strconv.Itoa(i+1) {
				t.Errorf("%s call %d says attempt %s", path, i+1, a)
			}
			if c.header.Get(notify.HeaderDelivery) != calls[0].header.Get(notify.HeaderDelivery) {
				t.Errorf("%s: a retry has another delivery id", path)
			}
			if i > 0 {
				if gap, min := c.at.Sub(calls[i-1].at), backoff<<(i-1); gap < min*9/10 {
					t.Errorf("%s: attempt %d came %v after the one before, want at least %v", path, i+1, gap, min)
				}
			}
		}
	}
}

// TestWebhookRefusedForThisMachineByDefault: without -outgoing-allow-private
// a webhook at a loopback address is refused when the bot is made, and
// one at a name that resolves to loopback is never called: the message is
// dealt with (the consumer acks it) and the receiver hears nothing.
func TestWebhookRefusedForThisMachineByDefault(t *testing.T) {
	srv, hs := startServer(t, nil)
	w := newBotWorld(t, srv, hs)
	rc := newReceiver(t, nil)
	_, port := splitPort(t, rc.URL)
	for _, hook := range []string{rc.URL + "/hook", "http://[::1]:" + port + "/", "http://169.254.169.254/latest", "http://10.0.0.7/"} {
		if code, out := w.admin.call("POST", "/api/bots", map[string]string{"name": "local", "webhook": hook}); code != http.StatusBadRequest {
			t.Errorf("a bot with webhook %s: %d %v, want 400", hook, code, out)
		}
	}
	w.admin.makeBot("sneaky", "http://localhost:"+port+"/hook")
	waitWebhookReaders(t, srv, 1)
	mia := openSocket(t, w.mia, hs)
	mia.joinAfter("town", 0)
	seq := mia.say("town", "m1", "@sneaky fetch the metadata")
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := srv.broker.JetStream().Consumer(ctx, broker.StreamName, notify.WebhookConsumer)
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.Info(ctx)
		cancel()
		if err == nil && info.AckFloor.Stream >= seq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the message was not dealt with in 5 s: %+v", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if calls := rc.collect(500 * time.Millisecond); len(calls) != 0 {
		t.Fatalf("a webhook at localhost was called: %d calls", len(calls))
	}
}

func splitPort(t *testing.T, rawURL string) (host, port string) {
	t.Helper()
	u := mustURL(rawURL)
	return u.Hostname(), u.Port()
}

// TestWebhookSlowReceiverDoesNotDelayTheRoom: a webhook that never
// answers holds up nothing in the room: every message mentioning its bot
// reaches the members at once.
func TestWebhookSlowReceiverDoesNotDelayTheRoom(t *testing.T) {
	srv, hs := startServer(t, func(c *Config) { c.OutgoingAllowPrivate = true })
	w := newBotWorld(t, srv, hs)
	release := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(stuck.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handlers end, then the server
	w.admin.makeBot("slow", stuck.URL)
	waitWebhookReaders(t, srv, 1)
	olga, mia := openSocket(t, w.olga, hs), openSocket(t, w.mia, hs)
	olga.joinAfter("town", 0)
	mia.joinAfter("town", 0)
	start := time.Now()
	const n = 3 * notify.WebhookParallel // more than the calls a node makes at once
	for i := range n {
		olga.send(wire.Event{Type: wire.TypeSend, Room: "town", ID: "s" + strconv.Itoa(i), Text: "@slow are you there"})
	}
	mia.msgs("town", n)
	// On the hub's path, each would wait out the 10 s call timeout.
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("%d messages took %v to reach a member while their webhook hung", n, d)
	}
}

// TestWebhookConsumerMadeAgainWhenDeleted: the shared consumer deleted
// under the nodes (an operator, or a NATS that lost its state) is made
// again, and webhooks are called again for the messages after it.
func TestWebhookConsumerMadeAgainWhenDeleted(t *testing.T) {
	srv, hs := startServer(t, func(c *Config) { c.OutgoingAllowPrivate = true })
	w := newBotWorld(t, srv, hs)
	rc := newReceiver(t, nil)
	w.admin.makeBot("ci", rc.URL)
	waitWebhookReaders(t, srv, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.broker.JetStream().DeleteConsumer(ctx, broker.StreamName, notify.WebhookConsumer); err != nil {
		t.Fatal(err)
	}
	mia := openSocket(t, w.mia, hs)
	mia.joinAfter("town", 0)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		mia.say("town", "m"+strconv.Itoa(i), "@ci are you back")
		if calls := rc.collect(300 * time.Millisecond); len(calls) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no webhook call 10 s after the consumer was deleted")
		}
	}
}

// TestWebhookConsumerOnlyWithAWebhook: bots without webhooks cost the
// stream no consumer; the first webhook makes it.
func TestWebhookConsumerOnlyWithAWebhook(t *testing.T) {
	srv, hs := startServer(t, func(c *Config) { c.OutgoingAllowPrivate = true })
	w := newBotWorld(t, srv, hs)
	_, ci, _ := w.admin.makeBot("ci", "")
	if code, out, _ := postAsBot(t, hs, ci, "town", map[string]string{"text": "@ci hello"}); code != http.StatusCreated {
		t.Fatalf("post: %d %v", code, out)
	}
	time.Sleep(300 * time.Millisecond) // what a node takes to see a bot, many times over
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := srv.broker.JetStream().Consumer(ctx, broker.StreamName, notify.WebhookConsumer); err == nil {
		t.Fatal("a webhook consumer exists with no webhook")
	}
	rc := newReceiver(t, nil)
	w.admin.makeBot("hooked", rc.URL)
	waitWebhookReaders(t, srv, 1)
}
