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
	p.st.connected()
	p.st.apply(wire.Event{Type: wire.TypeWelcome, Name: "ana"})
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
		`id="name-form"`, `id="name"`, `value="ana"`, `for="name"`, `for="composer-text"`,
		`id="error"`, `>slow down<`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, unwanted := range []string{"<img src=x", `id="leave"`, `id="offline"`, `id="update-banner"`, `id="install"`} {
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
