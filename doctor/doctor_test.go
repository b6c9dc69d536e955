package doctor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMachine writes a /proc (and /sys) tree with the given values under a
// temporary root; a value of "" leaves the file out.
func fakeMachine(t *testing.T, files map[string]string, soft, hard uint64) System {
	t.Helper()
	root := t.TempDir()
	for name, v := range files {
		if v == "" {
			continue
		}
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return System{Root: root, RLimit: func() (uint64, uint64, error) { return soft, hard, nil }}
}

// roomy is a machine with room for a million connections.
func roomy() map[string]string {
	return map[string]string{
		"proc/sys/fs/file-max":                  "9000000",
		"proc/sys/fs/nr_open":                   "2000000",
		"proc/sys/net/core/somaxconn":           "4096",
		"proc/sys/net/ipv4/ip_local_port_range": "1024\t65535",
		"proc/sys/net/ipv4/tcp_mem":             "2000000 3000000 4000000",
		"proc/sys/net/ipv4/tcp_rmem":            "4096 131072 6291456",
		"proc/sys/net/ipv4/tcp_wmem":            "4096 16384 4194304",
		"proc/meminfo":                          "MemTotal: 67108864 kB\nMemAvailable: 60000000 kB",
	}
}

func find(t *testing.T, r Report, prefix string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if strings.HasPrefix(c.Name, prefix) {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", prefix, r.Checks)
	return Check{}
}

func TestEverythingOKOnARoomyMachine(t *testing.T) {
	src := fakeMachine(t, roomy(), 1024, 1048576)
	r := Run(src, Options{Clients: 50000, Role: Server})
	if !r.OK {
		t.Fatalf("roomy machine refused 50,000: %+v", r.Checks)
	}
	for _, c := range r.Checks {
		if c.Status != OK || c.Fix != "" {
			t.Errorf("%s: %s (%s) %s", c.Name, c.Status, c.Note, c.Fix)
		}
	}
	if c := find(t, r, "open files"); !strings.Contains(c.Note, "raised to the hard one") {
		t.Errorf("soft limit below need, hard above: note %q should say it is raised", c.Note)
	}
}

func TestEachLimitIsNamedWithItsFix(t *testing.T) {
	cases := []struct {
		check  string
		change map[string]string
		soft   uint64
		hard   uint64
		allows int
		fix    string
	}{
		{"open files", nil, 20000, 20000, 19600, "LimitNOFILE=51000"},
		{"fs.nr_open", map[string]string{"proc/sys/fs/nr_open": "30000"}, 1 << 20, 1 << 20, 29000, "fs.nr_open = 51000"},
		{"fs.file-max", map[string]string{"proc/sys/fs/file-max": "40000"}, 1 << 20, 1 << 20, 40000, "fs.file-max = 102000"},
		{"net.ipv4.tcp_mem", map[string]string{"proc/sys/net/ipv4/tcp_mem": "10000 20000 30000"}, 1 << 20, 1 << 20, 30000, "net.ipv4.tcp_mem = 100000 150000 200000"},
		{"memory", map[string]string{"proc/meminfo": "MemAvailable: 400000 kB"}, 1 << 20, 1 << 20, 20000, "NATS cluster mode"},
	}
	for _, c := range cases {
		t.Run(c.check, func(t *testing.T) {
			files := roomy()
			for k, v := range c.change {
				files[k] = v
			}
			r := Run(fakeMachine(t, files, c.soft, c.hard), Options{Clients: 50000, Role: Server})
			if r.OK {
				t.Fatal("report says OK")
			}
			got := find(t, r, c.check)
			if got.Status != Limit || got.Allows != c.allows || !strings.Contains(got.Fix, c.fix) {
				t.Fatalf("%s: status %s allows %d fix %q; want limit at %d with %q", c.check, got.Status, got.Allows, got.Fix, c.allows, c.fix)
			}
			for _, other := range r.Checks {
				if other.Name != got.Name && other.Status == Limit {
					t.Errorf("unrelated check %s also limits: %s", other.Name, other.Note)
				}
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	files := roomy()
	files["proc/sys/net/core/somaxconn"] = "128"
	files["proc/sys/fs/file-max"] = "60000" // enough for one side, not both
	r := Run(fakeMachine(t, files, 1<<20, 1<<20), Options{Clients: 50000, Role: Server})
	if !r.OK {
		t.Fatalf("warnings must not refuse: %+v", r.Checks)
	}
	if c := find(t, r, "net.core.somaxconn"); c.Status != Warn || !strings.Contains(c.Fix, "net.core.somaxconn = 4096") {
		t.Errorf("somaxconn 128: %+v", c)
	}
	if c := find(t, r, "fs.file-max"); c.Status != Warn {
		t.Errorf("file-max for one side only: %+v", c)
	}
}

func TestClientRoleCountsSourceAddresses(t *testing.T) {
	files := roomy()
	files["proc/sys/net/ipv4/ip_local_port_range"] = "32768 60999"
	r := Run(fakeMachine(t, files, 1<<20, 1<<20), Options{Clients: 50000, Role: Client})
	c := find(t, r, "net.ipv4.ip_local_port_range")
	if c.Status != Warn || !strings.Contains(c.Note, "2 source addresses") || !strings.Contains(c.Fix, "ip_local_port_range = 1024 65535") {
		t.Fatalf("50,000 clients over 28,232 ports: %+v", c)
	}
	r = Run(fakeMachine(t, files, 1<<20, 1<<20), Options{Clients: 20000, Role: Client})
	if c := find(t, r, "net.ipv4.ip_local_port_range"); c.Status != OK {
		t.Fatalf("20,000 clients: %+v", c)
	}
}

func TestUnreadableValuesAreUnknownNotGuessed(t *testing.T) {
	files := roomy()
	delete(files, "proc/sys/fs/nr_open")
	files["proc/sys/net/ipv4/tcp_mem"] = "garbage"
	src := fakeMachine(t, files, 0, 0)
	src.RLimit = func() (uint64, uint64, error) { return 0, 0, errors.New("no rlimit here") }
	r := Run(src, Options{Clients: 1000, Role: Server})
	for _, name := range []string{"open files", "fs.nr_open", "net.ipv4.tcp_mem"} {
		if c := find(t, r, name); c.Status != Unknown || c.Value != "unknown" || c.Allows != 0 {
			t.Errorf("%s: %+v, want unknown", name, c)
		}
	}
	if !r.OK {
		t.Errorf("unknown values must not fail the report: %+v", r.Checks)
	}
}

func TestCgroupLimitWinsOverMemAvailable(t *testing.T) {
	files := roomy()
	files["sys/fs/cgroup/memory.max"] = "104857600" // 100 MB
	r := Run(fakeMachine(t, files, 1<<20, 1<<20), Options{Clients: 50000, Role: Server})
	if c := find(t, r, "memory"); c.Status != Limit || !strings.Contains(c.Value, "cgroup") {
		t.Fatalf("cgroup of 100 MB: %+v", c)
	}
}

// TestThisMachine runs the checks for real: they must read every value, and
// the open-file ceiling of this machine's process limit must be named.
func TestThisMachine(t *testing.T) {
	r := Run(Live, Options{Clients: 50000, Role: Server})
	_, hard, err := Live.NoFile()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Checks {
		if c.Status == Unknown {
			t.Errorf("%s unreadable on this machine: %s", c.Name, c.Note)
		}
	}
	var text strings.Builder
	r.WriteText(&text)
	if hard < 51000 {
		if r.OK {
			t.Errorf("hard open-file limit %d, yet 50,000 clients reported possible", hard)
		}
		if !strings.Contains(text.String(), "hard "+itoa(hard)) || !strings.Contains(text.String(), "LimitNOFILE=") {
			t.Errorf("output does not name the %d-file ceiling and its fix:\n%s", hard, text.String())
		}
	}
	t.Logf("\n%s", text.String())
}

func itoa(n uint64) string { return strings.TrimSpace(strings.ReplaceAll(num(int(n)), ",", "")) }

func TestMaxConnsLeavesRoom(t *testing.T) {
	if got := MaxConns(20000); got != 19600 {
		t.Errorf("MaxConns(20000) = %d, want 19600", got)
	}
	if got := MaxConns(1024); got != 768 {
		t.Errorf("MaxConns(1024) = %d, want 768", got)
	}
	if got := MaxConns(100); got != 1 {
		t.Errorf("MaxConns(100) = %d, want 1", got)
	}
}
