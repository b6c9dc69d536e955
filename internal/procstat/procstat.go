// Package procstat reads a process's CPU time and resident memory from
// /proc (Linux, through prometheus/procfs), for the load generator (the
// server it measures) and the server's own stats page.
package procstat

import (
	"time"

	"github.com/prometheus/procfs"
)

// Sample is a process's CPU time and resident memory at one moment.
type Sample struct {
	At      time.Time
	CPU     time.Duration // user + system
	RSS     int64         // bytes
	PeakRSS int64         // the highest RSS so far (VmHWM), bytes; 0 if unknown
}

// Read samples process pid (os.Getpid() for this one).
func Read(pid int) (Sample, error) {
	s := Sample{At: time.Now()}
	p, err := procfs.NewProc(pid)
	if err != nil {
		return s, err
	}
	stat, err := p.Stat()
	if err != nil {
		return s, err
	}
	s.CPU = time.Duration(stat.CPUTime() * float64(time.Second))
	s.RSS = int64(stat.ResidentMemory())
	if st, err := p.NewStatus(); err == nil {
		s.PeakRSS = int64(st.VmHWM)
	}
	return s, nil
}
