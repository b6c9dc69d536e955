// Package doctor checks whether a machine can hold N WebSocket connections,
// as `chat doctor` does: it reads the live kernel and process limits that the
// seed article tuned by hand, and for each says ok, or what it limits N to and
// the exact line that lifts it.
package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/prometheus/procfs"
)

// Source is where the checks read the machine: the live system, or a fake
// one in tests.
type Source interface {
	// Sysctl reads a value under /proc/sys, named like "fs/file-max".
	Sysctl(name string) (string, error)
	// NoFile is this process's open-file limit (RLIMIT_NOFILE).
	NoFile() (soft, hard uint64, err error)
	// MemAvailable is the memory available to start new work, in bytes.
	MemAvailable() (uint64, error)
	// CgroupMemoryMax is the memory limit of this process's cgroup, in
	// bytes; ok is false when there is none.
	CgroupMemoryMax() (max uint64, ok bool, err error)
}

// System reads a Linux machine: /proc and /sys under Root ("/" for the live
// one), and the process's rlimit through RLimit (getrlimit when nil).
type System struct {
	Root   string
	RLimit func() (soft, hard uint64, err error)
}

// Live is this machine.
var Live Source = System{Root: "/"}

func (s System) path(p string) string { return filepath.Join(s.Root, p) }

// Sysctl implements Source.
func (s System) Sysctl(name string) (string, error) {
	fs, err := procfs.NewFS(s.path("proc"))
	if err != nil {
		return "", err
	}
	f, err := fs.SysctlStrings(name)
	if err != nil {
		return "", err
	}
	return strings.Join(f, " "), nil
}

// NoFile implements Source.
func (s System) NoFile() (uint64, uint64, error) {
	if s.RLimit != nil {
		return s.RLimit()
	}
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, 0, err
	}
	return l.Cur, l.Max, nil
}

// MemAvailable implements Source.
func (s System) MemAvailable() (uint64, error) {
	fs, err := procfs.NewFS(s.path("proc"))
	if err != nil {
		return 0, err
	}
	m, err := fs.Meminfo()
	if err != nil {
		return 0, err
	}
	if m.MemAvailableBytes == nil {
		return 0, fmt.Errorf("no MemAvailable in %s", s.path("proc/meminfo"))
	}
	return *m.MemAvailableBytes, nil
}

// CgroupMemoryMax implements Source (cgroup v2).
func (s System) CgroupMemoryMax() (uint64, bool, error) {
	b, err := os.ReadFile(s.path("sys/fs/cgroup/memory.max"))
	if os.IsNotExist(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	v := strings.TrimSpace(string(b))
	if v == "max" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil, err
}

// RaiseNoFile lifts this process's soft open-file limit to the hard one and
// returns both. (Go does so at start already on Linux; this makes it
// explicit and reports the result.)
func RaiseNoFile() (soft, hard uint64, err error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, 0, err
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return l.Cur, l.Max, err
		}
	}
	return l.Cur, l.Max, nil
}

// Reserve is how many files a server keeps for itself beside its clients:
// the listener, the embedded NATS store and its connections, logs.
func Reserve(fileLimit uint64) uint64 { return max(256, fileLimit/50) }

// MaxConns is the default connection cap for a process with this open-file
// limit.
func MaxConns(fileLimit uint64) int {
	if fileLimit <= Reserve(fileLimit) {
		return 1
	}
	return int(fileLimit - Reserve(fileLimit))
}
