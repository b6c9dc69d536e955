package app

import (
	"context"
	"net/url"
	"time"
)

// searchHit is one message GET /api/search found: newest first, in the
// rooms the person may read (the server decides).
type searchHit struct {
	Room  string    `json:"room"`
	Seq   uint64    `json:"seq"`
	From  string    `json:"from"`
	User  string    `json:"user,omitempty"`
	Text  string    `json:"text"`
	TS    time.Time `json:"ts"`
	Title string    `json:"title,omitempty"` // a private room's
}

// searchMessages asks the server for the messages holding every word of
// q. It blocks: call it from ctx.Async.
func searchMessages(ctx context.Context, q string) ([]searchHit, error) {
	var a struct {
		Results []searchHit `json:"results"`
	}
	err := apiCall(ctx, "GET", "/api/search?q="+url.QueryEscape(q), nil, &a)
	return a.Results, err
}
