package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"chat/wire"
)

// historyBatch is how many messages one direct-get request asks for; a room
// holds at most HistoryPerRoom, so one or two requests read a whole room.
const historyBatch = 1000

// History reads room's stored messages with after < seq <= upTo (upTo 0: no
// bound), oldest first, as msg events. head is the last seq it read, or after
// when there was nothing: the room's end as of the read, which JetStream
// makes consistent (a batched direct get does not interleave with writes).
//
// It uses batched direct gets: one request streams up to historyBatch
// messages back, with no consumer to create or delete.
func (b *NATS) History(ctx context.Context, room string, after, upTo uint64) (msgs []wire.Event, head uint64, err error) {
	head = after
	if after == math.MaxUint64 {
		return nil, head, nil // nothing comes after the last seq there can be
	}
	subject := roomSubject + room
	for {
		// (up_to_seq applies to multi_last requests only: bound by hand.)
		req := directGetRequest{Seq: head + 1, NextFor: subject, Batch: historyBatch}
		batch, last, pending, err := b.directGet(ctx, req)
		if err != nil {
			return nil, 0, err
		}
		for _, m := range batch {
			if upTo > 0 && m.Seq > upTo {
				return msgs, head, nil
			}
			m.Room = room
			msgs = append(msgs, m)
			head = m.Seq
		}
		if last <= head && pending > 0 {
			head = last // skipped an undecodable message at the batch's end
		}
		if pending == 0 || last == 0 || (upTo > 0 && head >= upTo) {
			return msgs, head, nil
		}
	}
}

// Has reports whether room still keeps the message with this seq: false
// once the room's cap has dropped it (or if the seq is another room's).
func (b *NATS) Has(ctx context.Context, room string, seq uint64) (bool, error) {
	msgs, _, _, err := b.directGet(ctx, directGetRequest{Seq: seq, NextFor: roomSubject + room, Batch: 1})
	if err != nil {
		return false, err
	}
	return len(msgs) == 1 && msgs[0].Seq == seq, nil
}

// Message reads the stored event of room with this seq: ok is false when
// there is none (deleted, dropped, or the seq is another room's).
func (b *NATS) Message(ctx context.Context, room string, seq uint64) (ev wire.Event, ok bool, err error) {
	msgs, _, _, err := b.directGet(ctx, directGetRequest{Seq: seq, NextFor: roomSubject + room, Batch: 1})
	if err != nil || len(msgs) != 1 || msgs[0].Seq != seq {
		return wire.Event{}, false, err
	}
	msgs[0].Room = room
	return msgs[0], true, nil
}

// First is the seq of room's oldest kept event, 0 if it has none.
func (b *NATS) First(ctx context.Context, room string) (uint64, error) {
	msgs, _, _, err := b.directGet(ctx, directGetRequest{Seq: 1, NextFor: roomSubject + room, Batch: 1})
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	return msgs[0].Seq, nil
}

// Erase takes room's message with this seq out of the store for good,
// its bytes overwritten (a message deleted by a moderator may be one that
// must not stay on disk). A message already gone is no error.
func (b *NATS) Erase(ctx context.Context, room string, seq uint64) error {
	err := b.stream.SecureDeleteMsg(ctx, seq)
	if err == nil {
		return nil
	}
	if _, ok, gerr := b.Message(ctx, room, seq); gerr == nil && !ok {
		return nil
	}
	return err
}

// Last is the seq of room's last message, 0 if it has none.
func (b *NATS) Last(ctx context.Context, room string) (uint64, error) {
	m, err := b.stream.GetLastMsgForSubject(ctx, roomSubject+room)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return m.Sequence, nil
}

// directGetRequest is JetStream's $JS.API.DIRECT.GET request, batch form.
type directGetRequest struct {
	Seq     uint64 `json:"seq,omitempty"`
	NextFor string `json:"next_by_subj,omitempty"`
	Batch   int    `json:"batch,omitempty"`
	// MultiLast asks for the last message of each of these subjects.
	MultiLast []string `json:"multi_last,omitempty"`
}

// directGet sends one batched direct get and collects the replies until the
// end-of-batch marker. last is the seq of the last message read (0 if none),
// pending how many more matched past the batch when it ended.
func (b *NATS) directGet(ctx context.Context, req directGetRequest) (msgs []wire.Event, last, pending uint64, err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	data, err := json.Marshal(req)
	if err != nil {
		return nil, 0, 0, err
	}
	inbox := b.nc.NewRespInbox()
	// A callback subscription collects the replies: a synchronous one would
	// allocate its 64k-slot channel (512 KB) per request, which a storm of
	// joins turns into gigabytes; the batch is bounded by the request.
	replies := &directReplies{done: make(chan struct{})}
	sub, err := b.nc.Subscribe(inbox, replies.add)
	if err != nil {
		return nil, 0, 0, err
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(-1, -1)
	if err := b.nc.PublishRequest("$JS.API.DIRECT.GET."+StreamName, inbox, data); err != nil {
		return nil, 0, 0, err
	}
	select {
	case <-replies.done:
	case <-ctx.Done():
		return nil, 0, 0, fmt.Errorf("history read: %w", ctx.Err())
	}
	replies.mu.Lock()
	defer replies.mu.Unlock()
	msgs = make([]wire.Event, 0, len(replies.msgs)) // an event is a few hundred bytes: grow once
	for _, m := range replies.msgs {
		switch status := m.Header.Get("Status"); status {
		case "":
		case "204": // end of batch
			pending, _ = strconv.ParseUint(m.Header.Get("Nats-Num-Pending"), 10, 64)
			last, _ = strconv.ParseUint(m.Header.Get("Nats-Last-Sequence"), 10, 64)
			return msgs, last, pending, nil
		case "404": // nothing matched
			return nil, 0, 0, nil
		default:
			return nil, 0, 0, fmt.Errorf("history read: status %s %s", status, m.Header.Get("Description"))
		}
		seq, err := strconv.ParseUint(m.Header.Get("Nats-Sequence"), 10, 64)
		if err != nil {
			return nil, 0, 0, errors.New("history read: reply without Nats-Sequence")
		}
		ev, err := wire.Decode(m.Data)
		if err != nil {
			b.opts.Logger.Error("undecodable stored message", "seq", seq, "err", err)
			continue
		}
		if !Stored(ev.Type) {
			ev.Type = wire.TypeMsg
		}
		ev.Seq = seq
		if len(req.MultiLast) > 0 { // the replies are of several rooms
			ev.Room = strings.TrimPrefix(m.Header.Get("Nats-Subject"), roomSubject)
			if ev.TS.IsZero() {
				ev.TS, _ = time.Parse(time.RFC3339Nano, m.Header.Get("Nats-Time-Stamp"))
			}
		}
		msgs = append(msgs, ev)
	}
	return nil, 0, 0, errors.New("history read: the batch ended without its end marker")
}

// directReplies collects a batched direct get's replies until the one that
// ends it (a status: 204 end of batch, 404 nothing, or an error).
type directReplies struct {
	mu    sync.Mutex
	msgs  []*nats.Msg
	ended bool
	done  chan struct{}
}

func (r *directReplies) add(m *nats.Msg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.msgs = append(r.msgs, m)
	if m.Header.Get("Status") != "" {
		r.ended = true
		close(r.done)
	}
}

// RoomNames lists the rooms that keep messages (their stream subjects).
func (b *NATS) RoomNames(ctx context.Context) ([]string, error) {
	info, err := b.stream.Info(ctx, jetstream.WithSubjectFilter(roomWildcard))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(info.State.Subjects))
	for subj := range info.State.Subjects {
		out = append(out, strings.TrimPrefix(subj, roomSubject))
	}
	return out, nil
}

// activityBatch is how many rooms one multi_last request asks for (the
// server answers at most 1,024 a request).
const activityBatch = 1000

// Activity says, for every room that keeps messages, when its last event
// (a message, or an edit, reaction or delete) was stored: the rooms'
// last events by batched multi_last direct gets, a request per
// activityBatch rooms rather than one each.
func (b *NATS) Activity(ctx context.Context) (map[string]time.Time, error) {
	names, err := b.RoomNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(names))
	for len(names) > 0 {
		n := min(len(names), activityBatch)
		subjects := make([]string, n)
		for i, name := range names[:n] {
			subjects[i] = roomSubject + name
		}
		last, _, _, err := b.directGet(ctx, directGetRequest{MultiLast: subjects, Batch: n})
		if err != nil {
			return nil, err
		}
		for _, ev := range last {
			out[ev.Room] = ev.TS
		}
		names = names[n:]
	}
	return out, nil
}

// Before reads up to n of room's stored events just before seq before,
// oldest first: the page a client scrolling back asks for. It reads a
// window of seqs below before, widened until it holds n of the room's
// events or reaches the room's oldest, so that a page costs about the
// page, not the room's whole history (at 100,000 messages the difference
// is what lets scrolling back stay fast). A before past the stream's end
// (a client's, up to 2^64-1) is the stream's end: the window is counted
// from what there is, and it cannot overflow.
func (b *NATS) Before(ctx context.Context, room string, before uint64, n int) ([]wire.Event, error) {
	if before <= 1 || n <= 0 {
		return nil, nil
	}
	first, err := b.First(ctx, room)
	if err != nil || first == 0 || first >= before {
		return nil, err
	}
	if last, err := b.Last(ctx, room); err != nil {
		return nil, err
	} else if last < before-1 {
		before = last + 1
	}
	span := before - first // the seqs the room may have below before
	for window := uint64(2 * n); ; window = widen(window, span) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		from := first
		if span > window {
			from = before - window
		}
		msgs, _, err := b.History(ctx, room, from-1, before-1)
		if err != nil {
			return nil, err
		}
		if len(msgs) >= n || from == first {
			return msgs[max(0, len(msgs)-n):], nil
		}
	}
}

// widen is the next window of Before: four times as wide, at most span
// (and never past it by overflowing).
func widen(window, span uint64) uint64 {
	if window >= span/4 {
		return span
	}
	return 4 * window
}
