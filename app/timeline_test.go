package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// rowsText is the rows as "day:<label>", "msg:<seq>" or "cont:<seq>", "sys".
func rowsText(items []chatItem, rows []timelineRow) []string {
	var out []string
	for _, r := range rows {
		switch r.Kind {
		case rowDay:
			out = append(out, "day:"+r.Day)
		case rowSystem:
			out = append(out, "sys")
		default:
			kind := "msg"
			if r.Cont {
				kind = "cont"
			}
			out = append(out, fmt.Sprintf("%s:%d", kind, items[r.Item].Seq))
		}
	}
	return out
}

func TestTimelineGroupsBySenderAndDay(t *testing.T) {
	loc := time.FixedZone("UTC+2", 2*3600)
	now := time.Date(2025, 3, 12, 15, 0, 0, 0, loc) // a Wednesday
	at := func(day, hour, minute int) time.Time {
		return time.Date(2025, 3, day, hour, minute, 0, 0, loc).UTC()
	}
	items := []chatItem{
		{Seq: 1, From: "ana", TS: time.Date(2024, 12, 31, 9, 0, 0, 0, loc)},
		{Seq: 2, From: "ana", TS: at(1, 9, 0)},
		{Seq: 3, From: "ana", TS: at(8, 9, 0)},
		{Seq: 4, From: "ana", TS: at(11, 23, 58)},
		{Seq: 5, From: "ana", TS: at(12, 0, 1)}, // same sender, but past midnight local
		{Seq: 6, From: "ana", TS: at(12, 0, 3)},
		{Seq: 7, From: "bo", TS: at(12, 0, 4)},
		{Seq: 8, From: "bo", TS: at(12, 0, 20)}, // more than 5 minutes later
		{Seq: 8, System: true, Text: "test message", TS: at(12, 0, 21)},
		{Seq: 9, From: "bo", TS: at(12, 0, 22)}, // after a system line
		{Seq: 10, From: "bo", Mine: true, TS: at(12, 0, 22)},
	}
	got := rowsText(items, timelineRows(items, now))
	want := []string{
		"day:31 December 2024", "msg:1",
		"day:Saturday 1 March", "msg:2",
		"day:Saturday", "msg:3",
		"day:Yesterday", "msg:4",
		"day:Today", "msg:5", "cont:6", "msg:7", "msg:8", "sys", "msg:9", "msg:10",
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows:\n got %v\nwant %v", got, want)
	}
}

func TestTimelineEmpty(t *testing.T) {
	if rows := timelineRows(nil, time.Now()); len(rows) != 0 {
		t.Errorf("rows = %v", rows)
	}
}

func TestActiveAgo(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ago  time.Duration
		want string
	}{
		{10 * time.Second, "active now"},
		{5 * time.Minute, "active 5 min ago"},
		{3*time.Hour + 59*time.Minute, "active 3 h ago"},
		{24 * time.Hour, "active 1 day ago"},
		{6 * 24 * time.Hour, "active 6 days ago"},
	} {
		if got := activeAgo(now.Add(-c.ago), now); got != c.want {
			t.Errorf("%v ago: %q, want %q", c.ago, got, c.want)
		}
	}
	if got := activeAgo(now.AddDate(0, -3, 0), now); !strings.HasPrefix(got, "active ") || !strings.Contains(got, "2026") {
		t.Errorf("3 months ago: %q, want the date", got)
	}
}
