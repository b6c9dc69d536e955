package app

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestSearchPanelRender checks the panel as the page renders it: each
// result's room (a private room by its title), author and text, the words
// marked with <mark> and the text never taken for markup; then the empty
// and the error states.
func TestSearchPanelRender(t *testing.T) {
	var p *chatPage
	// A page for each state: a page rendered once keeps its tree.
	with := func(s searchUI) {
		p = &chatPage{}
		p.OnInit()
		p.search = s
	}
	with(searchUI{open: true, query: "plan", words: []string{"plan"}, done: true, hits: []searchHit{
		{Room: "p-abcdefghijklmnop", Seq: 9, From: "ana", Text: "the <b>plan</b> & PLANS", TS: time.Now(), Title: "Plans"},
		{Room: "lobby", Seq: 3, From: "bo", Text: "no plan", TS: time.Now()},
	}})
	// The prerender's indentation out, to read the markup as the DOM has
	// it. (Its attributes come in any order: a check names one at most.)
	flat := func() string { return regexp.MustCompile(`\s*\n\s*`).ReplaceAllString(app.HTMLString(p), "") }
	html := flat()
	for _, want := range []string{
		`id="search-open"`, `id="search-panel"`, `id="search-text"`, `role="search"`,
		`data-room="p-abcdefghijklmnop"`, `data-seq="9"`, `>Plans<`, `class="hit-from">ana<`,
		`<span>the &lt;b&gt;</span><mark>plan</mark><span>&lt;/b&gt; &amp; </span><mark>PLAN</mark><span>S</span>`,
		`data-room="lobby"`, `>#<`, `>lobby<`, `<mark>plan</mark>`,
		`>2 messages<`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the panel lacks %s", want)
		}
	}
	if strings.Contains(html, "<b>") || strings.Contains(html, `id="search-empty"`) {
		t.Error("markup from a message, or the empty state beside results")
	}

	with(searchUI{open: true, query: "zzz", done: true})
	if html := flat(); !strings.Contains(html, `id="search-empty"`) || !strings.Contains(html, "No messages match “zzz”.") {
		t.Error("no empty state")
	}
	with(searchUI{open: true, query: "zzz", err: "Search failed: the server cannot be reached"})
	if html := flat(); !strings.Contains(html, `>Search failed: the server cannot be reached</p>`) || strings.Contains(html, `id="search-empty"`) {
		t.Error("no error state, or the empty state with it")
	}
	with(searchUI{})
	if html := flat(); strings.Contains(html, `id="search-panel"`) {
		t.Error("the panel shows while closed")
	}
}
