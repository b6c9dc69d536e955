package actions

import (
	"context"
	"slices"
	"strings"
	"time"

	"chat/server/rooms"
	"chat/server/search"
	"chat/wire"
)

// searchTimeout bounds one search (reading rooms the node does not hold).
const searchTimeout = 10 * time.Second

// Search finds the messages holding every word of q (search.Words), as
// they read now, newest first, in the rooms the actor may read: every
// public room, and their own private rooms and direct messages; or in one
// of those, room. Nothing ever comes from a room the actor may not read:
// a room named is asked of rooms.Can as a join is, and the rooms searched
// otherwise are the public ones and the actor's own.
func (a *Actions) Search(ctx context.Context, who Actor, q, room string) ([]search.Result, error) {
	if err := needSession(who); err != nil {
		return nil, err
	}
	words := search.Words(q)
	switch {
	case len(words) == 0:
		return nil, invalid(wire.CodeBadField, "say what to look for: ?q=words")
	case len(words) > search.MaxWords:
		return nil, invalid(wire.CodeBadField, "at most %d words: leave out the small ones", search.MaxWords)
	}
	ctx, cancel := context.WithTimeout(ctx, searchTimeout)
	defer cancel()
	titles := map[string]string{}
	direct := map[string]bool{}
	var targets []string
	if room != "" {
		if err := roomParam(room); err != nil {
			return nil, err
		}
		if err := a.may(ctx, who, rooms.Join, room); err != nil {
			return nil, err
		}
		// A public room exists once it keeps a message: any other name
		// has nothing to find, and is not read into the index.
		if last, err := a.Broker.Last(ctx, room); err != nil {
			return nil, unavailable(err, "the room could not be read")
		} else if last == 0 {
			return []search.Result{}, nil
		}
		targets = []string{room}
		if rooms.Reserved(room) {
			if rm, ok, err := a.Rooms.Get(ctx, room); err == nil && ok {
				titles[room], direct[room] = rm.Title, rm.Kind == rooms.Direct
			}
		}
	} else {
		names, err := a.Broker.RoomNames(ctx)
		if err != nil {
			return nil, unavailable(err, "the rooms could not be read")
		}
		for _, name := range names {
			if !rooms.Reserved(name) {
				targets = append(targets, name)
			}
		}
		mine, err := a.Rooms.Mine(ctx, who.User)
		if err != nil {
			return nil, unavailable(err, "your rooms could not be read")
		}
		for _, rm := range mine {
			targets = append(targets, rm.ID)
			titles[rm.ID] = rm.Title
			if rm.Kind == rooms.Direct {
				direct[rm.ID] = true
			}
		}
	}
	results, err := a.Index.Find(ctx, targets, words)
	if err != nil {
		return nil, unavailable(err, "the search did not finish")
	}
	for i := range results {
		r := results[i].Room
		if direct[r] && titles[r] == "" {
			titles[r] = a.directTitle(ctx, who, r)
		}
		results[i].Title = titles[r]
	}
	return results, nil
}

// directTitle names a direct message for one of its members: the others'
// names, as the sidebar does ("" if they cannot be read now).
func (a *Actions) directTitle(ctx context.Context, who Actor, room string) string {
	ms, err := a.Rooms.Members(ctx, room)
	if err != nil {
		return ""
	}
	var names []string
	for _, m := range ms {
		if m.User != who.User {
			names = append(names, m.Name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
