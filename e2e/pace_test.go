package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBurstOfMessagesArrivesInOrder is issue 5 in the browser: eighty
// messages sent through the composer as fast as it takes them (a paste, a
// bot) all reach the other page, in order, and not one turns into a "Not
// sent" bubble: the app sends at the pace the server's welcome gave.
func TestBurstOfMessagesArrivesInOrder(t *testing.T) {
	t.Parallel()
	_, ana, bo := anaAndBo(t)
	const n = 80
	// Every submit waits for the composer to take the previous one (it
	// clears the field), as Enter pressed over and over would.
	do(t, ana, "send 80 messages through the composer", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(async () => {
		window.__failedSeen = 0;
		new MutationObserver(() => {
			if (document.querySelector("#messages li.pending.failed")) window.__failedSeen++;
		}).observe(document.body, {childList: true, subtree: true, attributes: true});
		const input = document.getElementById("composer-text");
		const form = document.getElementById("composer");
		for (let i = 1; i <= %d; i++) {
			input.value = "burst " + i;
			form.requestSubmit();
			const start = performance.now();
			while (input.value !== "") {
				if (performance.now() - start > 5000) throw new Error("the composer did not take message " + i);
				await new Promise(r => setTimeout(r, 0));
			}
		}
	})()`, n), chromedp.EvalAwaitPromise))

	burstJS := `[...document.querySelectorAll("#messages li.msg")].filter(li => li.querySelector(".from")?.textContent.trim() === "ana").map(li => li.querySelector(".text").textContent).filter(t => t.startsWith("burst "))`
	waitFor(t, bo, "the 80 messages at bo", burstJS+`.length >= 80`)
	got := eval[[]string](t, bo, burstJS)
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("burst %d", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("bo got %d messages, not the 80 in order: %q", len(got), got)
	}
	waitFor(t, ana, "ana's outbox empty", `document.querySelector("#messages li.pending") === null`)
	if seen := eval[int](t, ana, `window.__failedSeen`); seen != 0 {
		t.Errorf("a failed bubble was shown %d times", seen)
	}
	if text := eval[string](t, ana, `document.getElementById("error").textContent`); text != "" {
		t.Errorf("#error says %q", text)
	}
}
