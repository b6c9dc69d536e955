package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints the report as a table a person reads: each check, its
// value and verdict, then what it means and the fix.
func (r Report) WriteText(w io.Writer) {
	verdict := "yes"
	if !r.OK {
		verdict = "no"
	}
	fmt.Fprintf(w, "Can this machine hold %s clients as a %s? %s\n\n", num(r.Clients), r.Role, verdict)
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		status := strings.ToUpper(string(c.Status))
		if c.Status == Limit && c.Allows > 0 {
			status = fmt.Sprintf("LIMIT: %s clients", num(c.Allows))
		}
		fmt.Fprintf(w, "%-*s  %-24s  %s\n", width, c.Name, c.Value, status)
		fmt.Fprintf(w, "%*s  %s\n", width, "", c.Note)
		if c.Fix != "" {
			fmt.Fprintf(w, "%*s  fix: %s\n", width, "", c.Fix)
		}
	}
}

// WriteJSON prints the report as one JSON object, for scripts.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
