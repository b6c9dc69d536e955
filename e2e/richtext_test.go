package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// typeLines types lines into the composer as a person does: Shift+Enter
// between them, Enter at the end to send. Each line's text goes in as one
// insertion (the input events a paste or an input method makes), not key
// by key: the keys under test are the line breaks, and three DevTools
// round trips a character took most of a minute on a busy machine.
func typeLines(tb testing.TB, page context.Context, lines ...string) {
	tb.Helper()
	do(tb, page, "focus the composer", chromedp.WaitVisible(chromedp.ID("composer-text")), chromedp.Focus(chromedp.ID("composer-text")))
	for i, line := range lines {
		if i > 0 {
			do(tb, page, "Shift+Enter", chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)))
		}
		if line == "" {
			continue
		}
		ctx, cancel := context.WithTimeout(page, 30*time.Second)
		_, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: line})
		cancel()
		if err != nil {
			tb.Fatalf("type %q: %v", line, err)
		}
	}
}

// pressEnter sends what the composer holds.
func pressEnter(tb testing.TB, page context.Context) {
	tb.Helper()
	do(tb, page, "press Enter", chromedp.Focus(chromedp.ID("composer-text")), chromedp.KeyEvent("\r"))
}

// lastMessageJS is the newest li.msg from someone.
func lastMessageJS(from string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#messages li.msg")].filter(li =>
		li.querySelector(".from")?.textContent.trim() === %q).at(-1)`, from)
}

const (
	richLink      = "https://example.com/notes?v=2"
	richCodeSpan  = "go test ./..."
	richCodeLine1 = "func main() {"
	richCodeLine2 = `    fmt.Println("spaced   out")   // kept as typed`
)

var (
	richWord     = strings.Repeat("w", 300)
	richLongCode = "    var longLine = " + strings.Repeat("x_", 90) + " // scrolls"
	richLines    = []string{
		"Release notes: " + richLink + ".",
		"Do not click javascript:alert(1) please, <b>nor this</b>",
		"Run `" + richCodeSpan + "` first:",
		"```",
		richCodeLine1,
		richCodeLine2,
		richLongCode,
		"}",
		"```",
		richWord,
	}
)

// TestRichText is issue 16's "links and text": ana types a message of
// several lines with Shift+Enter (a link, javascript:, markup, inline code,
// a code block and a 300-character word) and sends it with Enter; bo sees
// it with its line breaks, one safe link, the code as code, and a page no
// wider than a phone's window. Pasted line breaks are kept too.
func TestRichText(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	do(t, bo, "a phone's width", chromedp.EmulateViewport(375, 740, chromedp.EmulateScale(2)))

	typeLines(t, ana, richLines[:3]...)
	if n := eval[int](t, ana, `document.querySelectorAll("#messages li.msg, #messages li.pending").length`); n != 0 {
		t.Fatalf("Shift+Enter sent something: %d messages", n)
	}
	if got := eval[string](t, ana, `document.getElementById("composer-text").value`); got != strings.Join(richLines[:3], "\n") {
		t.Fatalf("the composer holds %q", got)
	}
	grown := eval[float64](t, ana, `document.getElementById("composer-text").offsetHeight`)
	if grown < 60 {
		t.Errorf("the composer is %v px tall with three lines: it did not grow", grown)
	}
	typeLines(t, ana, append([]string{""}, richLines[3:]...)...)
	capped := eval[float64](t, ana, `document.getElementById("composer-text").offsetHeight`)
	if capped > 160 {
		t.Errorf("the composer is %v px tall: it should stop growing after a few lines", capped)
	}
	pressEnter(t, ana)

	msg := lastMessageJS("ana")
	waitFor(t, bo, "ana's message", msg+` !== undefined`)
	waitFor(t, ana, "the composer empty and short again", `document.getElementById("composer-text").value === "" &&
		document.getElementById("composer-text").offsetHeight < 50`)
	if n := eval[int](t, bo, `document.querySelectorAll("#messages li.msg").length`); n != 1 {
		t.Errorf("bo sees %d messages, want the one", n)
	}

	// Line breaks: each typed line outside the code block is a line of
	// its own on screen.
	lines := eval[[]string](t, bo, msg+`.querySelector(".text").innerText.split("\n")`)
	for _, want := range []string{richLines[0], richLines[1], "Run " + richCodeSpan + " first:", richWord} {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("no line %q on screen; the lines are %q", want, lines)
		}
	}

	// One link, safe; javascript: and markup stay text.
	type anchor struct{ Href, Rel, Target, Text string }
	links := eval[[]anchor](t, bo, `Array.from(`+msg+`.querySelectorAll("a"), a => ({
		Href: a.getAttribute("href"), Rel: a.rel, Target: a.target, Text: a.textContent}))`)
	want := anchor{richLink, "noopener noreferrer nofollow", "_blank", richLink}
	if len(links) != 1 || links[0] != want {
		t.Errorf("links %+v, want just %+v", links, want)
	}
	if n := eval[int](t, bo, `document.querySelectorAll('a[href^="javascript" i], a[href^="data" i], #messages b').length`); n != 0 {
		t.Errorf("%d javascript: or data: links or <b> elements on the page", n)
	}

	// Code: the span and the block, spaces kept, no markup in them.
	if got := eval[[]string](t, bo, `Array.from(`+msg+`.querySelectorAll(".text > code"), c => c.textContent)`); len(got) != 1 || got[0] != richCodeSpan {
		t.Errorf("inline code %q, want [%q]", got, richCodeSpan)
	}
	block := strings.Join([]string{richCodeLine1, richCodeLine2, richLongCode, "}"}, "\n")
	if got := eval[[]string](t, bo, `Array.from(`+msg+`.querySelectorAll("pre > code"), c => c.textContent)`); len(got) != 1 || got[0] != block {
		t.Errorf("code blocks %q, want [%q]", got, block)
	}

	// At 375 px: nothing wider than the window; the long word wraps in its
	// bubble and the long code line scrolls inside its block.
	if w := eval[int](t, bo, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Errorf("the page is %d px wider than the window", w)
	}
	if h := eval[int](t, bo, `document.scrollingElement.scrollHeight - window.innerHeight`); h > 0 {
		t.Errorf("the page is %d px taller than the window: it scrolls as a whole", h)
	}
	if right := eval[float64](t, bo, msg+`.querySelector(".bubble").getBoundingClientRect().right - window.innerWidth`); right > 0 {
		t.Errorf("the bubble sticks out %v px past the window", right)
	}
	if !eval[bool](t, bo, `(() => { const pre = `+msg+`.querySelector("pre");
		return pre.scrollWidth > pre.clientWidth && getComputedStyle(pre).overflowX === "auto" })()`) {
		t.Error("the long code line does not scroll inside its block")
	}

	// Pasted text keeps its line breaks.
	do(t, bo, "paste two lines", chromedp.Focus(chromedp.ID("composer-text")))
	if _, err := chromedp.Call(bo, input.InsertText, input.InsertTextParams{Text: "pasted one\npasted two"}); err != nil {
		t.Fatal(err)
	}
	pressEnter(t, bo)
	waitMessage(t, ana, "bo", "pasted one\npasted two")
	if got := eval[string](t, ana, lastMessageJS("bo")+`.querySelector(".text").innerText`); got != "pasted one\npasted two" {
		t.Errorf("the pasted message shows as %q", got)
	}
	waitMessage(t, bo, "bo", "pasted one\npasted two")
	if h := eval[int](t, bo, `document.scrollingElement.scrollHeight - window.innerHeight`); h > 0 {
		t.Errorf("with a message of one's own, the page is %d px taller than the window", h)
	}
}

// TestRichTextScreenshots photographs links, code and long words, in
// others' bubbles and one's own, at 375 and 1280 px, light and dark.
func TestRichTextScreenshots(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	typeLines(t, bo, richLines...)
	pressEnter(t, bo)
	waitFor(t, ana, "bo's message", lastMessageJS("bo")+` !== undefined`)
	typeLines(t, ana, "Thanks! Docs at https://go.dev/doc/ (see the FAQ), or mail mailto:ana@example.com.",
		"Use `make build` then:", "```sh", "./bin/chat serve -addr :8080 -data ./data", "```")
	pressEnter(t, ana)
	waitFor(t, ana, "ana's message", lastMessageJS("ana")+` !== undefined`)
	typeLines(t, bo, "Long link: https://example.com/"+strings.Repeat("very-long-path-segment/", 8)+"end")
	pressEnter(t, bo)
	waitMessage(t, ana, "bo", "Long link: https://example.com/"+strings.Repeat("very-long-path-segment/", 8)+"end")

	for _, size := range []struct {
		name  string
		w, h  int64
		scale float64
	}{{"phone-375", 375, 740, 2}, {"desktop-1280", 1280, 800, 1}} {
		do(t, ana, size.name, chromedp.EmulateViewport(size.w, size.h, chromedp.EmulateScale(size.scale)))
		for _, scheme := range []string{"light", "dark"} {
			colorScheme(t, ana, scheme)
			settled(t, ana)
			do(t, ana, "scroll to the code", evalVoid(`document.querySelector("#messages pre").scrollIntoView({block: "start"})`))
			shootPage(t, ana, "richtext-"+size.name+"-"+scheme)
		}
	}

	// The composer with a message of several lines, not yet sent.
	do(t, ana, "phone-375", chromedp.EmulateViewport(375, 740, chromedp.EmulateScale(2)))
	colorScheme(t, ana, "light")
	typeLines(t, ana, "Three lines:", "the composer grows with them,", "`code` too")
	settled(t, ana)
	shootPage(t, ana, "richtext-phone-375-composer")
}
