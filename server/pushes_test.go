package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"chat/internal/pushtest"
	"chat/server/broker"
	"chat/server/notify"
	"chat/server/push"
)

// waitConsumed waits until the shared consumer name has dealt with the
// stored message seq (its ack floor passed it), on any node.
func waitConsumed(t *testing.T, srv *Server, name string, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var floor uint64
		c, err := srv.broker.JetStream().Consumer(ctx, broker.StreamName, name)
		if err == nil {
			if info, err := c.Info(ctx); err == nil {
				floor = info.AckFloor.Stream
			}
		}
		cancel()
		if floor >= seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s has not dealt with message %d in 10 s (ack floor %d, %v)", name, seq, floor, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// trustingPushes makes servers call push services over TLS with the
// test services' certificate, on loopback.
func trustingPushes(svcs ...*pushtest.Service) func(*Config) {
	pool := x509.NewCertPool()
	for _, s := range svcs {
		pool.AddCert(s.Certificate())
	}
	return func(c *Config) {
		c.OutgoingAllowPrivate = true
		c.OutgoingTLS = &tls.Config{RootCAs: pool}
		c.PushEvery = time.Second
		c.PushContact = "mailto:ops@example.org"
	}
}

func pushedAt(t *testing.T, svc *pushtest.Service, n int) push.Notification {
	t.Helper()
	got := svc.Wait(t, n, 10*time.Second)
	var p push.Notification
	if err := json.Unmarshal(got[n-1].Payload, &p); err != nil {
		t.Fatalf("push %d: %s: %v", n, got[n-1].Payload, err)
	}
	return p
}

// TestPushReachesClosedAppsOnly: on two nodes, a mention, a direct
// message, a choice of everything are pushed to a person's device while
// they have no connection open anywhere; not while they have one (on
// the other node), not twice within the spacing, not for a room they
// cannot read or chose to hear nothing of; a private conversation's text
// only with previews chosen; a device whose push service says it is gone
// is forgotten.
func TestPushReachesClosedAppsOnly(t *testing.T) {
	t.Parallel()
	_, natsURL := startNATS(t, t.TempDir(), 0)
	phone, samPhone := pushtest.New(t), pushtest.New(t)
	srvs, hs := startNodes(t, natsURL, 2, trustingPushes(phone, samPhone))
	w := newAuthzWorld(t, srvs[0], hs[0])
	sam := w.people[3].p
	for who, sub := range map[*person]any{w.mia: phone.Sub, sam: samPhone.Sub} {
		if code, out := (&person{t: t, hs: hs[1], hc: who.hc}).call("POST", "/api/push/subscriptions", sub); code != http.StatusCreated {
			t.Fatalf("subscribe: %d %v", code, out)
		}
	}
	olga := openSocket(t, w.olga, hs[0])
	for _, room := range []string{"town", w.priv, w.direct} {
		olga.joinAfter(room, 0)
	}
	seq := olga.say("town", "p1", "hey @mia, look at this")
	if p := pushedAt(t, phone, 1); p.Title != "olga in #town" || p.Body != "hey @mia, look at this" || p.Path != "/?room=town&seq="+strconv.FormatUint(seq, 10) {
		t.Errorf("a mention's push: %+v", p)
	}
	if p := phone.Wait(t, 1, time.Second)[0]; p.Subscriber != "mailto:ops@example.org" || p.Key != srvs[1].push.PublicKey() {
		t.Errorf("signed %s by %s, want the server's key", p.Subscriber, p.Key)
	}
	// Not pushed: no mention; a mention where sam may not read; sam
	// mentioned in town is.
	olga.say("town", "p2", "nobody named")
	olga.say(w.priv, "p3", "@sam cannot read this")
	seq = olga.say("town", "p4", "@sam hello")
	if p := pushedAt(t, samPhone, 1); p.Body != "@sam hello" {
		t.Errorf("sam's push: %+v", p)
	}
	waitConsumed(t, srvs[0], notify.PushConsumer, seq)
	if got, _ := samPhone.Pushes(); len(got) != 1 {
		t.Errorf("sam got %d pushes, want 1 (none from the private room)", len(got))
	}
	// A direct message: pushed without its text; again at once: spaced out.
	time.Sleep(1100 * time.Millisecond) // past the spacing of town's push
	olga.say(w.direct, "p5", "the secret plan")
	if p := pushedAt(t, phone, 2); p.Title != "olga" || p.Body != "wrote to you" {
		t.Errorf("a direct message's push: %+v", p)
	}
	seq = olga.say(w.direct, "p6", "and more")
	waitConsumed(t, srvs[0], notify.PushConsumer, seq)
	// With previews chosen, the text; with nothing chosen, no push.
	dm := &person{t: t, hs: hs[1], hc: w.mia.hc}
	if code, out := dm.call("PUT", "/api/rooms/"+w.direct+"/notify", push.Choice{Level: push.All, Previews: true}); code != http.StatusNoContent {
		t.Fatalf("choice: %d %v", code, out)
	}
	if code, out := dm.call("PUT", "/api/rooms/town/notify", push.Choice{Level: push.Nothing}); code != http.StatusNoContent {
		t.Fatalf("choice: %d %v", code, out)
	}
	time.Sleep(1100 * time.Millisecond)
	olga.say("town", "p7", "@mia in a room she silenced")
	olga.say(w.direct, "p8", "second secret")
	if p := pushedAt(t, phone, 3); p.Body != "second secret" {
		t.Errorf("with previews: %+v", p)
	}
	// With the app open on the other node: nothing.
	mia := openSocket(t, w.mia, hs[1])
	mia.joinAfter(w.direct, 0)
	time.Sleep(1100 * time.Millisecond)
	seq = olga.say(w.direct, "p9", "are you there?")
	waitConsumed(t, srvs[0], notify.PushConsumer, seq)
	if got, _ := phone.Pushes(); len(got) != 3 {
		t.Errorf("%d pushes, want 3: one went to a person with the app open, or to a silenced room", len(got))
	}
	mia.c.CloseNow()
	// Gone: the device is forgotten.
	phone.Answer(http.StatusGone)
	deadline := time.Now().Add(10 * time.Second)
	for n := 4; ; n++ {
		olga.say(w.direct, "g"+strconv.Itoa(n), "still there?")
		time.Sleep(1100 * time.Millisecond)
		if devs, _ := srvs[0].push.Devices(context.Background(), w.miaID); len(devs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a device whose push service answered 410 is still kept")
		}
	}
	var sent, failed uint64
	for _, s := range srvs {
		sent, failed = sent+s.metrics.Pushes.Load(), failed+s.metrics.PushFails.Load()
	}
	if sent != 4 || failed < 1 {
		t.Errorf("chat_pushes_total %d (want 4: three to mia, one to sam), chat_push_failures_total %d (want the 410s)", sent, failed)
	}
}

// TestPushCallsAreRefusedToOthers: who may subscribe and choose, and the
// refusals for everyone else.
func TestPushCallsAreRefusedToOthers(t *testing.T) {
	srv, hs := startServer(t, nil)
	w := newAuthzWorld(t, srv, hs)
	sub := pushtest.New(t).Sub // on loopback: refused without -outgoing-allow-private
	guest, stranger := w.people[4].p, w.people[3].p
	if code, out := w.olga.call("GET", "/api/push/key", nil); code != http.StatusOK || out["key"] != srv.push.PublicKey() {
		t.Errorf("the key: %d %v", code, out)
	}
	if code, _ := newPerson(t, hs).call("GET", "/api/push/key", nil); code != http.StatusUnauthorized {
		t.Errorf("the key, signed out: %d", code)
	}
	for name, c := range map[string]struct {
		p      *person
		method string
		path   string
		body   any
		want   int
		header []string
	}{
		"a loopback endpoint":            {w.olga, "POST", "/api/push/subscriptions", sub, http.StatusBadRequest, nil},
		"an http endpoint":               {w.olga, "POST", "/api/push/subscriptions", map[string]any{"endpoint": "http://push.example/x", "keys": sub.Keys}, http.StatusBadRequest, nil},
		"a guest subscribing":            {guest, "POST", "/api/push/subscriptions", sub, http.StatusForbidden, nil},
		"signed out subscribing":         {newPerson(t, hs), "POST", "/api/push/subscriptions", sub, http.StatusUnauthorized, nil},
		"a cross-site subscribe":         {w.olga, "POST", "/api/push/subscriptions", sub, http.StatusForbidden, []string{"Sec-Fetch-Site", "cross-site"}},
		"a stranger's choice, private":   {stranger, "PUT", "/api/rooms/" + w.priv + "/notify", push.Choice{Level: push.All}, http.StatusForbidden, nil},
		"a stranger reading it":          {stranger, "GET", "/api/rooms/" + w.priv + "/notify", nil, http.StatusForbidden, nil},
		"a choice for a missing room":    {stranger, "PUT", "/api/rooms/" + w.missing + "/notify", push.Choice{Level: push.All}, http.StatusForbidden, nil},
		"a bad level":                    {w.mia, "PUT", "/api/rooms/" + w.priv + "/notify", map[string]string{"level": "loud"}, http.StatusBadRequest, nil},
		"a member's choice":              {w.mia, "PUT", "/api/rooms/" + w.priv + "/notify", push.Choice{Level: push.All}, http.StatusNoContent, nil},
		"a cross-site choice":            {w.mia, "PUT", "/api/rooms/town/notify", push.Choice{Level: push.All}, http.StatusForbidden, []string{"Origin", "https://evil.example"}},
		"a guest's choice":               {guest, "PUT", "/api/rooms/town/notify", push.Choice{Level: push.All}, http.StatusForbidden, nil},
		"signed out, unsubscribing":      {newPerson(t, hs), "DELETE", "/api/push/subscriptions", sub, http.StatusUnauthorized, nil},
		"a cross-site unsubscribe":       {w.olga, "DELETE", "/api/push/subscriptions", sub, http.StatusForbidden, []string{"Sec-Fetch-Site", "cross-site"}},
		"unsubscribing what is not kept": {w.olga, "DELETE", "/api/push/subscriptions", sub, http.StatusNoContent, nil},
	} {
		if code, out := c.p.call(c.method, c.path, c.body, c.header...); code != c.want {
			t.Errorf("%s: %d %v, want %d", name, code, out, c.want)
		}
	}
	code, out := w.mia.call("GET", "/api/rooms/"+w.priv+"/notify", nil)
	if code != http.StatusOK || out["level"] != "all" {
		t.Errorf("mia's choice read back: %d %v", code, out)
	}
	if code, out := w.mia.call("GET", "/api/rooms/"+w.direct+"/notify", nil); code != http.StatusOK || out["level"] != "all" || out["previews"] != nil {
		t.Errorf("a direct message's default: %d %v", code, out)
	}
	if code, out := w.mia.call("GET", "/api/rooms/town/notify", nil); code != http.StatusOK || out["level"] != "mentions" {
		t.Errorf("a room's default: %d %v", code, out)
	}
}
