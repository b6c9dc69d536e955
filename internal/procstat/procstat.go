// Package procstat reads a process's CPU time and resident memory from
// /proc (Linux), for the load generator (the server it measures) and the
// server's own stats page.
package procstat

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sample is a process's CPU time and resident memory at one moment.
type Sample struct {
	At  time.Time
	CPU time.Duration // user + system
	RSS int64         // bytes
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux this runs on (it is fixed in the kernel's ABI for x86 and arm).
const clockTick = 100

// Read samples process pid (os.Getpid() for this one).
func Read(pid int) (Sample, error) {
	s := Sample{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 22 {
		return s, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of stat
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	s.CPU = time.Duration(utime+stime) * time.Second / clockTick
	pages, _ := strconv.ParseInt(f[21], 10, 64) // field 24, rss in pages
	s.RSS = pages * int64(os.Getpagesize())
	return s, nil
}
