package procstat

import (
	"os"
	"testing"
	"time"
)

func TestReadThisProcess(t *testing.T) {
	a, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Burn some CPU and memory so that both readings must move.
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		buf[x%len(buf)]++
	}
	b, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if b.CPU-a.CPU < 100*time.Millisecond {
		t.Errorf("CPU went from %v to %v over a 300 ms busy loop", a.CPU, b.CPU)
	}
	if b.RSS < 64<<20 {
		t.Errorf("RSS %d bytes after touching 64 MiB", b.RSS)
	}
	if _, err := Read(1 << 30); err == nil {
		t.Error("no error for a process that does not exist")
	}
}
