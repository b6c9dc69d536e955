package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"chat/server/auth"
	"chat/server/rooms"
	"chat/server/search"
	"chat/wire"
)

// Search: GET /api/search?q=words[&room=R], for a session's holder, over
// the rooms they may read: every public room, and their private rooms and
// direct messages (rooms.Can decides, as for a join: no result ever comes
// from a room they may not read). A message matches when it holds every
// word of the query (case and accents aside: the words are compared folded
// to lower case), as it reads now (edits merged).
//
// The engine is a scan of each room's messages in memory (searchIndex):
// a room is read from the store at its first search on a node, then the
// live feed keeps it in step, so that it is right at once after a new
// message, an edit or a delete, on one node or in a cluster, with nothing
// on disk to rebuild. A scan of folded text costs microseconds a thousand
// messages; the memory is bounded (searchIndexBytes), the least recently
// searched rooms dropped first.

const (
	searchTimeout = 10 * time.Second
	// searchPruneEvery is how often the index drops what retention
	// dropped from the store.
	searchPruneEvery = 5 * time.Minute
)

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.sessionOf(w, r)
	if !ok {
		return
	}
	words := search.Words(r.URL.Query().Get("q"))
	if len(words) == 0 {
		apiFail(w, http.StatusBadRequest, "say what to look for: ?q=words")
		return
	}
	if len(words) > search.MaxWords {
		apiFail(w, http.StatusBadRequest, "at most 10 words")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	who := sessionWho(sess)
	titles := map[string]string{}
	direct := map[string]bool{}
	var targets []string
	if room := r.URL.Query().Get("room"); room != "" {
		if err := s.rooms.Can(ctx, who, rooms.Join, room); err != nil {
			apiError(w, err)
			return
		}
		targets = []string{room}
	} else {
		names, err := s.broker.RoomNames(ctx)
		if err != nil {
			apiError(w, err)
			return
		}
		for _, name := range names {
			if !rooms.Reserved(name) {
				targets = append(targets, name)
			}
		}
		mine, err := s.rooms.Mine(ctx, sess.User)
		if err != nil {
			apiError(w, err)
			return
		}
		for _, rm := range mine {
			targets = append(targets, rm.ID)
			titles[rm.ID] = rm.Title
			if rm.Kind == rooms.Direct {
				direct[rm.ID] = true
			}
		}
	}
	results, err := s.searchIdx.Find(ctx, targets, words)
	if err != nil {
		apiError(w, err)
		return
	}
	for i := range results {
		room := results[i].Room
		if direct[room] && titles[room] == "" {
			titles[room] = s.directTitle(ctx, sess, room)
		}
		results[i].Title = titles[room]
	}
	writeJSON(w, http.StatusOK, map[string][]search.Result{"results": results})
}

// directTitle names a direct message for one of its members: the others'
// names, as the sidebar does ("" if they cannot be read now).
func (s *Server) directTitle(ctx context.Context, sess auth.Session, room string) string {
	ms, err := s.rooms.Members(ctx, sessionWho(sess), room)
	if err != nil {
		return ""
	}
	var names []string
	for _, m := range ms {
		if m.User != sess.User {
			names = append(names, m.Name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// searchLoad reads a room for the search index: every kept message, with
// its edits (the room's few, at once).
func (s *Server) searchLoad(ctx context.Context, room string) ([]wire.Event, error) {
	msgs, _, err := s.broker.History(ctx, room, 0, 0)
	if err != nil {
		return nil, err
	}
	states, err := s.states.Room(ctx, room)
	if err != nil {
		return nil, err
	}
	for i := range msgs {
		if st, ok := states[msgs[i].Seq]; ok {
			st.Apply(&msgs[i])
		}
	}
	return msgs, nil
}
