package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"chat/server"
)

// waitPath waits until the page is at path (and query, when given).
func waitPath(tb testing.TB, page context.Context, path string) {
	tb.Helper()
	waitFor(tb, page, "at "+path, `location.pathname + location.search === `+jsString(path))
}

// TestGuestLandsInLobby: a first visit chats at once as the guest the
// server names, with a guest badge and ways to sign up or in, and another
// visitor sees the badge next to the guest's messages.
func TestGuestLandsInLobby(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	guest, other := newPage(t, browser), newPage(t, browser)
	openChat(t, guest, app.URL)
	openChat(t, other, app.URL)
	name := eval[string](t, guest, `document.getElementById("me-name").textContent`)
	if !strings.HasPrefix(name, "guest-") {
		t.Fatalf("a guest is named %q, want guest-…", name)
	}
	if !eval[bool](t, guest, `document.querySelector("#me .guest-badge") !== null &&
		document.getElementById("signup-link") !== null && document.getElementById("login-link") !== null &&
		document.getElementById("sign-out") === null && document.getElementById("new-private") === null`) {
		t.Error("a guest's sidebar lacks the badge or the sign-up and sign-in links, or offers an account's")
	}
	if n := eval[int](t, guest, `document.querySelectorAll("#name-form, #name").length`); n != 0 {
		t.Error("the name form is still there")
	}
	waitCurrentRoom(t, guest, "lobby")
	say(t, guest, "hello from a guest")
	waitMessage(t, other, name, "hello from a guest")
	if !eval[bool](t, other, fmt.Sprintf(`[...document.querySelectorAll("#messages li.msg")].some(li =>
		li.querySelector(".from")?.textContent === %q && li.querySelector(".guest-badge")?.textContent === "guest")`, name)) {
		t.Error("no guest badge by the guest's message")
	}

	// The same guest after a reload: the cookie keeps the name.
	do(t, guest, "reload", chromedp.Reload())
	waitConnected(t, guest)
	if again := eval[string](t, guest, `document.getElementById("me-name").textContent`); again != name {
		t.Errorf("after a reload the guest is %q, was %q", again, name)
	}
}

// TestSignUpAndIn: the forms' refusals are shown as text (role=alert);
// signing up makes the account and chats as it; signing out and in again
// comes back as the same account.
func TestSignUpAndIn(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana, bo := newPage(t, browser), newPage(t, browser)
	signUp(t, ana, app.URL, "ana")
	if !eval[bool](t, ana, `document.getElementById("account-link") !== null && document.getElementById("sign-out") !== null &&
		document.querySelector("#me .guest-badge") === null && document.getElementById("admin-link") === null`) {
		t.Error("an account's sidebar lacks Account and Sign out, or shows a guest's")
	}

	// A taken name, then a short password: the server's words, as alerts.
	signUpAt(t, bo, app.URL+"signup", "ana")
	waitFor(t, bo, "name taken", `document.querySelector('#signup-error[role="alert"]')?.textContent.length > 0`)
	do(t, bo, "a short password",
		evalVoid(`document.getElementById("signup-name").value = ""; document.getElementById("signup-password").value = ""`),
		chromedp.SendKeys(chromedp.ID("signup-name"), "bo"),
		chromedp.SendKeys(chromedp.ID("signup-password"), "short\r"))
	waitFor(t, bo, "password refused", `document.getElementById("signup-error").textContent.includes("8")`)

	// Out, then a wrong password, then in.
	do(t, ana, "sign out", chromedp.Click(chromedp.ID("sign-out")))
	waitPath(t, ana, "/login")
	do(t, ana, "a wrong password",
		chromedp.WaitVisible(chromedp.CSS(`#login[data-ready="true"] #login-name`)),
		chromedp.SendKeys(chromedp.ID("login-name"), "ana"),
		chromedp.SendKeys(chromedp.ID("login-password"), "not the password\r"))
	waitFor(t, ana, "refused", `document.querySelector('#login-error[role="alert"]')?.textContent.length > 0`)
	signIn(t, ana, app.URL+"login", "ana")
	waitFor(t, ana, "signed in as ana", `document.getElementById("me-name")?.textContent === "ana"`)
	waitConnected(t, ana)
	say(t, ana, "back again")
	waitMessage(t, ana, "ana", "back again")
}

// TestSessionEndedGoesToLogin: signing out in one tab ends the session
// the other tab of the same browser chats on (close 4003): it stops, says
// why, and is on /login.
func TestSessionEndedGoesToLogin(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana := newPage(t, browser)
	signUp(t, ana, app.URL, "ana")
	ana2 := newSameContextTab(t, ana)
	openChat(t, ana2, app.URL)
	waitFor(t, ana2, "the second tab is ana", `document.getElementById("me-name")?.textContent === "ana"`)

	do(t, ana2, "sign out in the second tab", evalVoid(`fetch("/api/logout", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"})`))
	waitPath(t, ana, "/login?reason=ended")
	waitFor(t, ana, "the reason", `document.getElementById("login-notice")?.textContent.includes("session ended")`)
	if eval[string](t, ana, `localStorage.getItem("chat.me") ?? ""`) != "" {
		t.Error("what the browser kept of the session is still there")
	}
}

// TestMembersOnly: with -access members a visitor is sent to sign in; the
// first-run link makes the admin, whose admin page makes an invitation
// link a second person signs up with; the admin bans them by name, their
// page ends, and the list says who banned whom.
func TestMembersOnly(t *testing.T) {
	t.Parallel()
	app := startAppWith(t, func(c *server.Config) { c.Access = server.AccessMembers })
	browser := newBrowser(t)
	admin, bo := newPage(t, browser), newPage(t, browser)
	do(t, admin, "open the chat", chromedp.Navigate(app.URL))
	waitPath(t, admin, "/login")

	code, err := app.srv.SetupInvite(context.Background())
	if err != nil || code == "" {
		t.Fatalf("setup invite: %q, %v", code, err)
	}
	signUpAt(t, admin, app.URL+"signup?invite="+code, "root")
	waitFor(t, admin, "signed up as root", `document.getElementById("me-name")?.textContent === "root"`)
	waitConnected(t, admin)
	// The heading said what the link was for; it is used now, so a look
	// at it again says it is not valid.
	do(t, bo, "open the used setup link", chromedp.Navigate(app.URL+"signup?invite="+code))
	waitFor(t, bo, "the link is used", `document.getElementById("invite-error")?.textContent.includes("not valid")`)

	do(t, admin, "to the admin page", chromedp.Click(chromedp.ID("admin-link")))
	waitPath(t, admin, "/admin")
	do(t, admin, "make an invite link", chromedp.WaitVisible(chromedp.ID("make-invite")), chromedp.Click(chromedp.ID("make-invite")))
	waitFor(t, admin, "the link", `document.getElementById("admin-invite-link")?.value.includes("/signup?invite=")`)
	link := eval[string](t, admin, `document.getElementById("admin-invite-link").value`)
	signUpAt(t, bo, link, "bo")
	waitFor(t, bo, "signed up as bo", `document.getElementById("me-name")?.textContent === "bo"`)
	waitConnected(t, bo)

	do(t, admin, "ban bo",
		chromedp.SendKeys(chromedp.ID("ban-name"), "bo\r"))
	waitFor(t, admin, "bo in the list", `[...document.querySelectorAll("#bans .ban-name")].some(e => e.textContent === "bo")`)
	waitPath(t, bo, "/login?reason=ended")
}

// TestAccountPage: the account page lists where the account is signed in;
// ending another device's session sends that device to sign in; the
// password change says why it is refused, then that it is done.
func TestAccountPage(t *testing.T) {
	t.Parallel()
	app := startApp(t)
	browser := newBrowser(t)
	ana, phone := newPage(t, browser), newPage(t, browser)
	signUp(t, ana, app.URL, "ana")
	signIn(t, phone, app.URL+"login", "ana")
	waitFor(t, phone, "signed in on the phone", `document.getElementById("me-name")?.textContent === "ana"`)
	waitConnected(t, phone)

	do(t, ana, "to the account page", chromedp.Click(chromedp.ID("account-link")))
	waitPath(t, ana, "/account")
	waitFor(t, ana, "two sessions, this one marked", `document.querySelectorAll("#sessions li").length === 2 &&
		document.querySelectorAll('#sessions .revoke[data-current="true"]').length === 1`)
	shootSizes(t, ana, "account", nil)
	do(t, ana, "desktop size", chromedp.EmulateViewport(1280, 800))
	do(t, ana, "end the other session", chromedp.Click(chromedp.CSS(`#sessions .revoke[data-current="false"]`)))
	waitFor(t, ana, "one session left", `document.querySelectorAll("#sessions li").length === 1`)
	waitPath(t, phone, "/login?reason=ended")

	do(t, ana, "a wrong current password",
		chromedp.SendKeys(chromedp.ID("password-old"), "not it"),
		chromedp.SendKeys(chromedp.ID("password-new"), "a new long password\r"))
	waitFor(t, ana, "refused", `document.querySelector('#password-error[role="alert"]')?.textContent.length > 0`)
	do(t, ana, "the right one",
		evalVoid(`document.getElementById("password-old").value = ""; document.getElementById("password-new").value = ""`),
		chromedp.SendKeys(chromedp.ID("password-old"), testPassword),
		chromedp.SendKeys(chromedp.ID("password-new"), "a new long password\r"))
	waitFor(t, ana, "changed", `document.getElementById("password-note")?.textContent === "Password changed."`)
}
