package throttle

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	th := New(3, time.Minute)
	now := time.Unix(1000, 0)
	for i := range 3 {
		if ok, _ := th.Allow("ana", now); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	ok, wait := th.Allow("ana", now)
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("4th attempt: %v, wait %v; want refused for at most 20s", ok, wait)
	}
	if ok, _ := th.Allow("bo", now); !ok {
		t.Error("another key was throttled")
	}
	if ok, _ := th.Allow("ana", now.Add(wait)); !ok {
		t.Error("still refused after the wait it gave")
	}
	// Keys not seen for a period are forgotten.
	th.Allow("cy", now.Add(3*time.Minute))
	if _, kept := th.keys["bo"]; kept {
		t.Error("an old key was kept")
	}
}
