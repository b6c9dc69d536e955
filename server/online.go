package server

import (
	"context"
	"errors"
	"sync"

	"github.com/nats-io/nats.go"
)

// onlineSubject + a user id is answered by every node that holds one of
// that person's connections.
const onlineSubject = "chat.online."

// onlineUsers says, for the whole cluster, whether a person has a
// connection open anywhere: a node subscribes to onlineSubject+user while
// it holds one of their connections, so that a request there is answered
// by some node, or NATS says at once that nobody listens. No table to
// keep in step, and nothing left behind by a node that dies: its
// subscriptions go with its NATS connection.
//
// All methods may be called concurrently.
type onlineUsers struct {
	nc *nats.Conn

	mu    sync.Mutex
	users map[string]*onlineUser
}

type onlineUser struct {
	conns int
	sub   *nats.Subscription
}

func newOnlineUsers(nc *nats.Conn) *onlineUsers {
	return &onlineUsers{nc: nc, users: make(map[string]*onlineUser)}
}

// add counts one more connection of user on this node.
func (o *onlineUsers) add(user string) {
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

// remove counts one connection of user less on this node.
func (o *onlineUsers) remove(user string) {
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

// online says whether user has a connection open on any node.
func (o *onlineUsers) online(ctx context.Context, user string) (bool, error) {
	_, err := o.nc.RequestWithContext(ctx, onlineSubject+user, nil)
	if errors.Is(err, nats.ErrNoResponders) {
		return false, nil
	}
	return err == nil, err
}
