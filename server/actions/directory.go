package actions

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"chat/server/rooms"
	"chat/wire"
)

// The public rooms' directory is what a newcomer browses instead of
// having to know a name: every public room that keeps messages, those
// with most people online first, then the most recently active. The node
// keeps each public room's last activity in memory, fed by its live feed
// (Add), read from the store once at the first request and again every
// directoryReload (what retention dropped goes then): a request reads
// nothing, and each client address may ask DirectoryPerMinute times a
// minute. (It read every room's last event from the store on every call,
// unauthenticated.)

// directoryReload is how often the directory is read again from the store.
const directoryReload = 5 * time.Minute

// PublicRoom is a public room in the directory.
type PublicRoom struct {
	Name   string    `json:"name"`
	Active time.Time `json:"active"` // its last message, edit, reaction or delete
	Online int       `json:"online"`
}

// directory is the node's public rooms and their last activity.
type directory struct {
	mu     sync.Mutex
	active map[string]time.Time // nil until read from the store
	read   time.Time            // when it was
	early  map[string]time.Time // what the live feed brought while it was read
	busy   chan struct{}        // open while a read is under way
}

func newDirectory() *directory { return &directory{} }

// Stored is told every stored event this node's live feed delivers, in
// stream order (a delivery follower): the directory keeps each public
// room's last activity from it.
func (a *Actions) Stored(room string, seq uint64, ev wire.Event) { a.dir.Add(room, seq, ev) }

// Add notes a stored event of a public room.
func (d *directory) Add(room string, _ uint64, ev wire.Event) {
	if rooms.Reserved(room) {
		return
	}
	at := ev.TS
	if at.IsZero() {
		at = time.Now()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.busy != nil:
		if d.early == nil {
			d.early = make(map[string]time.Time)
		}
		d.early[room] = at
	case d.active != nil:
		d.active[room] = at
	}
}

// PublicRooms is the directory, for anyone (with -access members, an
// account's holder); addr is the client address's key (httpx's), what
// the rate is counted by. No private room or direct message is ever
// listed, whoever asks.
func (a *Actions) PublicRooms(ctx context.Context, who Actor, addr string) ([]PublicRoom, error) {
	if a.cfg.Access == AccessMembers && !who.Account() {
		return nil, errSignIn
	}
	if err := allow(a.limits.directory, addr, "reads of the room directory in a minute"); err != nil {
		return nil, err
	}
	active, err := a.dir.rooms(ctx, a.Broker.Activity)
	if err != nil {
		return nil, unavailable(err, "the room directory could not be read")
	}
	out := make([]PublicRoom, 0, len(active))
	for name, at := range active {
		out = append(out, PublicRoom{Name: name, Active: at, Online: a.Presence.Current(name).Count})
	}
	slices.SortFunc(out, func(x, y PublicRoom) int {
		if x.Online != y.Online {
			return y.Online - x.Online
		}
		if c := y.Active.Compare(x.Active); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	})
	return out, nil
}

// rooms is a copy of the public rooms' activity, read with load first
// when it never was, or not for directoryReload; callers arriving during
// a read wait for it.
func (d *directory) rooms(ctx context.Context, load func(context.Context) (map[string]time.Time, error)) (map[string]time.Time, error) {
	for {
		d.mu.Lock()
		if d.active != nil && time.Since(d.read) < directoryReload {
			out := make(map[string]time.Time, len(d.active))
			for k, v := range d.active {
				out[k] = v
			}
			d.mu.Unlock()
			return out, nil
		}
		if wait := d.busy; wait != nil {
			d.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		busy := make(chan struct{})
		d.busy = busy
		d.mu.Unlock()
		all, err := load(ctx)
		d.mu.Lock()
		d.busy = nil
		if err == nil {
			active := make(map[string]time.Time, len(all))
			for name, at := range all {
				if !rooms.Reserved(name) {
					active[name] = at
				}
			}
			for name, at := range d.early {
				if at.After(active[name]) {
					active[name] = at
				}
			}
			d.active, d.read = active, time.Now()
		}
		d.early = nil
		d.mu.Unlock()
		close(busy)
		if err != nil {
			return nil, err
		}
	}
}
