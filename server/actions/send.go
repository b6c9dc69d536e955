package actions

import (
	"context"
	"errors"
	"time"

	"chat/server/broker"
	"chat/server/files"
	"chat/wire"
)

// storeTimeout bounds the wait for JetStream to acknowledge what is stored.
const storeTimeout = 5 * time.Second

// SendRequest is a message to store in a room.
type SendRequest struct {
	Room  string
	ID    string      // the client's id for it: a resend with the same id is stored once
	Text  string      // may be empty when Files are named
	Reply uint64      // the seq of the message it answers, if any
	Files []wire.File // files uploaded for it, by id
}

// Send stores a message in a room, stamped with who sent it, and answers
// its seq (the first copy's, for a resend). Who may: over the WebSocket, a
// connection in the room; over HTTP, a bot that may join the room (every
// public room, and the private rooms and direct messages it is in).
func (a *Actions) Send(ctx context.Context, who Actor, c *Conn, req SendRequest) (uint64, error) {
	if c == nil && who.Kind != Bot {
		return 0, errSignIn // only bots post without a connection
	}
	if who.Kind == Bot {
		// Every post counts, refused or not: a bot cannot probe for free.
		if ok, wait := a.limits.bots.allow(who.User); !ok {
			return 0, throttled(wait, "too many messages from this bot: try again later")
		}
	}
	if err := a.inRoom(ctx, who, c, req.Room, "sending to it"); err != nil {
		return 0, err
	}
	if err := idParam(req.ID); err != nil {
		return 0, err
	}
	if who.Kind == Bot && len(req.Files) > 0 {
		return 0, invalid(wire.CodeBadField, "a bot's message carries no files")
	}
	if len(req.Files) == 0 || req.Text != "" { // files may go without words
		if err := textParam(req.Text); err != nil {
			return 0, err
		}
	}
	if err := a.admit(); err != nil {
		return 0, err
	}
	m := wire.Event{ID: req.ID, Text: req.Text, TS: time.Now().UTC().Truncate(time.Millisecond)}
	who.stamp(&m)
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	if req.Reply != 0 {
		q, err := a.quote(ctx, req.Room, req.Reply)
		if err != nil {
			return 0, err
		}
		m.Reply, m.Quote = req.Reply, q
	}
	var attached []files.Info
	if len(req.Files) > 0 {
		var err error
		if attached, err = a.attach(ctx, who, req.Room, req.ID, req.Files); err != nil {
			return 0, err
		}
		for _, in := range attached {
			m.Files = append(m.Files, in.File)
		}
	}
	seq, dup, err := a.Broker.Store(ctx, req.Room, who.sender(), m)
	if errors.Is(err, broker.ErrStoreFull) {
		a.log.Warn("store full: message refused", "room", req.Room, "err", err)
	}
	if err != nil {
		if !errors.Is(err, broker.ErrStoreFull) {
			a.log.Warn("store failed", "room", req.Room, "err", err)
		}
		return 0, storeRefusal(err)
	}
	if !dup {
		a.Metrics.MessagesIn.Add(1)
	}
	for _, in := range attached {
		if in.Seq == 0 {
			if err := a.Files.Attach(ctx, in.ID, seq); err != nil {
				a.log.Warn("file not marked as sent", "file", in.ID, "seq", seq, "err", err)
			}
		}
	}
	return seq, nil
}

// admit refuses a send while this node's fan-out of stored messages is
// more than MaxDeliveryLag behind: overload slows the senders (the UI
// sends again in a moment), never the readers' queues.
func (a *Actions) admit() error {
	if lag := a.Delivery.Lag(); lag > a.cfg.MaxDeliveryLag {
		a.Metrics.Busy.Add(1)
		e := fail(Unavailable, wire.CodeBusy, "not stored: the server is %v behind delivering messages; send it again in a moment", lag.Round(10*time.Millisecond))
		e.RetryAfter = time.Second
		return e
	}
	return nil
}

// storeRefusal says why a message was not stored.
func storeRefusal(err error) error {
	if errors.Is(err, broker.ErrStoreFull) {
		return refusal(err)
	}
	e := fail(Unavailable, wire.CodeUnavailable, "message not stored (%v); send it again", err)
	e.RetryAfter = time.Second
	return e
}
