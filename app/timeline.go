package app

import "time"

// groupWithin is how close in time two messages from one sender must be to
// share a group (one name and avatar for both), as chat apps do.
const groupWithin = 5 * time.Minute

// rowKind is what a timeline row shows.
type rowKind uint8

const (
	rowMessage rowKind = iota
	rowSystem
	rowDay    // a day separator: "Today", "Yesterday", "Monday 3 March"
	rowUnread // the "new messages" line, above the first unread message
)

// timelineRow is one row of #messages. For a message, Item indexes the
// room's items and Cont says it continues the group above it.
type timelineRow struct {
	Kind rowKind
	Item int
	Cont bool
	Day  string
}

// timelineRows lays a room's items out as rows: a separator before each
// new local day, and messages grouped by sender.
func timelineRows(items []chatItem, now time.Time) []timelineRow {
	rows := make([]timelineRow, 0, len(items)+4)
	var lastDay time.Time
	var prev *chatItem // the previous message, nil after a separator or system line
	for i := range items {
		it := &items[i]
		if !it.TS.IsZero() {
			if day := startOfDay(it.TS.In(now.Location())); !day.Equal(lastDay) {
				lastDay = day
				rows = append(rows, timelineRow{Kind: rowDay, Day: dayLabel(day, now)})
				prev = nil
			}
		}
		if it.System {
			rows = append(rows, timelineRow{Kind: rowSystem, Item: i})
			prev = nil
			continue
		}
		cont := prev != nil && prev.From == it.From && prev.Mine == it.Mine &&
			it.TS.Sub(prev.TS) < groupWithin && !it.TS.Before(prev.TS)
		rows = append(rows, timelineRow{Kind: rowMessage, Item: i, Cont: cont})
		prev = it
	}
	return rows
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// dayLabel names a local day the way people say it.
func dayLabel(day, now time.Time) string {
	today := startOfDay(now)
	switch {
	case day.Equal(today):
		return "Today"
	case day.Equal(today.AddDate(0, 0, -1)):
		return "Yesterday"
	case day.After(today.AddDate(0, 0, -7)) && day.Before(today):
		return day.Format("Monday")
	case day.Year() == now.Year():
		return day.Format("Monday 2 January")
	}
	return day.Format("2 January 2006")
}
