package app

import (
	"reflect"
	"strings"
	"testing"
)

func txt(s string) richSpan  { return richSpan{Kind: richText, Text: s} }
func link(s string) richSpan { return richSpan{Kind: richLink, Text: s} }
func code(s string) richSpan { return richSpan{Kind: richCode, Text: s} }
func block(lang, s string) richSpan {
	return richSpan{Kind: richBlock, Text: s, Lang: lang}
}

func TestParseRich(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct {
		name string
		in   string
		want []richSpan
	}{
		{"empty", "", nil},
		{"plain", "hello there", []richSpan{txt("hello there")}},
		{"line breaks kept", "one\ntwo\n\nthree", []richSpan{txt("one\ntwo\n\nthree")}},
		{"markup stays text", `<b>bold</b> <script>alert(1)</script> <a href="https://x.org">x</a>`,
			[]richSpan{txt(`<b>bold</b> <script>alert(1)</script> <a href="`), link("https://x.org"), txt(`">x</a>`)}},
		{"long word", long, []richSpan{txt(long)}},

		// Links.
		{"link", "see https://example.com/a?b=1#c now", []richSpan{txt("see "), link("https://example.com/a?b=1#c"), txt(" now")}},
		{"http", "http://example.com", []richSpan{link("http://example.com")}},
		{"mailto", "write to mailto:ana@example.com.", []richSpan{txt("write to "), link("mailto:ana@example.com"), txt(".")}},
		{"scheme in capitals", "HTTPS://EXAMPLE.COM", []richSpan{link("HTTPS://EXAMPLE.COM")}},
		{"full stop", "Go to https://go.dev.", []richSpan{txt("Go to "), link("https://go.dev"), txt(".")}},
		{"comma", "https://a.org, https://b.org", []richSpan{link("https://a.org"), txt(", "), link("https://b.org")}},
		{"sentence end", "really https://a.org/x?!", []richSpan{txt("really "), link("https://a.org/x"), txt("?!")}},
		{"in brackets", "(see https://a.org/x)", []richSpan{txt("(see "), link("https://a.org/x"), txt(")")}},
		{"own brackets", "https://en.wikipedia.org/wiki/Go_(programming_language)).",
			[]richSpan{link("https://en.wikipedia.org/wiki/Go_(programming_language)"), txt(").")}},
		{"quoted", `"https://a.org/x"`, []richSpan{txt(`"`), link("https://a.org/x"), txt(`"`)}},
		{"single quotes", `'https://a.org/x'`, []richSpan{txt(`'`), link("https://a.org/x"), txt(`'`)}},
		{"angle brackets", "<https://a.org/x>", []richSpan{txt("<"), link("https://a.org/x"), txt(">")}},
		{"line end", "https://a.org\nnext", []richSpan{link("https://a.org"), txt("\nnext")}},
		{"unicode path", "https://例え.jp/パス", []richSpan{link("https://例え.jp/パス")}},
		{"scheme alone", "https:// and http://", []richSpan{txt("https:// and http://")}},
		{"no host", "https:///path", []richSpan{txt("https:///path")}},
		{"mailto without address", "mailto: me", []richSpan{txt("mailto: me")}},
		{"inside a word", "xhttps://a.org", []richSpan{txt("xhttps://a.org")}},
		{"text whose lower case is longer", "İİİİ https://a.org İ", []richSpan{txt("İİİİ "), link("https://a.org"), txt(" İ")}},
		{"many schemes, no links", strings.Repeat("https:// mailto: ", 200), []richSpan{txt(strings.Repeat("https:// mailto: ", 200))}},

		// Refused schemes.
		{"javascript", "javascript:alert(1)", []richSpan{txt("javascript:alert(1)")}},
		{"javascript in capitals", "JavaScript:alert(document.cookie)", []richSpan{txt("JavaScript:alert(document.cookie)")}},
		{"data", "data:text/html,<script>alert(1)</script>", []richSpan{txt("data:text/html,<script>alert(1)</script>")}},
		{"vbscript", "vbscript:msgbox(1)", []richSpan{txt("vbscript:msgbox(1)")}},
		{"file and ftp", "file:///etc/passwd ftp://a.org", []richSpan{txt("file:///etc/passwd ftp://a.org")}},
		{"javascript around https", "javascript:https://a.org", []richSpan{txt("javascript:"), link("https://a.org")}},

		// Code.
		{"code span", "run `go test ./...` now", []richSpan{txt("run "), code("go test ./..."), txt(" now")}},
		{"link in code stays text", "`https://a.org`", []richSpan{code("https://a.org")}},
		{"markup in code", "`<b>x</b>`", []richSpan{code("<b>x</b>")}},
		{"double ticks", "``a ` b``", []richSpan{code("a ` b")}},
		{"double ticks padded", "`` `x` ``", []richSpan{code("`x`")}},
		{"unterminated tick", "it`s fine", []richSpan{txt("it`s fine")}},
		{"tick across lines", "a `b\nc` d", []richSpan{txt("a `b\nc` d")}},
		{"empty code", "`` and ` `", []richSpan{txt("`` and ` `")}},
		{"block", "look:\n```\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n```\ndone",
			[]richSpan{txt("look:"), block("", "func main() {\n\tfmt.Println(\"hi\")\n}"), txt("done")}},
		{"block with language", "```go\nx := 1\n```", []richSpan{block("go", "x := 1")}},
		{"block on one line", "```x  :=  1```", []richSpan{block("", "x  :=  1")}},
		{"word on first line is code mid-line", "a ```b\nc```", []richSpan{txt("a "), block("", "b\nc")}},
		{"block keeps markup and links", "```\n<i>https://a.org</i> `x`\n```", []richSpan{block("", "<i>https://a.org</i> `x`")}},
		{"block keeps blank lines", "```\na\n\n  b\n```", []richSpan{block("", "a\n\n  b")}},
		{"longer closing fence", "```a````", []richSpan{block("", "a`")}},
		{"unterminated block", "```\nnot closed `x`", []richSpan{txt("```\n"), txt("not closed "), code("x")}},
		{"empty block", "``````", []richSpan{txt("``````")}},
		{"two blocks", "```a``` and ```b```", []richSpan{block("", "a"), txt(" and "), block("", "b")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseRich(tc.in)
			if !reflect.DeepEqual(got, mergeText(tc.want)) {
				t.Errorf("parseRich(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

// mergeText lets a table write adjacent text spans apart.
func mergeText(spans []richSpan) []richSpan {
	var out []richSpan
	for _, sp := range spans {
		out = appendSpan(out, sp)
	}
	return out
}

// Every byte of a message is in some span, or is a delimiter around one:
// nothing typed is lost, and no span is empty.
func TestParseRichKeepsText(t *testing.T) {
	for _, in := range []string{
		"a https://b.org/c). `d` ```e```", "````", "`a``b`", "https://x.org/(a", "```go\n```", "\n\n```\nx\n```\n\n",
		"mailto:@", "mailto:a@", "http://[::1]:8080/", "https://a.org/\u200bb", "😀https://a.org😀",
	} {
		spans := parseRich(in)
		var all strings.Builder
		for _, sp := range spans {
			if sp.Text == "" {
				t.Errorf("parseRich(%q): an empty span in %+v", in, spans)
			}
			if sp.Kind == richLink && !strings.HasPrefix(strings.ToLower(sp.Text), "http") && !strings.HasPrefix(strings.ToLower(sp.Text), "mailto:") {
				t.Errorf("parseRich(%q): link %q", in, sp.Text)
			}
			all.WriteString(sp.Text)
		}
		if got := stripDelims(all.String()); got != stripDelims(in) {
			t.Errorf("parseRich(%q) lost text: %q", in, all.String())
		}
	}
}

func stripDelims(s string) string {
	return strings.NewReplacer("`", "", "\n", "", "go", "").Replace(s)
}

func FuzzParseRich(f *testing.F) {
	f.Add("see https://a.org/x). `code` ```go\nblock\n``` javascript:alert(1)")
	f.Fuzz(func(t *testing.T, s string) {
		for _, sp := range parseRich(s) {
			if sp.Text == "" {
				t.Fatalf("empty span in %q", s)
			}
			if sp.Kind == richLink {
				l := strings.ToLower(sp.Text)
				if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "mailto:") {
					t.Fatalf("link %q in %q", sp.Text, s)
				}
				if strings.ContainsAny(sp.Text, " \t\n<>\"`") {
					t.Fatalf("link %q in %q", sp.Text, s)
				}
			}
		}
	})
}
