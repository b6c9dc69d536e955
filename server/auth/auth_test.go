package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"chat/internal/natstest"
)

// openStore runs a real NATS server with JetStream and opens the store on it.
func openStore(t testing.TB, o *Options) *Store {
	t.Helper()
	js := natstest.JetStream(t)
	s, err := Open(context.Background(), js, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignUpSignInAndNamesAreOwned(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana, err := s.SignUp(ctx, "Ana", "correct horse", "", false, "10.1.1.1")
	if err != nil || ana.ID == "" || ana.Admin {
		t.Fatalf("sign-up: %+v, %v", ana, err)
	}
	for _, name := range []string{"Ana", "ana", "ANA"} {
		if _, err := s.SignUp(ctx, name, "another password", "", false, "10.1.1.1"); !errors.Is(err, ErrNameTaken) {
			t.Errorf("sign-up as %q beside Ana: %v, want %v", name, err, ErrNameTaken)
		}
		if taken, _ := s.NameTaken(ctx, name); !taken {
			t.Errorf("NameTaken(%q) = false", name)
		}
	}
	if _, err := s.SignUp(ctx, "bo", "short", "", false, "10.1.1.1"); err == nil {
		t.Error("a 5-character password was taken")
	}
	if got, err := s.SignIn(ctx, "ana", "correct horse", "10.0.0.1"); err != nil || got.ID != ana.ID {
		t.Fatalf("sign-in: %+v, %v", got, err)
	}
	if _, err := s.SignIn(ctx, "ana", "wrong horse", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := s.SignIn(ctx, "nobody", "correct horse", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("unknown name: %v, want the same answer as a wrong password", err)
	}
	_, sess, err := s.NewSession(ctx, ana, "phone")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePassword(ctx, sess, "wrong horse", "new password!"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("password change with the wrong old one: %v", err)
	}
	if err := s.ChangePassword(ctx, sess, "correct horse", "new password!"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, "ana", "new password!", "10.0.0.1"); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
}

// TestUnknownNameCostsWhatAWrongPasswordDoes: sign-in time does not tell
// who has an account, because an unknown name does the work a wrong
// password does: one argon2id check, with the same cost (memory, passes,
// threads). The work is counted, not timed: on a machine shared with other
// tests a clock says more about the neighbours than about the code.
func TestUnknownNameCostsWhatAWrongPasswordDoes(t *testing.T) {
	s := openStore(t, &Options{SignInRate: 1000})
	clock := newTestClock(s)
	ctx := context.Background()
	if _, err := s.SignUp(ctx, "ana", "correct horse", "", false, "10.1.1.1"); err != nil {
		t.Fatal(err)
	}
	var costs []string // the cost part of each PHC string checked
	s.checkHash = func(phc, password string) (bool, error) {
		costs = append(costs, strings.Split(phc, "$")[3])
		return checkPassword(phc, password)
	}
	work := func(name string) []string {
		clock.add(time.Hour) // past any backoff: the attempt is made
		costs = nil
		if _, err := s.SignIn(ctx, name, "wrong horse", "10.0.0.9"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("%s: %v", name, err)
		}
		return costs
	}
	known, unknown := work("ana"), work("nobody-at-all")
	if len(known) != 1 || !slices.Equal(known, unknown) {
		t.Errorf("a wrong password checks %v, an unknown name %v: the difference tells who exists", known, unknown)
	}
	if want := fmt.Sprintf("m=%d,t=%d,p=%d", argonMemory, argonTime, argonThreads); len(unknown) != 1 || unknown[0] != want {
		t.Errorf("an unknown name is checked at %v, want the real cost %s", unknown, want)
	}
}

// TestSignInIsThrottledPerAddress: SignInRate attempts a minute from one
// address, on any names. (Per name, sign-ins back off: signin_test.go.)
func TestSignInIsThrottledPerAddress(t *testing.T) {
	s := openStore(t, &Options{SignInRate: 3})
	ctx := context.Background()
	var te *ThrottledError
	for i := range 3 {
		_, _ = s.SignIn(ctx, fmt.Sprint("name", i), "guess", "10.0.0.50")
	}
	if _, err := s.SignIn(ctx, "someone-else", "guess", "10.0.0.50"); !errors.As(err, &te) {
		t.Fatalf("4th attempt from one address on a new name: %v, want throttled", err)
	}
	if _, err := s.SignIn(ctx, "fresh", "guess", "10.0.0.51"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("another name from another address: %v, want just a wrong password", err)
	}
}

func TestInvitesAndTheFirstAdmin(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	if _, err := s.SignUp(ctx, "ana", "correct horse", "", true, "10.1.1.1"); !errors.Is(err, ErrInviteRequired) {
		t.Fatalf("sign-up without an invitation where one is needed: %v", err)
	}
	setup, err := s.SetupInvite(ctx)
	if err != nil || setup == "" {
		t.Fatalf("setup invitation: %q, %v", setup, err)
	}
	older, _ := s.SetupInvite(ctx) // a restart before anyone signed up
	admin, err := s.SignUp(ctx, "ana", "correct horse", setup, true, "10.1.1.1")
	if err != nil || !admin.Admin {
		t.Fatalf("sign-up with the setup link: %+v, %v; want the admin", admin, err)
	}
	if again, _ := s.SetupInvite(ctx); again != "" {
		t.Errorf("a setup link with an admin already there: %q", again)
	}
	if second, err := s.SignUp(ctx, "bo", "correct horse", older, true, "10.1.1.1"); err != nil || second.Admin {
		t.Errorf("the older setup link: %+v, %v; want an account, not a second admin", second, err)
	}
	if _, err := s.SignUp(ctx, "cy", "correct horse", setup, true, "10.1.1.1"); !errors.Is(err, ErrBadInvite) {
		t.Errorf("a used invitation: %v", err)
	}
	// One code, two sign-ups at once: one of them gets in.
	code, err := s.NewInvite(ctx, admin.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 5 {
		wg.Go(func() {
			if _, err := s.SignUp(ctx, fmt.Sprint("racer", i), "correct horse", code, true, "10.1.1.1"); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Errorf("%d sign-ups with one invitation, want 1", ok)
	}
}

func TestSessionsRevocationAndBans(t *testing.T) {
	s := openStore(t, nil)
	ctx := context.Background()
	ana, _ := s.SignUp(ctx, "ana", "correct horse", "", false, "10.1.1.1")
	revoked := make(chan string, 10)
	if err := s.WatchRevocations(ctx, func(key string) { revoked <- key }); err != nil {
		t.Fatal(err)
	}
	c1, s1, err := s.NewSession(ctx, ana, "phone")
	if err != nil {
		t.Fatal(err)
	}
	c2, _, _ := s.NewSession(ctx, ana, "laptop")
	got, err := s.Session(ctx, c1)
	if err != nil || got.User != ana.ID || got.Name != "ana" || got.Key != s1.Key {
		t.Fatalf("session of the cookie: %+v, %v", got, err)
	}
	for _, forged := range []string{"", "x", ana.ID + ".forged", "*.x", ana.ID + ".>"} {
		if _, err := s.Session(ctx, forged); !errors.Is(err, ErrNoSession) {
			t.Errorf("cookie %q: %v, want no session", forged, err)
		}
	}
	list, _ := s.Sessions(ctx, ana.ID)
	if len(list) != 2 || list[0].ID() == list[1].ID() {
		t.Fatalf("sessions: %+v", list)
	}
	if err := s.Revoke(ctx, s1.Key); err != nil {
		t.Fatal(err)
	}
	if key := <-revoked; key != s1.Key {
		t.Errorf("revocation seen for %q, want %q", key, s1.Key)
	}
	if _, err := s.Session(ctx, c1); !errors.Is(err, ErrNoSession) {
		t.Errorf("a revoked session: %v", err)
	}
	if _, err := s.Session(ctx, c2); err != nil {
		t.Errorf("the other device after one was revoked: %v", err)
	}
	guestCookie, guest, err := s.NewGuest(ctx, "browser", "10.1.1.3")
	if err != nil || !guest.Guest || !strings.HasPrefix(guest.Name, GuestPrefix) {
		t.Fatalf("guest: %+v, %v", guest, err)
	}
	if g, err := s.Session(ctx, guestCookie); err != nil || g.Name != guest.Name || !g.Guest {
		t.Errorf("guest session: %+v, %v", g, err)
	}
	if _, err := s.SignUp(ctx, "Guest-abcdef", "correct horse", "", false, "10.1.1.2"); err == nil {
		t.Error("an account took a guest's kind of name")
	}
	if err := s.Ban(ctx, ana.ID, "admin-id"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, c2); !errors.Is(err, ErrNoSession) {
		t.Errorf("a banned person's session: %v", err)
	}
	if _, err := s.SignIn(ctx, "ana", "correct horse", "10.0.0.1"); !errors.Is(err, ErrBanned) {
		t.Errorf("a banned person signing in: %v", err)
	}
	if banned, _ := s.Banned(ctx); len(banned) != 1 || banned[0].BannedBy != "admin-id" || banned[0].Hash != "" {
		t.Errorf("ban list: %+v", banned)
	}
}

// BenchmarkSignIn is the cost of one sign-in: an argon2id hash.
func BenchmarkSignIn(b *testing.B) {
	s := openStore(b, &Options{SignInRate: 1 << 30})
	ctx := context.Background()
	if _, err := s.SignUp(ctx, "ana", "correct horse", "", false, "10.1.1.1"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.SignIn(ctx, "ana", "correct horse", "10.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}
