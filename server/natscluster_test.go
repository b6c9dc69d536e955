package server

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// A real three-server NATS cluster for the fault tests: each server is a
// process (this test binary, see TestMain), so that a test can kill one
// with SIGKILL or hang it with SIGSTOP.

// natsSpec is what a NATS server process runs.
type natsSpec struct {
	Name        string   `json:"name"`
	Port        int      `json:"port"`
	ClusterPort int      `json:"cluster_port"`
	Routes      []string `json:"routes"`
	StoreDir    string   `json:"store_dir"`
}

// natsProcessMain runs one cluster server until SIGTERM.
func natsProcessMain(spec string) int {
	var s natsSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := &natsserver.Options{
		ServerName: s.Name, Host: "127.0.0.1", Port: s.Port,
		JetStream: true, StoreDir: s.StoreDir, NoSigs: true, NoLog: true,
		Cluster: natsserver.ClusterOpts{Name: "chat-test", Host: "127.0.0.1", Port: s.ClusterPort},
		Routes:  natsserver.RoutesFromStr(strings.Join(s.Routes, ",")),
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ns.Start()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	ns.Shutdown()
	ns.WaitForShutdown()
	return 0
}

// natsProc is one server of the cluster.
type natsProc struct {
	t    *testing.T
	spec natsSpec
	cmd  *exec.Cmd
}

func (p *natsProc) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", p.spec.Port) }

func (p *natsProc) start() {
	p.t.Helper()
	data, _ := json.Marshal(p.spec)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CHAT_TEST_NATS="+string(data))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.cmd = cmd
}

// kill9 ends the server as a crash would.
func (p *natsProc) kill9() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

func (p *natsProc) signal(s syscall.Signal) {
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatal(err)
	}
}

// startNATSCluster starts n servers routed to one another, with JetStream.
func startNATSCluster(t *testing.T, n int) []*natsProc {
	t.Helper()
	var procs []*natsProc
	var routes []string
	for i := range n {
		port, cport := freePort(t), freePort(t)
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", cport))
		procs = append(procs, &natsProc{t: t, spec: natsSpec{
			Name: fmt.Sprint("nats-", i+1), Port: port, ClusterPort: cport, StoreDir: t.TempDir(),
		}})
	}
	for _, p := range procs {
		p.spec.Routes = routes
		p.start()
	}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.cmd.Process.Signal(syscall.SIGCONT)
			p.kill9()
		}
	})
	return procs
}

func freePort(t *testing.T) int {
	t.Helper()
	addr := freeAddr(t)
	var port int
	fmt.Sscanf(addr[strings.LastIndex(addr, ":")+1:], "%d", &port)
	return port
}

func natsURLs(procs []*natsProc) []string {
	var urls []string
	for _, p := range procs {
		urls = append(urls, p.url())
	}
	return urls
}

// waitProgress polls until done holds, for as long as the figure that
// measures the way there keeps changing: it fails only when the figure
// stands still for stall. A test of how much of something arrives (not how
// fast) then waits for a busy machine without waiting for ever on a stuck
// one.
func waitProgress(t *testing.T, what string, stall time.Duration, done func() bool, figure func() int) {
	t.Helper()
	last, since := figure(), time.Now()
	for !done() {
		if now := figure(); now != last {
			last, since = now, time.Now()
		} else if time.Since(since) > stall {
			t.Fatalf("%s: stuck at %d for %v", what, now, stall)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor polls cond every 50 ms until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
