package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"chat/server/auth"
	"chat/server/broker"
	"chat/server/hub"
)

// openAuth opens the accounts and sessions on the broker's NATS, retrying
// while a cluster is still settling its JetStream leaders.
func openAuth(ctx context.Context, b *broker.NATS) (*auth.Store, error) {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := auth.Open(actx, b.JetStream(), &auth.Options{Replicas: b.Replicas()})
		cancel()
		if err == nil {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("accounts: %w", err)
		case <-time.After(delay):
		}
	}
}

// bySession finds this node's connections by the sign-in session they came
// with, so that a session that ends (signed out, revoked, banned) closes
// them within a second, on every node (each watches the sessions bucket).
type bySession struct {
	mu sync.Mutex
	m  map[string]map[*session]struct{}
}

func (b *bySession) add(key string, ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = make(map[string]map[*session]struct{})
	}
	if b.m[key] == nil {
		b.m[key] = make(map[*session]struct{})
	}
	b.m[key][ss] = struct{}{}
}

func (b *bySession) remove(key string, ss *session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m[key], ss)
	if len(b.m[key]) == 0 {
		delete(b.m, key)
	}
}

// ended closes the connections of a session that ended.
func (b *bySession) ended(key string) {
	b.mu.Lock()
	var closing []*session
	for ss := range b.m[key] {
		closing = append(closing, ss)
	}
	b.mu.Unlock()
	for _, ss := range closing {
		ss.client.Close(hub.DisconnectSessionEnded)
	}
}
