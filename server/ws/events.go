package ws

import (
	"context"
	"sort"
	"strings"

	"chat/server/actions"
	"chat/wire"
)

// Each client event is one call into the actions, which validate it and
// decide who may; the session only puts the answer on the wire.

// event is what the session does with one type of client event: the
// action it calls (by its method's name in server/actions, for the
// authorization matrix), and the call.
type event struct {
	action string
	do     func(ss *session, ev wire.Event) error
}

var events = map[string]event{
	wire.TypeHello:   {"Hello", (*session).hello},
	wire.TypeJoin:    {"Join", (*session).join},
	wire.TypeLeave:   {"Leave", (*session).leave},
	wire.TypeSend:    {"Send", (*session).send},
	wire.TypeHistory: {"History", (*session).history},
	wire.TypeDelete:  {"Delete", (*session).delete},
	wire.TypeEdit:    {"Edit", (*session).edit},
	wire.TypeReact:   {"React", (*session).react},
	wire.TypeFetch:   {"Fetch", (*session).fetch},
	wire.TypeTyping:  {"Typing", (*session).typing},
	wire.TypeRead:    {"MarkRead", (*session).read},
}

// eventList names the client's events, for the error about another.
var eventList = func() string {
	var types []string
	for t := range events {
		types = append(types, t)
	}
	sort.Strings(types)
	return strings.Join(types, ", ")
}()

// Events lists the client's event types and the action each calls: the
// table the authorization matrix reads.
func Events() map[string]string {
	out := make(map[string]string, len(events))
	for t, e := range events {
		out[t] = e.action
	}
	return out
}

// ctx is an event's context: an action's own timeouts bound its waits.
func (ss *session) ctx() context.Context { return context.Background() }

func (ss *session) hello(ev wire.Event) error {
	name, err := ss.h.actions.Hello(ss.ctx(), &ss.who, &ss.c, ev.Name, ev.ID)
	if err != nil {
		return err
	}
	ss.reply(wire.Event{Type: wire.TypeWelcome, Name: name, User: ss.who.User, Guest: !ss.who.Account(),
		Version: ss.h.opts.Version, Rate: ss.h.opts.EventRate, Burst: ss.h.opts.EventBurst})
	return nil
}

func (ss *session) join(ev wire.Event) error {
	return ss.h.actions.Join(ss.ctx(), ss.who, &ss.c, ev.Room, ev.After)
}

func (ss *session) leave(ev wire.Event) error {
	return ss.h.actions.Leave(ss.ctx(), ss.who, &ss.c, ev.Room)
}

func (ss *session) send(ev wire.Event) error {
	seq, err := ss.h.actions.Send(ss.ctx(), ss.who, &ss.c, actions.SendRequest{Room: ev.Room, ID: ev.ID, Text: ev.Text, Reply: ev.Reply, Files: ev.Files})
	if err != nil {
		return err
	}
	// The stored message also comes back to the sender through the same
	// fan-out as everyone's copy; the ack says "stored" even when this send
	// was a resend that the store recognised and dropped.
	ss.reply(wire.Event{Type: wire.TypeAck, Room: ev.Room, ID: ev.ID, Seq: seq})
	return nil
}

// history answers a request for older messages: the page, oldest first,
// then a history event that closes the answer with the oldest seq sent
// and how many.
func (ss *session) history(ev wire.Event) error {
	msgs, err := ss.h.actions.History(ss.ctx(), ss.who, &ss.c, ev.Room, ev.Before)
	if err != nil {
		return err
	}
	end := wire.Event{Type: wire.TypeHistory, Room: ev.Room, Before: ev.Before, Count: len(msgs)}
	for _, m := range msgs {
		ss.reply(m)
	}
	if len(msgs) > 0 {
		end.Seq = msgs[0].Seq
	}
	ss.reply(end)
	return nil
}

// change calls one of the actions that store an event about a message,
// and acks it.
func (ss *session) change(ev wire.Event, act func(context.Context, actions.Actor, *actions.Conn, actions.ChangeRequest) (uint64, error)) error {
	seq, err := act(ss.ctx(), ss.who, &ss.c, actions.ChangeRequest{Room: ev.Room, ID: ev.ID, Target: ev.Target, Text: ev.Text, Emoji: ev.Emoji})
	if err != nil {
		return err
	}
	ss.reply(wire.Event{Type: wire.TypeAck, Room: ev.Room, ID: ev.ID, Seq: seq})
	return nil
}

func (ss *session) delete(ev wire.Event) error { return ss.change(ev, ss.h.actions.Delete) }
func (ss *session) edit(ev wire.Event) error   { return ss.change(ev, ss.h.actions.Edit) }
func (ss *session) react(ev wire.Event) error  { return ss.change(ev, ss.h.actions.React) }

func (ss *session) fetch(ev wire.Event) error {
	m, err := ss.h.actions.Fetch(ss.ctx(), ss.who, &ss.c, ev.Room, ev.Target)
	if err != nil {
		return err
	}
	ss.reply(m)
	return nil
}

func (ss *session) typing(ev wire.Event) error {
	return ss.h.actions.Typing(ss.ctx(), ss.who, &ss.c, ev.Room)
}

func (ss *session) read(ev wire.Event) error {
	return ss.h.actions.MarkRead(ss.ctx(), ss.who, &ss.c, ev.Room, ev.Seq)
}
