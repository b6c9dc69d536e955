package presence

import (
	"context"
	"errors"
	"sync"

	"github.com/nats-io/nats.go"
)

// onlineSubject + a user id is answered by every node that holds one of
// that person's connections.
const onlineSubject = "chat.online."

// Online says, for the whole cluster, whether a person has a
// connection open anywhere: a node subscribes to onlineSubject+user while
// it holds one of their connections, so that a request there is answered
// by some node, or NATS says at once that nobody listens. No table to
// keep in step, and nothing left behind by a node that dies: its
// subscriptions go with its NATS connection.
//
// All methods may be called concurrently.
type Online struct {
	nc *nats.Conn

	mu    sync.Mutex
	users map[string]*onlineUser
}

type onlineUser struct {
	conns int
	sub   *nats.Subscription
}

// NewOnline answers for this node on nc.
func NewOnline(nc *nats.Conn) *Online {
	return &Online{nc: nc, users: make(map[string]*onlineUser)}
}

// Add counts one more connection of user on this node.
func (o *Online) Add(user string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[user]
	if u == nil {
		u = &onlineUser{}
		o.users[user] = u
		// A failed subscribe leaves the person looking away: at worst a
		// push they did not need.
		u.sub, _ = o.nc.Subscribe(onlineSubject+user, func(m *nats.Msg) { _ = m.Respond(nil) })
	}
	u.conns++
}

// Remove counts one connection of user less on this node.
func (o *Online) Remove(user string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[user]
	if u == nil {
		return
	}
	if u.conns--; u.conns == 0 {
		if u.sub != nil {
			_ = u.sub.Unsubscribe()
		}
		delete(o.users, user)
	}
}

// Anywhere says whether user has a connection open on any node.
func (o *Online) Anywhere(ctx context.Context, user string) (bool, error) {
	_, err := o.nc.RequestWithContext(ctx, onlineSubject+user, nil)
	if errors.Is(err, nats.ErrNoResponders) {
		return false, nil
	}
	return err == nil, err
}
