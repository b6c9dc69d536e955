package app

import "chat/wire"

// news is a message that has just come in live from someone else: what
// the page may raise a notification for while it is hidden (notify.go).
// History, resumes and fetched originals are not news.
type news struct {
	Room  string
	Seq   uint64
	From  string
	Text  string
	Files []wire.File
}

// maxNews bounds the news kept until the page takes it: a burst while the
// page is busy raises a few notifications, not a hundred.
const maxNews = 20

// noteNews keeps a live message for takeNews.
func (s *chatState) noteNews(it chatItem, room string) {
	if len(s.news) >= maxNews {
		s.news = s.news[1:]
	}
	s.news = append(s.news, news{Room: room, Seq: it.Seq, From: it.From, Text: it.Text, Files: it.Files})
}

// takeNews returns the news since the last call, and forgets it.
func (s *chatState) takeNews() []news {
	n := s.news
	s.news = nil
	return n
}

// newsFor says whether a message is for the person under their choice
// for its room, as the server decides for a push (server/pushes.go):
// "all" is every message, "mentions" those that name them, "none"
// nothing; with no choice made, direct messages are "all" and the rest
// "mentions".
func newsFor(level string, direct, mentioned bool) bool {
	if level == "" {
		level = levelMentions
		if direct {
			level = levelAll
		}
	}
	switch level {
	case levelAll:
		return true
	case levelMentions:
		return mentioned
	}
	return false
}

// The levels of a room's notifications (GET/PUT /api/rooms/{id}/notify).
const (
	levelAll      = "all"
	levelMentions = "mentions"
	levelNone     = "none"
)
