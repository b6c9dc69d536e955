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
	p.setMe(user{ID: "g1", Name: "ana", Guest: true})
	p.st.connected()
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana", User: "g1", Guest: true})
	p.st.apply(joined("lobby", 0))
	p.st.join("design")
	p.st.apply(joined("design", 0))
	p.st.switchTo("lobby")
	p.st.apply(msgIn("design", 3, "d3", "bo", "unread here"))
	p.st.apply(wire.Event{Type: wire.TypePresence, Room: "lobby", Count: 3, Names: []string{"ana", "bo", "cy"}})
	p.st.apply(msg(12, "abcdefghijklmnop", "bo", `<img src=x onerror=alert(1)> & "hi"`))
	p.st.apply(msg(13, "second", "bo", "grouped"))
	p.st.apply(wire.Event{Type: wire.TypeBroadcast, Text: wire.BenchmarkText})
	p.st.queue("pendingid", "on its way")
	p.st.apply(wire.Event{Type: wire.TypeError, Code: wire.CodeUnknownType, Text: "slow down"})
	p.st.roomError = "room name is empty"

	html := app.HTMLString(p)
	for _, want := range []string{
		`id="status"`, `data-state="connected"`, `>Connected<`,
		`id="online"`, `>3 online<`, `title="ana, bo, cy"`,
		`id="sidebar"`, `id="rooms"`, `data-room="lobby"`, `data-room="design"`, `aria-current="page"`,
		`class="unread"`, `aria-label="#design, 1 unread"`,
		`id="room-form"`, `id="room-name"`, `maxlength="32"`, `for="room-name"`, `id="room-error"`, `>room name is empty<`,
		`id="presence"`, `class="person-name">bo<`,
		`id="menu-toggle"`, `aria-expanded="false"`, `aria-label="Rooms, 1 unread"`,
		`id="messages"`, `<ol `, `<li class="day">`,
		`class="msg"`, `class="msg cont"`, `data-id="abcdefghijklmnop"`, `data-seq="12"`,
		`class="from">bo<`,
		`<time `, `datetime="2025-01-02T03:04:05Z"`,
		`class="text">&lt;img src=x onerror=alert(1)&gt; &amp; &#34;hi&#34;<`,
		`<li class="system">`, `test message`,
		`class="pending"`, `data-id="pendingid"`, `Sending…`,
		`This is the start of #lobby.`,
		`id="composer"`, `id="composer-text"`, `id="composer-send"`, `type="submit"`,
		`id="me-name"`, `class="guest-badge"`, `id="signup-link"`, `id="login-link"`, `for="composer-text"`,
		`id="private-rooms"`, `id="direct-rooms"`, `class="side-note"`,
		`id="error"`, `>slow down<`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, unwanted := range []string{"<img src=x", `id="leave"`, `id="offline"`, `id="update-banner"`, `id="install"`,
		`id="new-private"`, `id="sign-out"`, `class="icon-button small delete-msg"`, `id="room-settings"`} {
		if strings.Contains(html, unwanted) {
			t.Errorf("page has %s", unwanted)
		}
	}
	if t.Failed() {
		t.Log(html)
	}
}

func TestPageOfflineInARoom(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.st.join("design")
	p.st.queue("q1", "typed offline")
	p.st.disconnected()
	p.pwa.updateAvailable = true
	p.pwa.installable = true
	html := app.HTMLString(p)
	for _, want := range []string{
		`data-state="unreachable"`, `>Server unreachable<`, `id="offline"`, `id="reconnect"`, `Will be sent when the server is back.`,
		`id="leave"`, `aria-label="Leave #design"`, `data-room="design"`,
		`class="pending queued"`, `data-id="q1"`,
		`id="update-banner"`, `id="update-reload"`, `id="install"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(html)
	}
}

func TestPageBeforeConnecting(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	html := app.HTMLString(p)
	for _, want := range []string{`data-state="connecting"`, `>Online: unknown<`, `No messages yet`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if regexp.MustCompile(`\shidden[\s=>]`).MatchString(html) {
		t.Error(`a prerendered "hidden" attribute hides the element whatever its value`)
	}
}

// TestPresenceIsNotLiveWhileDisconnected: the head count of a connection
// that ended says when it was true, and a page that has not heard one says
// it does not know; neither passes for who is in the room now.
func TestPresenceIsNotLiveWhileDisconnected(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.st.connected()
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana"})
	p.st.apply(joined("lobby", 0))
	p.st.apply(wire.Event{Type: wire.TypePresence, Room: "lobby", Count: 2, Names: []string{"ana", "bo"}})
	html := app.HTMLString(p)
	for _, want := range []string{`class="online"`, `>2 online<`, `> · 2<`, `class="presence"`} {
		if !strings.Contains(html, want) {
			t.Errorf("connected: page lacks %s", want)
		}
	}

	p.st.disconnected()
	html = app.HTMLString(p)
	for _, want := range []string{`class="online stale"`, `>2 online at `, `> · 2 at `, `class="presence stale"`, `title="Not connected: who was here at `} {
		if !strings.Contains(html, want) {
			t.Errorf("disconnected: page lacks %s", want)
		}
	}
	if strings.Contains(html, `>2 online<`) {
		t.Error("disconnected: the last head count is shown as if live")
	}
	// Back, before the room's presence: still the old count, still stale.
	p.st.connected()
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana"})
	if html = app.HTMLString(p); strings.Contains(html, `>2 online<`) || !strings.Contains(html, `online stale`) {
		t.Error("reconnected: the count from before the drop passes for live before the room's presence came")
	}

	// A reload with the server down: nothing heard yet.
	st := storage{}
	p.st.save(st)
	re := &chatPage{}
	re.OnInit()
	re.st.load(st)
	re.st.disconnected()
	html = app.HTMLString(re)
	for _, want := range []string{`>Online: unknown<`, `> · unknown<`} {
		if !strings.Contains(html, want) {
			t.Errorf("reloaded offline: page lacks %s", want)
		}
	}
	if strings.Contains(html, `0 online`) {
		t.Error("reloaded offline: an unknown head count shows as 0")
	}
}

// TestPageWithoutNetwork: with the browser offline the page says so, in
// the status, the banner and the waiting messages, and offers no retry.
func TestPageWithoutNetwork(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.st.queue("q1", "typed offline")
	p.st.disconnected()
	p.st.network(false)
	html := app.HTMLString(p)
	for _, want := range []string{`data-state="offline"`, `>Offline<`, `id="offline"`, `You are offline.`, `Will be sent when you are back online.`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, unwanted := range []string{`id="reconnect"`, `unreachable`} {
		if strings.Contains(html, unwanted) {
			t.Errorf("page has %s", unwanted)
		}
	}
}

// TestPagePrivateRoom: an account's page in a private room it owns, with
// the panel and the dialog open: the room by its title, the settings
// button, the delete buttons on every message (the owner may delete any),
// the guest badge on a guest's message, and names as text.
func TestPagePrivateRoom(t *testing.T) {
	p := &chatPage{}
	p.OnInit()
	p.setMe(user{ID: "u1", Name: "ana"})
	p.st.connected()
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana", User: "u1"})
	p.st.apply(joined("lobby", 0))
	p.st.setRoomList([]roomInfo{
		{ID: "p-plans", Kind: kindPrivate, Title: "Plans <b>x</b>", Topic: "Q3 launch", Role: roleOwner},
		{ID: "dm-abc", Kind: kindDirect, Names: []string{"ana", "bo", "cy"}},
	})
	p.st.apply(joined("p-plans", 0))
	p.st.join("p-plans")
	p.st.apply(wire.Event{Type: wire.TypeMsg, Room: "p-plans", Seq: 1, ID: "m1", From: "<b>bo</b>", User: "u2", Text: "hi", TS: t0})
	p.st.apply(wire.Event{Type: wire.TypeMsg, Room: "p-plans", Seq: 2, ID: "m2", From: "guest-1234", User: "g9", Guest: true, Text: "yo", TS: t0})
	p.panel = roomPanel{open: true, room: "p-plans", detail: &roomDetail{Members: []member{
		{User: "u1", Name: "ana", Role: roleOwner}, {User: "u2", Name: "<b>bo</b>", Role: "member"},
	}}}
	p.dialog = roomDialog{kind: kindDirect, err: "no account is named zed"}
	html := app.HTMLString(p)
	for _, want := range []string{
		`class="app panel-open"`,
		`>Plans &lt;b&gt;x&lt;/b&gt;<`, `id="room-topic"`, `>Q3 launch<`, `id="room-settings"`,
		`data-room="p-plans"`, `data-room="dm-abc"`, `>bo, cy<`,
		`id="new-private"`, `id="new-direct"`, `id="account-link"`, `id="sign-out"`,
		`class="from">&lt;b&gt;bo&lt;/b&gt;<`, `class="guest-badge"`, `class="icon-button small delete-msg"`,
		`id="room-panel"`, `id="topic-form"`, `value="Q3 launch"`, `id="members"`, `data-user="u2"`, `>Remove<`,
		`id="add-member-form"`, `id="copy-invite"`, `id="leave-room"`,
		`id="room-dialog"`, `role="dialog"`, `aria-modal`, `>New direct message<`, `no account is named zed`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Only text nodes are checked for markup: go-app's server encoder
	// quotes attribute values with strconv.Quote, not HTML escaping, which
	// is why nothing a person typed is ever prerendered (the server renders
	// the page empty; the browser sets attributes through the DOM).
	if strings.Contains(html, ">Plans <b>") || strings.Contains(html, "><b>bo</b><") {
		t.Error("a name or title was rendered as markup")
	}
	for _, unwanted := range []string{`id="leave"`, `id="signup-link"`} {
		if strings.Contains(html, unwanted) {
			t.Errorf("page has %s", unwanted)
		}
	}
	if t.Failed() {
		t.Log(html)
	}
}
