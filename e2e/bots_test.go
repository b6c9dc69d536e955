package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// botPost posts a bot's message with its token, as a CI job would, and
// returns the status.
func botPost(tb testing.TB, app *chatServer, token, text string) int {
	tb.Helper()
	req, err := http.NewRequest("POST", app.URL+"api/rooms/lobby/messages", strings.NewReader(`{"text":`+jsString(text)+`}`))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func bots(t *testing.T, app *chatServer, ana, bo context.Context) {
	t.Helper()
	do(t, ana, "to the admin page", chromedp.Click(chromedp.ID("admin-link")))
	waitPath(t, ana, "/admin")
	do(t, ana, "make a bot",
		chromedp.WaitVisible(chromedp.ID("bot-name")),
		chromedp.SendKeys(chromedp.ID("bot-name"), "ci"),
		chromedp.SendKeys(chromedp.ID("bot-webhook"), "https://ci.example.org/chat\r"))
	waitFor(t, ana, "its keys, once", `document.getElementById("bot-token")?.value.length > 10 &&
		document.getElementById("bot-secret")?.value.length > 10 &&
		document.getElementById("bot-once")?.textContent.includes("Shown once") &&
		document.querySelector('#bots li[data-bot] .bot-name')?.textContent === "ci"`)
	token := eval[string](t, ana, `document.getElementById("bot-token").value`)
	shootSizes(t, ana, "admin-bots", nil)
	do(t, ana, "desktop size", chromedp.EmulateViewport(1280, 800))

	if code := botPost(t, app, token, "build 42 passed"); code != 201 {
		t.Fatalf("the bot's post: %d, want 201", code)
	}
	waitMessage(t, bo, "ci", "build 42 passed")
	if eval[string](t, bo, msgJS("ci", "build 42 passed")+`.querySelector(".bot-badge")?.textContent ?? ""`) != "bot" {
		t.Error("the bot's message has no bot badge")
	}
	if eval[bool](t, bo, msgJS("ana", "Coffee is ready")+`.querySelector(".bot-badge") !== null`) {
		t.Error("a person's message has a bot badge")
	}

	do(t, ana, "a new token", chromedp.Click(chromedp.CSS(`#bots .bot-rotate`)))
	waitFor(t, ana, "the new token", `document.getElementById("bot-token")?.value !== `+jsString(token)+` &&
		document.getElementById("bot-token")?.value.length > 10`)
	rotated := eval[string](t, ana, `document.getElementById("bot-token").value`)
	if code := botPost(t, app, token, "with the old token"); code != 401 {
		t.Errorf("the old token after a new one: %d, want 401", code)
	}
	if code := botPost(t, app, rotated, "with the new token"); code != 201 {
		t.Errorf("the new token: %d, want 201", code)
	}

	do(t, ana, "revoke", chromedp.Click(chromedp.CSS(`#bots .bot-revoke`)))
	waitFor(t, ana, "asked to confirm", `document.querySelector("#bots .bot-revoke")?.textContent === "Yes, revoke"`)
	do(t, ana, "confirm", chromedp.Click(chromedp.CSS(`#bots .bot-revoke`)))
	waitFor(t, ana, "no bots", `document.getElementById("no-bots") !== null && document.getElementById("bot-keys") === null`)
	if code := botPost(t, app, rotated, "after the revoke"); code != 401 {
		t.Errorf("a revoked bot's token: %d, want 401", code)
	}
}
