package e2e

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestMessageTextIsNotMarkup signs up with markup as the account's name and
// sends markup as messages: the other page (a guest's) shows it as literal
// text, in the timeline and in who is here, builds no element from it,
// runs none of it, and opens no dialog.
func TestMessageTextIsNotMarkup(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)

	// Count dialogs on bo's page; one would also block it, failing the
	// waits below.
	dialogCtx, stopDialogs := context.WithCancel(bo)
	defer stopDialogs()
	var dialogs atomic.Int32
	opened := chromedp.Events(dialogCtx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range opened {
			if err != nil {
				return
			}
			dialogs.Add(1)
			chromedp.Call(bo, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()

	// Markup is a name wire.ValidName allows (printable, 24 characters at
	// most), so an account may have it.
	const name = `<b onclick=x>ana</b>`
	signUp(t, ana, app.URL, name)
	openChat(t, bo, app.URL)
	texts := []string{
		`<img src=x onerror="window.__xss=1">`,
		`<script>window.__xss=2</script>`,
		`<img src=x onerror=alert(1)>`,
		`<svg onload=alert(2)></svg> & "quotes" 'too'`,
	}
	for _, text := range texts {
		say(t, ana, text)
	}
	for _, text := range texts {
		waitMessage(t, bo, name, text)
	}
	waitPresent(t, bo, name)
	if n := eval[int](t, bo, `document.querySelectorAll("#messages img, #messages script, #messages b, #presence b, #messages svg:not([aria-hidden])").length`); n != 0 {
		t.Errorf("%d elements were built from message text", n)
	}
	if n := eval[int](t, ana, `document.querySelectorAll("#me b").length`); n != 0 {
		t.Error("the name was built into markup in #me")
	}
	for _, tab := range []context.Context{ana, bo} {
		if v := eval[bool](t, tab, `window.__xss !== undefined`); v {
			t.Error("a message's script ran")
		}
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d dialogs opened", n)
	}
}
