// Package notify tells people and bots about stored messages, off the
// fan-out path: Web Push to the devices of people whose app is closed,
// and bots' webhooks. Both read shared JetStream consumers on the chat
// stream, so that each message is looked at once across the cluster; the
// live feed and the hub never wait for them, and nothing calls them: a
// stored message is all they need.
package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"chat/server/auth"
	"chat/server/metrics"
	"chat/server/outgoing"
	"chat/server/rooms"
	"chat/wire"
)

// Webhooks: a bot with a webhook is called when a message mentions it
// (@name, in a room it may read) or is sent in a direct message it is in.
//
// Once per message across a cluster, not once per node: every node reads
// one durable JetStream pull consumer on the chat stream, so each message
// goes to one node, which calls the webhooks it is for and acks it. A
// failed call is retried by NATS: NakWithDelay with a doubling delay,
// bounded by the consumer's MaxDeliver. This is off the fan-out path:
// the live feed and the hub never wait for it, and a node that is slow
// calling webhooks only takes fewer of them.
//
// The consumer is made when a bot first has a webhook (by whichever node
// sees it first) and starts at new messages; while no bot has one, no
// node reads it, and NATS drops it after webhookIdle.
//
// Delivery is at least once: a node that dies mid-call leaves the message
// to be redelivered, and X-Chat-Delivery lets a receiver drop a repeat. A
// retry of a message that was for several bots calls only those not yet
// called (webhookCalledBucket). Messages posted by bots call no webhook, so that two bots
// cannot answer each other forever.

const (
	WebhookConsumer = "chat_webhooks"
	webhookIdle     = time.Hour
	// webhookAckWait bounds a message's calls before NATS hands it to
	// another node; a call is bounded by the client's 10 s timeout, and
	// InProgress renews it between calls.
	webhookAckWait = 30 * time.Second
	// WebhookParallel bounds the calls in flight on a node.
	WebhookParallel = 8
	// webhookCalledBucket remembers, for a message that is for several
	// bots, which were called, so that a retry for one that failed does
	// not call the others again; longer than all the attempts take.
	webhookCalledBucket = "chat_webhook_calls"
	webhookCalledTTL    = time.Hour
)

// Headers of a webhook call: a receiver checks the signature over the
// timestamp and the body, and drops a repeat by the delivery.
const (
	HeaderTimestamp = "X-Chat-Timestamp" // unix seconds
	HeaderSignature = "X-Chat-Signature" // sha256=<hex HMAC-SHA256 of timestamp "." body>
	HeaderDelivery  = "X-Chat-Delivery"  // room.seq.bot: the same on a retry
	HeaderAttempt   = "X-Chat-Attempt"   // 1, 2, ...
)

// WebhookBody is what a webhook receives, as JSON.
type WebhookBody struct {
	Reason string     `json:"reason"` // "mention" or "direct"
	Bot    WebhookBot `json:"bot"`
	Room   string     `json:"room"`
	Seq    uint64     `json:"seq"`
	ID     string     `json:"id,omitempty"`
	From   string     `json:"from"`
	User   string     `json:"user,omitempty"`
	Guest  bool       `json:"guest,omitempty"`
	Text   string     `json:"text"`
	TS     time.Time  `json:"ts"`
}

// WebhookBot names the bot a call is for.
type WebhookBot struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// webhooks is a node's part of the webhook consumer.
type webhooks struct {
	consumer *sharedConsumer
	called   jetstream.KeyValue // see webhookCalledBucket; made before the first read
	rooms    *rooms.Store
	log      *slog.Logger
	client   *outgoing.Client
	backoff  time.Duration
	metrics  *metrics.Metrics

	mu   sync.Mutex
	bots map[string]auth.Bot // live bots with a webhook, by id
}

// StartWebhooks watches the bots and reads the webhook consumer while
// any has a webhook, until ctx ends.
func StartWebhooks(ctx context.Context, o *Options) error {
	h := &webhooks{
		rooms:   o.Rooms,
		log:     o.Logger,
		client:  outgoing.New(&outgoing.Options{AllowPrivate: o.AllowPrivate, TLS: o.TLS}),
		backoff: cmp.Or(o.WebhookBackoff, time.Second),
		metrics: o.Metrics,
		bots:    make(map[string]auth.Bot),
	}
	c := newSharedConsumer(o.JetStream, WebhookConsumer, "bots' webhooks: each message once, across the cluster", WebhookParallel, o.Logger)
	c.attempts = cmp.Or(max(o.WebhookAttempts, 0), 5)
	c.ackWait, c.idle = webhookAckWait, webhookIdle
	c.wanted = func() bool { return len(h.hooked()) > 0 }
	c.handle = h.deliver
	replicas := o.Replicas
	c.prepare = func(ctx context.Context) error {
		kv, err := c.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: webhookCalledBucket, Description: "webhooks called for messages that were for several bots",
			History: 1, TTL: webhookCalledTTL, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
		})
		if err != nil {
			return fmt.Errorf("KV bucket %s: %w", webhookCalledBucket, err)
		}
		h.called = kv
		return nil
	}
	h.consumer = c
	if err := o.Auth.WatchBots(ctx, h.changed, h.gone); err != nil {
		return err
	}
	go c.run(ctx)
	return nil
}

func (h *webhooks) changed(b auth.Bot) {
	h.mu.Lock()
	if b.Webhook != "" {
		h.bots[b.ID] = b
	} else {
		delete(h.bots, b.ID)
	}
	h.mu.Unlock()
	h.consumer.poke()
}

func (h *webhooks) gone(id string) {
	h.mu.Lock()
	delete(h.bots, id)
	h.mu.Unlock()
	h.consumer.poke()
}

// hooked is the bots with a webhook now.
func (h *webhooks) hooked() []auth.Bot {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]auth.Bot, 0, len(h.bots))
	for _, b := range h.bots {
		out = append(out, b)
	}
	return out
}

// webhookTarget is a bot a message is for, and why.
type webhookTarget struct {
	bot    auth.Bot
	reason string
}

// deliver calls the webhooks a stored event is for, and acks it, or asks
// NATS for it again later when a call failed and may work next time.
func (h *webhooks) deliver(ctx context.Context, m jetstream.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		_ = m.Term()
		return
	}
	ev, err := wire.Decode(m.Data())
	if err != nil || ev.Type != wire.TypeMsg || ev.Bot {
		_ = m.Ack()
		return
	}
	ev.Room, ev.Seq = strings.TrimPrefix(m.Subject(), "chat.room."), meta.Sequence.Stream
	targets, err := h.targets(ctx, ev)
	if err != nil {
		h.retry(m, meta, fmt.Errorf("room %s: %w", ev.Room, err))
		return
	}
	var failed error
	several := len(targets) > 1
	for i, t := range targets {
		if i > 0 {
			_ = m.InProgress()
		}
		key := fmt.Sprintf("c.%d.%s", ev.Seq, t.bot.ID)
		if several && meta.NumDelivered > 1 {
			if _, err := h.called.Get(ctx, key); err == nil {
				continue // called on an earlier attempt
			}
		}
		err := h.call(ctx, t, ev, int(meta.NumDelivered))
		if err != nil {
			h.metrics.HookFails.Add(1)
		} else {
			h.metrics.HookCalls.Add(1)
		}
		var perm permanentError
		switch {
		case errors.As(err, &perm):
			h.log.Warn("webhook refused: not retried", "bot", t.bot.Name, "room", ev.Room, "seq", ev.Seq, "err", err)
		case err != nil:
			failed = err
			h.log.Warn("webhook failed", "bot", t.bot.Name, "room", ev.Room, "seq", ev.Seq, "attempt", meta.NumDelivered, "err", err)
			continue
		}
		if several {
			if _, err := h.called.Put(ctx, key, nil); err != nil {
				h.log.Warn("webhook call not remembered: a retry may call it again", "bot", t.bot.Name, "err", err)
			}
		}
	}
	if failed != nil {
		h.retry(m, meta, failed)
		return
	}
	_ = m.Ack()
}

// retry hands the message back to NATS for a later attempt.
func (h *webhooks) retry(m jetstream.Msg, meta *jetstream.MsgMetadata, err error) {
	h.consumer.retryLater(m, meta, h.backoff, err)
}

// targets are the bots with a webhook that ev is for: mentioned in a room
// they may read, or in the direct message it was sent in. A bot never
// hears a message it could not read in its room, nor one older than
// itself.
func (h *webhooks) targets(ctx context.Context, ev wire.Event) ([]webhookTarget, error) {
	bots := h.hooked()
	if len(bots) == 0 {
		return nil, nil
	}
	direct := false
	if rooms.Reserved(ev.Room) {
		rm, ok, err := h.rooms.Get(ctx, ev.Room)
		if err != nil {
			return nil, err
		}
		direct = ok && rm.Kind == rooms.Direct
	}
	var out []webhookTarget
	for _, b := range bots {
		if b.ID == ev.User || ev.TS.Before(b.Created) {
			continue
		}
		reason := ""
		switch {
		case mentions(ev.Text, b.Name):
			reason = "mention"
		case direct:
			reason = "direct"
		default:
			continue
		}
		err := h.rooms.Can(ctx, rooms.Who{User: b.ID, Account: true}, rooms.Join, ev.Room)
		if errors.Is(err, rooms.ErrForbidden) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, webhookTarget{bot: b, reason: reason})
	}
	return out, nil
}

// permanentError is a call that will fail the same way again: an address
// refused, a URL that cannot be, a 4xx answer other than 429.
type permanentError struct{ error }

// call posts ev to t's webhook, signed with the bot's secret.
func (h *webhooks) call(ctx context.Context, t webhookTarget, ev wire.Event, attempt int) error {
	body, _ := json.Marshal(WebhookBody{
		Reason: t.reason, Bot: WebhookBot{ID: t.bot.ID, Name: t.bot.Name},
		Room: ev.Room, Seq: ev.Seq, ID: ev.ID, From: ev.From, User: ev.User, Guest: ev.Guest, Text: ev.Text, TS: ev.TS,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.bot.Webhook, bytes.NewReader(body))
	if err != nil {
		return permanentError{err}
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chat-webhook")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, signWebhook(t.bot.Secret, ts, body))
	req.Header.Set(HeaderDelivery, fmt.Sprintf("%s.%d.%s", ev.Room, ev.Seq, t.bot.ID))
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	reply, err := h.client.Do(req)
	switch {
	case errors.Is(err, outgoing.ErrRefused):
		return permanentError{err}
	case err != nil:
		return err
	case reply.Status >= 200 && reply.Status < 300:
		return nil
	case reply.Status == http.StatusTooManyRequests || reply.Status >= 500:
		return fmt.Errorf("answered %d", reply.Status)
	default:
		return permanentError{fmt.Errorf("answered %d", reply.Status)}
	}
}

// signWebhook is the signature header's value: HMAC-SHA256 with the bot's
// secret over the timestamp, a dot and the body, so that a receiver can
// tell the call is the server's and refuse an old one replayed.
func signWebhook(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// mentions reports whether text mentions @name (any case): after the
// start, a space or punctuation, and not continued by a letter, digit, -
// or _ (the app marks mentions the same way).
func mentions(text, name string) bool {
	for i := 0; i+1+len(name) <= len(text); {
		at := strings.IndexByte(text[i:], '@')
		if at < 0 {
			return false
		}
		at += i
		i = at + 1
		if at > 0 {
			if prev, _ := utf8.DecodeLastRuneInString(text[:at]); isNameRune(prev) {
				continue // an address, not a mention
			}
		}
		end := at + 1 + len(name)
		if end > len(text) || !strings.EqualFold(text[at+1:end], name) {
			continue
		}
		if next, _ := utf8.DecodeRuneInString(text[end:]); end == len(text) || !isNameRune(next) {
			return true
		}
	}
	return false
}

func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-'
}
