package app

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestRenderText checks the elements a message's text becomes: one link
// with our rel and target, code as code, and everything else escaped text.
func TestRenderText(t *testing.T) {
	html := app.HTMLString(renderText("see https://a.org/x). <b>no</b> javascript:alert(1) `<i>c</i>`\n```go\n<script>x</script>\n```"))
	// go-app writes attributes in no set order, and indents children.
	for _, want := range []string{
		`<div class="text">`,
		`href="https://a.org/x"`, `rel="noopener noreferrer nofollow"`, `target="_blank"`, `>https://a.org/x</a>`,
		`&lt;b&gt;no&lt;/b&gt; javascript:alert(1) `,
		`<code class="code">&lt;i&gt;c&lt;/i&gt;</code>`,
		`<pre `, `class="code-block"`, `data-lang="go"`, `tabindex="0"`, `<code>&lt;script&gt;x&lt;/script&gt;</code>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("no %s in\n%s", want, html)
		}
	}
	if n := strings.Count(html, "<a "); n != 1 {
		t.Errorf("%d links in\n%s", n, html)
	}
	for _, never := range []string{"<b>", "<i>", "<script", `href="javascript`} {
		if strings.Contains(html, never) {
			t.Errorf("%s in\n%s", never, html)
		}
	}
}
