package hub

import (
	"slices"

	"chat/wire"
)

// TakeDirty returns presence events (room, count of distinct people, their
// names up to maxNames, sorted) for the rooms whose membership changed since the last call
// (with Count 0 for rooms that emptied) and clears their marks. Presence is
// sent from these snapshots at a fixed pace, so a thousand joins in a second
// cost one presence event per room, not a thousand.
func (h *Hub) TakeDirty(maxNames int) []wire.Event {
	var out []wire.Event
	for i := range h.rooms {
		s := &h.rooms[i]
		s.mu.Lock()
		for name := range s.dirty {
			out = append(out, snapshot(name, s.rooms[name]))
		}
		clear(s.dirty)
		s.mu.Unlock()
	}
	sortAndCap(out, maxNames)
	return out
}

// Presence returns the local view of every non-empty room, for the periodic
// refresh that lets other nodes expire a node that died.
func (h *Hub) Presence(maxNames int) []wire.Event {
	var out []wire.Event
	for i := range h.rooms {
		s := &h.rooms[i]
		s.mu.RLock()
		for name, r := range s.rooms {
			out = append(out, snapshot(name, r))
		}
		s.mu.RUnlock()
	}
	sortAndCap(out, maxNames)
	return out
}

// snapshot copies what is needed under the lock; sorting waits until after.
func snapshot(name string, r *room) wire.Event {
	p := wire.Event{Type: wire.TypePresence, Room: name}
	if r == nil {
		return p
	}
	p.Count = r.headcount()
	p.Names = make([]string, 0, len(r.names))
	for n := range r.names {
		p.Names = append(p.Names, n)
	}
	return p
}

func sortAndCap(ps []wire.Event, maxNames int) {
	for i := range ps {
		slices.Sort(ps[i].Names)
		if len(ps[i].Names) > maxNames {
			ps[i].Names = slices.Clip(ps[i].Names[:maxNames])
		}
	}
}
