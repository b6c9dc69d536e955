package app

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestAuthPages checks the forms of the account pages as the server
// prerenders them: every field labelled, the refusal an alert, the links
// between the pages, and nothing ready before app.wasm runs.
func TestAuthPages(t *testing.T) {
	for _, tc := range []struct {
		name string
		page app.UI
		want []string
	}{
		{"login", &loginPage{err: "wrong name or password", next: "/invite/abc", reason: "ended"}, []string{
			`id="login-form"`, `for="login-name"`, `id="login-name"`, `autocomplete="username"`,
			`for="login-password"`, `type="password"`, `autocomplete="current-password"`,
			`id="login-error"`, `role="alert"`, `>wrong name or password<`, `id="login-notice"`,
			`href="/signup?next=%2Finvite%2Fabc"`, `id="login-submit"`,
		}},
		{"signup", &signupPage{invite: "abc", info: &inviteInfo{Room: &roomInfo{ID: "p-x", Title: "Plans"}}}, []string{
			`>You&#39;re invited to Plans<`, `id="signup-form"`, `for="signup-name"`, `maxlength="24"`,
			`autocomplete="new-password"`, `id="signup-password-hint"`, `aria-describedby="signup-password-hint"`,
			`href="/login?next=%2Finvite%2Fabc"`, `id="signup-error"`,
		}},
		{"setup", &signupPage{invite: "abc", info: &inviteInfo{Setup: true}}, []string{`>Create the admin account<`}},
		{"invite offer", &invitePage{code: "abc", state: "offer", info: &inviteInfo{Room: &roomInfo{Title: "Plans"}}}, []string{
			`href="/signup?invite=abc"`, `href="/login?next=%2Finvite%2Fabc"`,
		}},
		{"account", &accountPage{me: &user{ID: "u1", Name: "ana"}, sessions: []device{{ID: "s1", Agent: "Firefox/1 (Windows)", Current: true}}}, []string{
			`id="password-form"`, `for="password-old"`, `for="password-new"`, `id="sessions"`, `Firefox on Windows`, `>this device<`, `data-current`,
		}},
		{"admin", &adminPage{me: &user{ID: "u1", Name: "root", Admin: true}, bans: []ban{{User: user{ID: "u2", Name: "bo"}, By: user{ID: "u1", Name: "root"}}}}, []string{
			`id="make-invite"`, `id="ban-form"`, `for="ban-name"`, `id="bans"`, `class="ban-name">bo<`, `class="ban-by">root<`, `>Unban<`,
		}},
		{"not admin", &adminPage{me: &user{ID: "u1", Name: "ana"}}, []string{`id="admin-refused"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			html := app.HTMLString(tc.page)
			for _, want := range tc.want {
				if !strings.Contains(html, want) {
					t.Errorf("lacks %s", want)
				}
			}
			if strings.Contains(html, `data-ready="true"`) {
				t.Error("the prerendered page says it is ready")
			}
			if t.Failed() {
				t.Log(html)
			}
		})
	}
}
