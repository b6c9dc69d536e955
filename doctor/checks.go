package doctor

import (
	"fmt"
	"strconv"
	"strings"
)

// Role is the side of the connections this machine holds.
type Role string

const (
	Server Role = "server" // accepts the connections (chat serve)
	Client Role = "client" // opens them (chat bench)
)

// Options says what to check for.
type Options struct {
	Clients int
	Role    Role
	// KBPerConn is the process's resident memory per connection. The
	// defaults are what make bench measures: a chat server at 10,000
	// clients, and chat bench's own clients.
	KBPerConn float64
	// KernelKBPerConn is the kernel's memory per idle TCP socket (socket,
	// file and epoll structures); default 4 KB.
	KernelKBPerConn float64
}

// Default per-connection figures (see Options).
const (
	ServerKBPerConn = 12.0
	ClientKBPerConn = 10.0
	KernelKBPerConn = 4.0
)

// Status is a check's verdict.
type Status string

const (
	OK      Status = "ok"
	Warn    Status = "warn"    // does not stop N, but deserves a look
	Limit   Status = "limit"   // this machine cannot hold N until fixed
	Unknown Status = "unknown" // the value could not be read; nothing is guessed
)

// Check is one limit, read live.
type Check struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Status Status `json:"status"`
	Allows int    `json:"allows,omitempty"` // with Limit: the clients this value allows
	Note   string `json:"note"`
	Fix    string `json:"fix,omitempty"`
}

// Report is the verdict for N clients.
type Report struct {
	Clients int     `json:"clients"`
	Role    Role    `json:"role"`
	OK      bool    `json:"ok"` // no check limits N
	Checks  []Check `json:"checks"`
}

const sysctlFile = "/etc/sysctl.d/90-chat.conf"

// Add appends checks to the report; one that limits makes it not OK.
func (r *Report) Add(checks ...Check) {
	r.Checks = append(r.Checks, checks...)
	for _, c := range checks {
		if c.Status == Limit {
			r.OK = false
		}
	}
}

// Run reads src and checks it for o.Clients connections.
func Run(src Source, o Options) Report {
	if o.Role == "" {
		o.Role = Server
	}
	if o.KBPerConn <= 0 {
		o.KBPerConn = ServerKBPerConn
		if o.Role == Client {
			o.KBPerConn = ClientKBPerConn
		}
	}
	if o.KernelKBPerConn <= 0 {
		o.KernelKBPerConn = KernelKBPerConn
	}
	n := uint64(o.Clients)
	reserve := uint64(64) // a client process's own files
	if o.Role == Server {
		reserve = Reserve(n)
	}
	need := n + reserve
	r := Report{Clients: o.Clients, Role: o.Role}
	r.Checks = append(r.Checks,
		checkNoFile(src, o, need, reserve),
		checkNrOpen(src, need, reserve),
		checkFileMax(src, o, need),
	)
	if o.Role == Server {
		r.Checks = append(r.Checks, checkSomaxconn(src))
	} else {
		r.Checks = append(r.Checks, checkPortRange(src, o))
	}
	r.Checks = append(r.Checks, checkTCPMem(src, o), checkTCPBuffers(src, o), checkMemory(src, o))
	r.OK = true
	for _, c := range r.Checks {
		if c.Status == Limit {
			r.OK = false
		}
	}
	return r
}

func checkNoFile(src Source, o Options, need, reserve uint64) Check {
	c := Check{Name: "open files per process (RLIMIT_NOFILE)"}
	soft, hard, err := src.NoFile()
	if err != nil {
		return unknown(c, err)
	}
	c.Value = fmt.Sprintf("soft %d, hard %d", soft, hard)
	if hard >= need {
		c.Status = OK
		c.Note = fmt.Sprintf("%s clients need %s files (with %d for the process itself)", num(o.Clients), num(int(need)), reserve)
		if soft < need {
			c.Note += "; the soft limit is raised to the hard one at start"
		}
		return c
	}
	c.Status = Limit
	if o.Role == Server {
		c.Allows = MaxConns(hard) // what chat serve's -max-conns defaults to
	} else {
		c.Allows = int(hard - min(hard, reserve))
	}
	procs := (uint64(o.Clients) + uint64(c.Allows) - 1) / max(1, uint64(c.Allows))
	spread := "chat serve -nats: the NATS cluster mode"
	if o.Role == Client {
		spread = "chat bench starts worker processes by itself beyond one process's share"
	}
	c.Note = fmt.Sprintf("a process may hold %d files: about %s clients each; %s clients need %s files, or %d processes (%s)",
		hard, num(c.Allows), num(o.Clients), num(int(need)), procs, spread)
	c.Fix = fmt.Sprintf("/etc/security/limits.conf: `*  soft  nofile  %d` and `*  hard  nofile  %d` (new login); systemd unit: `LimitNOFILE=%d`; a root shell: `ulimit -n %d`", need, need, need, need)
	return c
}

func checkNrOpen(src Source, need, reserve uint64) Check {
	c := Check{Name: "fs.nr_open (highest RLIMIT_NOFILE allowed)"}
	v, err := sysctlInt(src, "fs/nr_open")
	if err != nil {
		return unknown(c, err)
	}
	c.Value = strconv.FormatUint(v, 10)
	if v >= need {
		c.Status, c.Note = OK, "no process limit can be set above it; it is high enough"
		return c
	}
	c.Status, c.Allows = Limit, int(v-min(v, reserve))
	c.Note = "no process may have more open files than this, whatever its rlimit"
	c.Fix = fmt.Sprintf("%s: `fs.nr_open = %d`, then `sysctl --system`", sysctlFile, need)
	return c
}

func checkFileMax(src Source, o Options, need uint64) Check {
	c := Check{Name: "fs.file-max (open files, whole system)"}
	v, err := sysctlInt(src, "fs/file-max")
	if err != nil {
		return unknown(c, err)
	}
	c.Value = strconv.FormatUint(v, 10)
	if v >= 2*need {
		c.Status, c.Note = OK, "room for the clients and everything else (a load test on the same host needs both ends)"
		return c
	}
	if v >= need {
		c.Status = Warn
		c.Note = "enough for this side alone; a load generator on the same host needs as many again"
	} else {
		c.Status, c.Allows = Limit, int(v)
		c.Note = "the whole system runs out of file handles before the clients are in"
	}
	c.Fix = fmt.Sprintf("%s: `fs.file-max = %d`, then `sysctl --system`", sysctlFile, 2*need)
	return c
}

func checkSomaxconn(src Source) Check {
	c := Check{Name: "net.core.somaxconn (accept backlog)"}
	v, err := sysctlInt(src, "net/core/somaxconn")
	if err != nil {
		return unknown(c, err)
	}
	c.Value = strconv.FormatUint(v, 10)
	if v >= 1024 {
		c.Status, c.Note = OK, "a reconnect storm can queue this many connections before accept"
		return c
	}
	c.Status = Warn
	c.Note = "in a reconnect storm only this many connections wait for accept; the rest retry their SYN a second later"
	c.Fix = fmt.Sprintf("%s: `net.core.somaxconn = 4096`, then `sysctl --system`", sysctlFile)
	return c
}

func checkPortRange(src Source, o Options) Check {
	c := Check{Name: "net.ipv4.ip_local_port_range (client ports)"}
	s, err := src.Sysctl("net/ipv4/ip_local_port_range")
	if err != nil {
		return unknown(c, err)
	}
	f := strings.Fields(s)
	if len(f) != 2 {
		return unknown(c, fmt.Errorf("unexpected value %q", s))
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || hi < lo {
		return unknown(c, fmt.Errorf("unexpected value %q", s))
	}
	c.Value = s
	ports := hi - lo + 1
	addrs := (o.Clients + ports - 1) / ports
	if addrs <= 1 {
		c.Status = OK
		c.Note = fmt.Sprintf("%s ports per source address and server address: one source address is enough", num(ports))
		return c
	}
	c.Status = Warn
	c.Note = fmt.Sprintf("%s ports per source address and server address: %s clients need %d source addresses. chat bench uses 127.0.0.1 to 127.0.0.%d against a loopback server by itself",
		num(ports), num(o.Clients), addrs, addrs)
	c.Fix = fmt.Sprintf("for a remote server add addresses (`ip addr add 10.0.0.%d/24 dev eth0`, and so on) and spread the clients over them, or widen the range: %s: `net.ipv4.ip_local_port_range = 1024 65535`", 2, sysctlFile)
	return c
}

func checkTCPMem(src Source, o Options) Check {
	c := Check{Name: "net.ipv4.tcp_mem (all TCP buffers, pages)"}
	s, err := src.Sysctl("net/ipv4/tcp_mem")
	if err != nil {
		return unknown(c, err)
	}
	f := strings.Fields(s)
	if len(f) != 3 {
		return unknown(c, fmt.Errorf("unexpected value %q", s))
	}
	maxPages, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		return unknown(c, err)
	}
	c.Value = s
	total := maxPages * 4096
	if maxPages >= uint64(o.Clients)*4 {
		c.Status = OK
		c.Note = fmt.Sprintf("up to %s of socket buffers in all: %s a client with every buffer in use", mb(total), kb(total/uint64(max(1, o.Clients))))
		return c
	}
	// Below one page a socket, the kernel enters memory pressure and drops
	// data as soon as the clients are busy.
	if maxPages < uint64(o.Clients) {
		c.Status, c.Allows = Limit, int(maxPages)
	} else {
		c.Status = Warn
	}
	c.Note = fmt.Sprintf("%s of socket buffers in all: %s a client when busy; the kernel drops data under pressure", mb(total), kb(total/uint64(max(1, o.Clients))))
	c.Fix = fmt.Sprintf("%s: `net.ipv4.tcp_mem = %d %d %d`, then `sysctl --system`", sysctlFile, o.Clients*2, o.Clients*3, o.Clients*4)
	return c
}

func checkTCPBuffers(src Source, o Options) Check {
	c := Check{Name: "net.ipv4.tcp_rmem / tcp_wmem (per socket)"}
	r, err1 := src.Sysctl("net/ipv4/tcp_rmem")
	w, err2 := src.Sysctl("net/ipv4/tcp_wmem")
	if err1 != nil || err2 != nil {
		return unknown(c, fmtErr(err1, err2))
	}
	c.Value = fmt.Sprintf("rmem %s; wmem %s", r, w)
	rf, wf := strings.Fields(r), strings.Fields(w)
	if len(rf) != 3 || len(wf) != 3 {
		return unknown(c, fmt.Errorf("unexpected values %q, %q", r, w))
	}
	rdef, _ := strconv.ParseUint(rf[1], 10, 64)
	wdef, _ := strconv.ParseUint(wf[1], 10, 64)
	c.Status = OK
	c.Note = fmt.Sprintf("each socket starts with %s to read and %s to write and grows on demand; idle chat sockets hold almost nothing, and tcp_mem caps the total",
		kb(rdef), kb(wdef))
	return c
}

func checkMemory(src Source, o Options) Check {
	c := Check{Name: "memory"}
	avail, err := src.MemAvailable()
	if err != nil {
		return unknown(c, err)
	}
	where := "available"
	if cg, ok, err := src.CgroupMemoryMax(); err == nil && ok && cg < avail {
		avail, where = cg, "the cgroup's limit"
	}
	per := (o.KBPerConn + o.KernelKBPerConn) * 1024
	need := uint64(per * float64(o.Clients))
	c.Value = fmt.Sprintf("%s %s", mb(avail), where)
	if need <= avail*8/10 {
		c.Status = OK
		c.Note = fmt.Sprintf("%s clients take about %s (%.0f KB each in the process, %.0f KB in the kernel)", num(o.Clients), mb(need), o.KBPerConn, o.KernelKBPerConn)
		return c
	}
	c.Status, c.Allows = Limit, int(float64(avail)*0.8/per)
	c.Note = fmt.Sprintf("%s clients take about %s (%.0f KB each in the process, %.0f KB in the kernel): more than 80%% of %s; the OOM killer ends the largest process first",
		num(o.Clients), mb(need), o.KBPerConn, o.KernelKBPerConn, mb(avail))
	c.Fix = "more memory, or fewer clients per host: spread them over hosts with the NATS cluster mode (chat serve -nats)"
	return c
}

func unknown(c Check, err error) Check {
	c.Status, c.Value, c.Note = Unknown, "unknown", "could not read it: "+err.Error()
	return c
}

func sysctlInt(src Source, name string) (uint64, error) {
	s, err := src.Sysctl(name)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(s), 10, 64)
}

func fmtErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// num writes 50000 as 50,000.
func num(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func mb(b uint64) string { return fmt.Sprintf("%s MB", num(int(b>>20))) }
func kb(b uint64) string { return fmt.Sprintf("%s KB", num(int(b>>10))) }
