package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"chat/wire"
)

// TestPageHooks checks the ids, classes and attributes the browser tests
// select on, in the page as the server prerenders it.
func TestPageHooks(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.st.name = "ana"
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana"})
	p.st.apply(wire.Event{Type: wire.TypePresence, Room: "lobby", Count: 3, Names: []string{"ana", "bo", "cy"}})
	p.st.apply(msg(12, "abcdefghijklmnop", "bo", `<img src=x onerror=alert(1)> & "hi"`))
	p.st.apply(wire.Event{Type: wire.TypeBroadcast, Text: wire.BenchmarkText})
	p.st.queue("pendingid", "on its way")
	p.st.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeRateLimited, Text: "slow down"})

	html := app.HTMLString(p)
	for _, want := range []string{
		`id="status"`, `data-state="connected"`, `>Connected<`,
		`id="online"`, `>3 online<`, `title="ana, bo, cy"`,
		`id="messages"`, `<ol `,
		`class="msg"`, `data-id="abcdefghijklmnop"`, `data-seq="12"`,
		`class="from">bo<`,
		`<time class="time"`, `datetime="2025-01-02T03:04:05Z"`,
		`class="text">&lt;img src=x onerror=alert(1)&gt; &amp; &#34;hi&#34;<`,
		`<li class="system">`, `test message`,
		`class="pending"`, `data-id="pendingid"`,
		`id="composer"`, `id="composer-text"`, `id="composer-send"`, `type="submit"`,
		`id="name-form"`, `id="name"`, `value="ana"`, `for="name"`, `for="composer-text"`,
		`id="error"`, `>slow down<`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(html, "<img src=x") {
		t.Error("a message's text reached the page as markup")
	}
	if t.Failed() {
		t.Log(html)
	}
}

func TestPageBeforeConnecting(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	html := app.HTMLString(p)
	for _, want := range []string{`data-state="connecting"`, `>0 online<`, `No messages yet`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if regexp.MustCompile(`\shidden[\s=>]`).MatchString(html) {
		t.Error(`a prerendered "hidden" attribute hides the element whatever its value`)
	}
}
