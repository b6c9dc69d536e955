package notify

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"chat/server/auth"
	"chat/server/metrics"
	"chat/server/outgoing"
	"chat/server/presence"
	"chat/server/push"
	"chat/server/rooms"
	"chat/wire"
)

// Pushes: Web Push for the installed app when it is closed. A stored
// message is for a person when it mentions them (@name) in a room they
// may read, is sent in a direct message of theirs, or is in a room they
// chose to hear everything of (push.Choice); it is pushed to each of
// their devices unless they have a connection open anywhere in the
// cluster (then their page tells them itself, with a notification while
// it is hidden: onlineUsers), at most once a room per device every
// Config.PushEvery (push.Store.Claim), with no text from a private room
// or direct message unless they chose previews.
//
// Each message is looked at once across the cluster, through one shared
// consumer (sharedConsumer), read while any device is subscribed. A push
// is not retried: a push service that fails now is asked again by the
// next message, and a retry could ring a device twice.

const (
	PushConsumer = "chat_push"
	pushParallel = 8
	pushAckWait  = 30 * time.Second
	pushIdle     = time.Hour
	// pushAllCache is how long a node keeps who chose to hear all of a
	// public room (a KV listing) before reading it again.
	pushAllCache = 30 * time.Second
)

type pushes struct {
	consumer *sharedConsumer
	store    *push.Store
	auth     *auth.Store
	rooms    *rooms.Store
	online   *presence.Online
	hc       *http.Client
	contact  string
	log      *slog.Logger
	metrics  *metrics.Metrics

	mu      sync.Mutex
	devices map[string]struct{} // every subscribed device's key: the consumer is read while there is one
	all     map[string]allChoice
}

type allChoice struct {
	users []string
	at    time.Time
}

// StartPushes reads the push consumer while any device is subscribed,
// until ctx ends.
func StartPushes(ctx context.Context, o *Options) error {
	p := &pushes{
		store: o.Push, auth: o.Auth, rooms: o.Rooms, online: o.Online, log: o.Logger,
		hc:      outgoing.New(&outgoing.Options{AllowPrivate: o.AllowPrivate, TLS: o.TLS}).HTTP(),
		contact: cmp.Or(o.PushContact, "mailto:admin@localhost"),
		metrics: o.Metrics,
		devices: make(map[string]struct{}),
		all:     make(map[string]allChoice),
	}
	c := newSharedConsumer(o.JetStream, PushConsumer, "Web Push: each message once, across the cluster", pushParallel, o.Logger)
	c.attempts, c.ackWait, c.idle = 3, pushAckWait, pushIdle
	c.handle = p.deliver
	c.wanted = func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.devices) > 0
	}
	p.consumer = c
	err := o.Push.WatchDevices(ctx, func(key string, subscribed bool) {
		p.mu.Lock()
		if subscribed {
			p.devices[key] = struct{}{}
		} else {
			delete(p.devices, key)
		}
		p.mu.Unlock()
		c.poke()
	})
	if err != nil {
		return err
	}
	go c.run(ctx)
	return nil
}

// pushTarget is a person a message is for, and whether it names them.
type pushTarget struct {
	user      string
	mentioned bool
}

func (p *pushes) deliver(ctx context.Context, m jetstream.Msg) {
	defer func() { _ = m.Ack() }()
	meta, err := m.Metadata()
	if err != nil {
		return
	}
	ev, err := wire.Decode(m.Data())
	if err != nil || ev.Type != wire.TypeMsg || ev.User == "" {
		return
	}
	ev.Room, ev.Seq = strings.TrimPrefix(m.Subject(), "chat.room."), meta.Sequence.Stream
	rm, direct, err := p.room(ctx, ev.Room)
	if err != nil {
		p.log.Warn("push: room not read", "room", ev.Room, "err", err)
		return
	}
	targets, err := p.targets(ctx, ev, rm, direct)
	if err != nil {
		p.log.Warn("push: who to tell not found", "room", ev.Room, "seq", ev.Seq, "err", err)
		return
	}
	for _, t := range targets {
		if err := p.tell(ctx, t, ev, rm, direct); err != nil {
			p.log.Warn("push failed", "room", ev.Room, "seq", ev.Seq, "err", err)
		}
	}
}

// room is a server-named room's record; a public room has none.
func (p *pushes) room(ctx context.Context, id string) (rm rooms.Room, direct bool, err error) {
	if !rooms.Reserved(id) {
		return rooms.Room{ID: id, Kind: rooms.Public}, false, nil
	}
	rm, _, err = p.rooms.Get(ctx, id)
	return rm, rm.Kind == rooms.Direct, err
}

// targets are the people ev is for: its room's members (a direct
// message's, or those of a private room who chose all), who chose all of
// a public room, and whoever it mentions; never its sender.
func (p *pushes) targets(ctx context.Context, ev wire.Event, rm rooms.Room, direct bool) ([]pushTarget, error) {
	seen := map[string]int{}
	var out []pushTarget
	addUser := func(user string, mentioned bool) {
		if user == ev.User {
			return
		}
		if i, ok := seen[user]; ok {
			out[i].mentioned = out[i].mentioned || mentioned
			return
		}
		seen[user] = len(out)
		out = append(out, pushTarget{user: user, mentioned: mentioned})
	}
	if rm.Kind == rooms.Public {
		all, err := p.allOf(ctx, rm.ID)
		if err != nil {
			return nil, err
		}
		for _, u := range all {
			addUser(u, false)
		}
	} else {
		members, err := p.rooms.Members(ctx, rm.ID)
		if err != nil {
			return nil, err
		}
		for _, mb := range members {
			addUser(mb.User, mentions(ev.Text, mb.Name))
		}
	}
	for _, name := range mentionedNames(ev.Text) {
		a, err := p.auth.AccountNamed(ctx, name)
		if err != nil || a.Bot {
			continue // no such person: a word after an @
		}
		addUser(a.ID, true)
	}
	return out, nil
}

// allOf is who chose to hear every message of a public room, cached.
func (p *pushes) allOf(ctx context.Context, room string) ([]string, error) {
	p.mu.Lock()
	c, ok := p.all[room]
	p.mu.Unlock()
	if ok && time.Since(c.at) < pushAllCache {
		return c.users, nil
	}
	users, err := p.store.Chose(ctx, room, push.All)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.all[room] = allChoice{users: users, at: time.Now()}
	p.mu.Unlock()
	return users, nil
}

// tell pushes ev to t's devices, if t wants it, may read the room, and
// has no connection open.
func (p *pushes) tell(ctx context.Context, t pushTarget, ev wire.Event, rm rooms.Room, direct bool) error {
	choice, err := p.store.Choice(ctx, t.user, rm.ID, direct)
	if err != nil {
		return err
	}
	if choice.Level == push.Nothing || (choice.Level == push.Mentions && !t.mentioned) {
		return nil
	}
	err = p.rooms.Can(ctx, rooms.Who{User: t.user, Account: true}, rooms.Join, rm.ID)
	if errors.Is(err, rooms.ErrForbidden) {
		return nil // mentioned where they cannot read it
	}
	if err != nil {
		return err
	}
	if on, err := p.online.Anywhere(ctx, t.user); err != nil || on {
		return err
	}
	devices, err := p.store.Devices(ctx, t.user)
	if err != nil {
		return err
	}
	n := pushNotification(ev, rm, direct, t.mentioned, choice.Previews)
	for _, d := range devices {
		if ok, err := p.store.Claim(ctx, d.ID, rm.ID, time.Now()); err != nil || !ok {
			continue
		}
		gone, err := p.store.Send(ctx, p.hc, p.contact, d, n)
		if err != nil || gone {
			p.metrics.PushFails.Add(1)
		} else {
			p.metrics.Pushes.Add(1)
		}
		if gone {
			p.log.Info("push subscription gone: forgotten", "user", t.user, "device", d.ID)
			err = p.store.Forget(ctx, t.user, d.ID)
		}
		if err != nil {
			p.log.Warn("push not sent", "user", t.user, "device", d.ID, "err", err)
		}
	}
	return nil
}

// pushNotification is what a device shows of ev. A private room's or a
// direct message's text is left out unless the person chose previews: a
// push passes through the browser maker's servers.
func pushNotification(ev wire.Event, rm rooms.Room, direct, mentioned, previews bool) push.Notification {
	n := push.Notification{Icon: "/web/icon-192.png", Badge: "/web/icon-192.png",
		Path: "/?room=" + url.QueryEscape(rm.ID) + "&seq=" + strconv.FormatUint(ev.Seq, 10)}
	switch {
	case direct:
		n.Title = ev.From
	case rm.Kind == rooms.Public:
		n.Title = ev.From + " in #" + rm.ID
	default:
		n.Title = ev.From + " in " + cmp.Or(rm.Title, "a private room")
	}
	switch {
	case rm.Kind != rooms.Public && !previews && mentioned:
		n.Body = "mentioned you"
	case rm.Kind != rooms.Public && !previews:
		n.Body = "wrote to you"
		if !direct {
			n.Body = "new message"
		}
	case ev.Text == "" && len(ev.Files) > 0:
		n.Body = "sent " + plural(len(ev.Files), "a file", "files")
	default:
		n.Body = truncate(ev.Text, push.MaxBody)
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return strconv.Itoa(n) + " " + many
}

// truncate cuts s to at most n bytes, on a character, with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// mentionedNames are the names after each @ in text that starts a word.
func mentionedNames(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		at := strings.IndexByte(text[i:], '@')
		if at < 0 {
			break
		}
		at += i
		i = at + 1
		if at > 0 {
			if prev, _ := utf8.DecodeLastRuneInString(text[:at]); isNameRune(prev) {
				continue // an address
			}
		}
		end := i
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if !isNameRune(r) {
				break
			}
			end += size
		}
		if end > i && len(out) < 20 {
			out = append(out, text[i:end])
		}
	}
	return out
}
