package throttle

import (
	"fmt"
	"strings"
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

// TestThrottleKeysAreBounded: a flood of new keys cannot grow the map past
// its bound, and what it evicts is what has least to lose (a key with all
// its attempts left), not a key that is throttled.
func TestThrottleKeysAreBounded(t *testing.T) {
	th := New(3, time.Minute, MaxKeys(2))
	now := time.Unix(1000, 0)
	for range 3 {
		th.Allow("spent", now)
	}
	th.Allow("fresh", now)
	for i := range 100 {
		th.Allow(fmt.Sprint("flood", i), now)
		if n := len(th.keys); n > 2 {
			t.Fatalf("%d keys held with a bound of 2", n)
		}
	}
	if ok, _ := th.Allow("spent", now); ok {
		t.Error("the flood evicted the throttled key: its attempts are back")
	}
	if New(1, time.Minute).max != DefaultMaxKeys {
		t.Errorf("default bound %d, want %d", New(1, time.Minute).max, DefaultMaxKeys)
	}
}

// TestThrottleLongKeys: however long a key a caller passes, the map holds
// at most MaxKeyLen bytes of it, and two long keys stay two keys.
func TestThrottleLongKeys(t *testing.T) {
	th := New(1, time.Minute)
	now := time.Unix(1000, 0)
	long := strings.Repeat("x", 4096)
	if ok, _ := th.Allow(long, now); !ok {
		t.Fatal("first attempt refused")
	}
	if ok, _ := th.Allow(long, now); ok {
		t.Error("a long key's second attempt was let through: it is not one key")
	}
	if ok, _ := th.Allow(long+"y", now); !ok {
		t.Error("two long keys with one start share their attempts")
	}
	for k := range th.keys {
		if len(k) > MaxKeyLen {
			t.Errorf("a key of %d bytes is held, the bound is %d", len(k), MaxKeyLen)
		}
	}
}
