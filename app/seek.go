package app

import "slices"

// Showing a message that may not be on screen yet: the original of a
// reply, a search result, the first unread message. One way for all of
// them: a message held is scrolled to at once; one not held is asked for
// with a fetch (fetchOriginal), and shown when it comes (takeJump); and
// the first unread message, whose seq is not known until it is loaded
// (seqs are the whole stream's, not the room's), is reached by loading
// older pages of history until the read mark is among them.

// seekMessage asks for a message of a room to be shown: the room may be
// one just switched to, whose join has not answered yet.
func (s *chatState) seekMessage(room string, seq uint64) {
	if seq == 0 {
		return
	}
	s.seek = &msgRef{Room: room, Seq: seq}
}

// takeSeek returns the message sought once it is held in the room on
// screen; before that, once the room has caught up, it fetches it (the
// fetch's answer is then shown by takeJump). A seek for a room no longer
// on screen is dropped: the person went elsewhere.
func (s *chatState) takeSeek() uint64 {
	if s.seek == nil {
		return 0
	}
	ref := *s.seek
	if ref.Room != s.current {
		s.seek = nil
		return 0
	}
	r := s.cur()
	if r.item(ref.Seq) != nil {
		s.seek = nil
		return ref.Seq
	}
	if !s.linked || !r.caughtUp {
		return 0 // the join's history may bring it; asked for after
	}
	s.seek = nil
	if !s.fetchOriginal(ref.Room, ref.Seq) && !r.fetching[ref.Seq] {
		s.lastError = "This message cannot be shown now."
	}
	return 0
}

// unreadStart is where the first unread message of the room on screen is:
// its seq when it is held (the "new messages" line stands above it), or
// more when there are unread messages but the first of them is older than
// what is held (the list starts after the read mark, and the room has
// older history). Neither, when nothing is unread.
func (s *chatState) unreadStart() (seq uint64, more bool) {
	r := s.cur()
	if r.marker == 0 {
		return 0, false
	}
	i := slices.IndexFunc(r.items, func(it chatItem) bool { return it.Seq > r.marker && !it.System && !it.Mine })
	if i < 0 {
		return 0, false
	}
	// The read mark older than every message held: those between it and
	// the oldest held may be unread too, unless the room has nothing
	// older to give.
	if r.oldestSeq() > r.marker && !r.noOlder {
		return 0, true
	}
	return r.items[i].Seq, false
}

// seekUnread loads older history until the first unread message of the
// room on screen is held; takeUnreadSeek says when it is.
func (s *chatState) seekUnread() {
	r := s.cur()
	if _, more := s.unreadStart(); !more {
		r.seekingUnread = false
		s.jumpUnread = true
		return
	}
	r.seekingUnread = true
	s.requestOlder()
}

// takeUnreadSeek reports, once, that the first unread message sought is
// now held and should be scrolled to; until then it asks for the next
// older page each time the last one has come.
func (s *chatState) takeUnreadSeek() bool {
	if s.jumpUnread {
		s.jumpUnread = false
		return true
	}
	r := s.cur()
	if !r.seekingUnread {
		return false
	}
	if r.loadingOlder {
		// The page comes oldest first: its first messages may be older
		// than the mark while those after them are still on their way.
		return false
	}
	if _, more := s.unreadStart(); !more {
		r.seekingUnread = false
		return true
	}
	s.requestOlder()
	return false
}
