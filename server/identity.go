package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"chat/server/auth"
	"chat/server/broker"
	"chat/server/files"
	"chat/server/hub"
	"chat/server/msgstate"
	"chat/server/presence"
	"chat/server/push"
	"chat/server/reads"
	"chat/server/rooms"
	"chat/wire"
)

// openRetry runs open until it works, retrying while a cluster is still
// settling its JetStream leaders; what it opens is named in the error.
func openRetry(ctx context.Context, what string, open func(context.Context) error) error {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := open(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, err)
		case <-time.After(delay):
		}
	}
}

// openAuth opens the accounts and sessions on the broker's NATS.
func openAuth(ctx context.Context, b *broker.NATS) (st *auth.Store, err error) {
	err = openRetry(ctx, "accounts", func(ctx context.Context) (err error) {
		st, err = auth.Open(ctx, b.JetStream(), &auth.Options{Replicas: b.Replicas()})
		return err
	})
	return st, err
}

// openRooms opens the rooms and their members on the broker's NATS.
func openRooms(ctx context.Context, b *broker.NATS) (st *rooms.Store, err error) {
	err = openRetry(ctx, "rooms", func(ctx context.Context) (err error) {
		st, err = rooms.Open(ctx, b.JetStream(), b.Replicas())
		return err
	})
	return st, err
}

// openStates opens the messages' edits and reactions on the broker's NATS.
func openStates(ctx context.Context, b *broker.NATS) (st *msgstate.Store, err error) {
	err = openRetry(ctx, "message state", func(ctx context.Context) (err error) {
		st, err = msgstate.Open(ctx, b.JetStream(), b.Replicas())
		return err
	})
	return st, err
}

// openReads opens how far each person has read each room.
func openReads(ctx context.Context, b *broker.NATS) (st *reads.Store, err error) {
	err = openRetry(ctx, "read marks", func(ctx context.Context) (err error) {
		st, err = reads.Open(ctx, b.JetStream(), b.Replicas())
		return err
	})
	return st, err
}

// openFiles opens the attachments, bounded as cfg says, kept as long as
// the history.
func openFiles(ctx context.Context, b *broker.NATS, cfg Config) (st *files.Store, err error) {
	err = openRetry(ctx, "files", func(ctx context.Context) (err error) {
		st, err = files.Open(ctx, b.JetStream(), &files.Options{
			MaxFile: cfg.FileMax, MaxPerPerson: cfg.FilesPerPerson, MaxTotal: cfg.FilesMaxBytes,
			TTL: cfg.HistoryMaxAge, Replicas: b.Replicas(),
		})
		return err
	})
	return st, err
}

// openPush opens the Web Push keys, subscriptions and choices.
func openPush(ctx context.Context, b *broker.NATS, every time.Duration) (st *push.Store, err error) {
	err = openRetry(ctx, "push", func(ctx context.Context) (err error) {
		st, err = push.Open(ctx, b.JetStream(), b.Replicas(), every)
		return err
	})
	return st, err
}

// signedIn finds this node's connections by the sign-in session they came
// with, so that a session that ends (signed out, revoked, banned) closes
// them within a second, on every node (each watches the sessions bucket);
// and by user, so that a person taken out of a room leaves it on every
// device at once.
type signedIn struct {
	online *presence.Online // set by New, before the first connection

	mu    sync.Mutex
	keys  map[string]map[*session]struct{}
	users map[string]map[*session]struct{}
}

func (b *signedIn) add(ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keys == nil {
		b.keys = make(map[string]map[*session]struct{})
		b.users = make(map[string]map[*session]struct{})
	}
	if ss.sessKey != "" { // a connection token has no session to end
		addTo(b.keys, ss.sessKey, ss)
	}
	addTo(b.users, ss.user, ss)
	b.online.Add(ss.user)
}

func addTo(m map[string]map[*session]struct{}, key string, ss *session) {
	if m[key] == nil {
		m[key] = make(map[*session]struct{})
	}
	m[key][ss] = struct{}{}
}

func removeFrom(m map[string]map[*session]struct{}, key string, ss *session) {
	delete(m[key], ss)
	if len(m[key]) == 0 {
		delete(m, key)
	}
}

func (b *signedIn) remove(ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ss.sessKey != "" {
		removeFrom(b.keys, ss.sessKey, ss)
	}
	removeFrom(b.users, ss.user, ss)
	b.online.Remove(ss.user)
}

// of lists the connections under key in *m, b.keys or b.users: their
// address, because add makes the maps under the lock, so even reading the
// field must wait for it (the race detector caught a rooms event read
// beside a first sign-in).
func (b *signedIn) of(m *map[string]map[*session]struct{}, key string) []*session {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*session
	for ss := range (*m)[key] {
		out = append(out, ss)
	}
	return out
}

// ended closes the connections of a session that ended.
func (b *signedIn) ended(key string) {
	for _, ss := range b.of(&b.keys, key) {
		ss.client.Close(hub.DisconnectSessionEnded)
	}
}

// roomsChanged tells user's connections that their list of rooms changed.
func (b *signedIn) roomsChanged(user string) {
	frame := wire.Encode(wire.Event{Type: wire.TypeRooms})
	for _, ss := range b.of(&b.users, user) {
		ss.client.Send(frame)
	}
}

// readChanged tells user's connections how far they have read room now.
func (b *signedIn) readChanged(user, room string, seq uint64) {
	frame := wire.Encode(wire.Event{Type: wire.TypeRead, Room: room, Seq: seq})
	for _, ss := range b.of(&b.users, user) {
		ss.client.Send(frame)
	}
}

// removed takes user's connections out of a room they were removed from,
// and tells each why.
func (b *signedIn) removed(room, user string) {
	for _, ss := range b.of(&b.users, user) {
		if ss.srv.hub.Leave(ss.client, room) {
			ss.reply(wire.Event{Type: wire.TypeError, Code: wire.CodeForbidden, Room: room,
				Text: "you are no longer a member of this room"})
		}
	}
}
