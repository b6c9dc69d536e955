package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chat/server/broker"
)

// sharedConsumer is one durable JetStream pull consumer on the chat
// stream that every node reads, so that each stored event is handled once
// across a cluster, not once per node (bots' webhooks, Web Push): NATS
// gives each message to one node, which acks it when done, or hands it
// back (NakWithDelay) for a later try, bounded by MaxDeliver. It is off
// the fan-out path: the live feed and the hub never wait for it, and a
// slow node only takes fewer messages.
//
// The consumer is made (by whichever node wants it first) while wanted
// says so, starting at new messages; while nothing wants it, no node
// reads it and NATS drops it after idle. A consumer deleted under it
// (by an operator, or gone with a NATS server's state) is made again.
type sharedConsumer struct {
	js          jetstream.JetStream
	name, about string
	attempts    int           // MaxDeliver
	ackWait     time.Duration // a message's handling, before NATS gives it to another node
	idle        time.Duration
	log         *slog.Logger
	// prepare, when set, runs before the first read (what handle needs,
	// made once); handle does one message and acks, naks or terms it.
	prepare func(ctx context.Context) error
	handle  func(ctx context.Context, m jetstream.Msg)
	wanted  func() bool

	slots    chan struct{} // a slot per message being handled on this node
	wake     chan struct{} // wanted may have changed, or the consumer was lost
	lost     atomic.Bool
	prepared bool // owned by run
}

func newSharedConsumer(js jetstream.JetStream, name, about string, parallel int, log *slog.Logger) *sharedConsumer {
	return &sharedConsumer{js: js, name: name, about: about, log: log,
		slots: make(chan struct{}, parallel), wake: make(chan struct{}, 1)}
}

// poke makes run look at wanted again.
func (c *sharedConsumer) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// run reads the consumer while wanted says so, until ctx ends.
func (c *sharedConsumer) run(ctx context.Context) {
	var cc jetstream.ConsumeContext
	defer func() {
		if cc != nil {
			cc.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		want := c.wanted()
		if c.lost.Swap(false) && cc != nil {
			cc.Stop()
			cc = nil
		}
		switch {
		case want && cc == nil:
			var err error
			if cc, err = c.consume(ctx); err != nil {
				c.log.Warn(c.name+": no consumer yet; trying again", "err", err)
				time.AfterFunc(time.Second, c.poke)
			}
		case !want && cc != nil:
			cc.Stop()
			cc = nil
		}
	}
}

// consume makes the consumer if it is missing (idempotent: every node asks
// for the same one) and reads it.
func (c *sharedConsumer) consume(ctx context.Context) (jetstream.ConsumeContext, error) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if c.prepare != nil && !c.prepared {
		if err := c.prepare(cctx); err != nil {
			return nil, err
		}
		c.prepared = true // before Consume: the handlers start after it
	}
	cons, err := c.js.CreateOrUpdateConsumer(cctx, broker.StreamName, jetstream.ConsumerConfig{
		Durable:           c.name,
		Description:       c.about,
		FilterSubject:     broker.RoomWildcard,
		DeliverPolicy:     jetstream.DeliverNewPolicy,
		AckPolicy:         jetstream.AckExplicitPolicy,
		AckWait:           c.ackWait,
		MaxDeliver:        c.attempts,
		MaxAckPending:     1024,
		InactiveThreshold: c.idle,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", c.name, err)
	}
	return cons.Consume(func(m jetstream.Msg) {
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return // not acked: another node, or this one after a restart, takes it
		}
		go func() {
			defer func() { <-c.slots }()
			c.handle(ctx, m)
		}()
	},
		// Fetch no more than can be handled soon: a message that waited in
		// this node's buffer past AckWait would be given to another node too.
		jetstream.PullMaxMessages(cap(c.slots)),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			c.log.Warn(c.name+": consumer", "err", err)
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrNoHeartbeat) {
				c.lost.Store(true)
				c.poke()
			}
		}))
}

// retryLater hands m back to NATS for a later attempt, the delay doubling
// from first each time, until the consumer's attempts run out.
func (c *sharedConsumer) retryLater(m jetstream.Msg, meta *jetstream.MsgMetadata, first time.Duration, err error) {
	n := int(meta.NumDelivered)
	if n >= c.attempts {
		c.log.Warn(c.name+": given up", "subject", m.Subject(), "attempts", n, "err", err)
		_ = m.Term()
		return
	}
	_ = m.NakWithDelay(first << min(n-1, 10))
}
