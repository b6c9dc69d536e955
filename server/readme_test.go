package server

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"chat/server/ws"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's table of who may call what from the authorization matrix")

const (
	whoBegin = "<!-- who may call what: made from the authorization matrix (server/matrix_test.go); go test ./server -run README -update-readme -->"
	whoEnd   = "<!-- end of who may call what -->"
)

// whoMayTable is the README's table of who may call what, from the
// matrix's rows: the same words the rows are checked against.
func whoMayTable(srv *Server) string {
	var b strings.Builder
	b.WriteString("| call | who may |\n| --- | --- |\n")
	for _, rt := range srv.api.Routes() {
		key := rt.Method + " " + rt.Pattern
		b.WriteString("| `" + key + "` | " + matrixRoutes[key].who + " |\n")
	}
	var types []string
	for typ := range ws.Events() {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		b.WriteString("| WebSocket `" + typ + "` | " + matrixEvents[typ].who + " |\n")
	}
	return b.String()
}

// TestREADMEWhoMayCallWhat: the README says who may call what in the
// words of the authorization matrix's rows, for every route and event.
func TestREADMEWhoMayCallWhat(t *testing.T) {
	srv, _ := startServer(t, nil)
	table := whoMayTable(srv)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i, j := strings.Index(text, whoBegin), strings.Index(text, whoEnd)
	if i < 0 || j < i {
		t.Fatalf("the README has no table of who may call what between %q and %q", whoBegin, whoEnd)
	}
	current := strings.TrimSpace(text[i+len(whoBegin) : j])
	if current == strings.TrimSpace(table) {
		return
	}
	if *updateREADME {
		text = text[:i+len(whoBegin)] + "\n" + table + text[j:]
		if err := os.WriteFile("../README.md", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's table of who may call what is not the matrix's; run go test ./server -run README -update-readme\nwant:\n%s", table)
}
