package server

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"chat/server/auth"
	"chat/server/broker"
	"chat/server/files"
	"chat/server/msgstate"
	"chat/server/push"
	"chat/server/reads"
	"chat/server/rooms"
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

// openStores opens the state kept in NATS beside the history: accounts,
// rooms, messages' edits and reactions, read marks, files, push.
func (s *Server) openStores(ctx context.Context, b *broker.NATS, cfg Config) (err error) {
	if s.auth, err = openAuth(ctx, b); err != nil {
		return err
	}
	if s.rooms, err = openRooms(ctx, b); err != nil {
		return err
	}
	if s.states, err = openStates(ctx, b); err != nil {
		return err
	}
	if s.reads, err = openReads(ctx, b); err != nil {
		return err
	}
	if s.files, err = openFiles(ctx, b, cfg); err != nil {
		return err
	}
	s.push, err = openPush(ctx, b, cmp.Or(cfg.PushEvery, 30*time.Second))
	return err
}
