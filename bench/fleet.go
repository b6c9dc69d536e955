package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// portsPerAddress is how many client connections one loopback source address
// takes before the next is used: the ephemeral port range here is about 28k,
// kept clear of its end so that other programs still get ports.
const portsPerAddress = 25000

// Fleet is a set of connected clients that count the broadcasts they receive.
type Fleet struct {
	clients   []*client
	failures  int
	firstErr  error // why the first failed dial failed
	connectIn time.Duration

	// rooms, after JoinRooms, spreads the clients over chat rooms; nil:
	// they are all in the lobby.
	rooms   []benchRoom
	joining atomic.Bool  // JoinRooms is waiting: readers count joined events
	joined  atomic.Int64 // joined events received

	phase    atomic.Pointer[phase]
	chat     atomic.Pointer[chatRun] // the chat load, while it runs
	received atomic.Int64            // broadcasts and chat-load messages received, all clients (for the timeline)
	armed    int64                   // broadcasts expected by all phases so far
	dropped  atomic.Int64
	mu       sync.Mutex
	closeErr map[uint16]int // close codes received, for the report
}

// phase is a run of expected broadcasts: numbers base+1 .. base+len(marks)
// of every client's count. Marks are allocated up front so that the readers
// find theirs without a lock.
type phase struct {
	base  int64
	marks []mark
}

type client struct {
	fleet *Fleet
	c     *conn
	got   atomic.Int64 // broadcasts received
}

// mark follows one broadcast: how many clients have it and when the last did.
type mark struct {
	target  atomic.Int64 // clients expected to get it, set just before its trigger
	reached atomic.Int64
	done    chan struct{}
	at      atomic.Int64 // unix nanos when reached == target
}

// ConnectOptions says where and how to connect.
type ConnectOptions struct {
	URLs     []string      // ws:// URLs; clients are spread over them in turn
	Conns    int           // how many clients
	Parallel int           // dials in flight; default 256
	Timeout  time.Duration // per dial and handshake; default 10 s
	// FirstIndex numbers this fleet's clients from here: a worker process
	// holding the clients from FirstIndex on spreads them over the URLs and
	// source addresses as one process holding them all would.
	FirstIndex int
	// Progress, if set, is called now and then with the clients connected so far.
	Progress func(done, total int)
}

// Connect opens the clients. Failed dials are counted, not fatal: the report
// says how many failed and why.
func Connect(ctx context.Context, o ConnectOptions) (*Fleet, error) {
	if o.Parallel <= 0 {
		o.Parallel = 256
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	urls := make([]*url.URL, len(o.URLs))
	for i, s := range o.URLs {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http") {
			return nil, fmt.Errorf("bad client URL %q: want ws://host:port/path or wss://", s)
		}
		urls[i] = u
	}
	f := &Fleet{clients: make([]*client, 0, o.Conns), closeErr: make(map[uint16]int)}
	start := time.Now()
	sem := make(chan struct{}, o.Parallel)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for i := range o.Conns {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			g := o.FirstIndex + i
			u := urls[g%len(urls)]
			c, err := dialWS(u, sourceAddr(u, g/portsPerAddress), o.Timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				f.failures++
				if firstErr == nil {
					firstErr = err
					f.firstErr = err
				}
				return
			}
			cl := &client{fleet: f, c: c}
			f.clients = append(f.clients, cl)
			go cl.read()
			if o.Progress != nil && len(f.clients)%500 == 0 {
				o.Progress(len(f.clients), o.Conns)
			}
		})
	}
	wg.Wait()
	f.connectIn = time.Since(start)
	if o.Progress != nil {
		o.Progress(len(f.clients), o.Conns)
	}
	if len(f.clients) == 0 && firstErr != nil {
		return nil, fmt.Errorf("no client connected: %w", firstErr)
	}
	return f, nil
}

// sourceAddr picks the loopback source address for the n-th block of
// clients: 127.0.0.1, 127.0.0.2, ... Only loopback targets get one.
func sourceAddr(u *url.URL, n int) net.Addr {
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() || ip.To4() == nil || n == 0 {
		return nil
	}
	return &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250), byte(1+n%250))}
}

// benchRoom is a chat room and the fleet's clients in it.
type benchRoom struct {
	name    string
	clients []*client
}

// members is the fleet's rooms and their clients.
func (f *Fleet) members() []benchRoom {
	if f.rooms == nil {
		return []benchRoom{{name: "lobby", clients: f.clients}}
	}
	return f.rooms
}

var joinedEvent = []byte(`{"type":"joined"`)

// JoinRooms spreads the clients over n rooms, bench-0 to bench-<n-1>,
// client i in room i mod n; each leaves the lobby it was put in. It returns
// once every join is answered.
func (f *Fleet) JoinRooms(ctx context.Context, n int, timeout time.Duration) error {
	if n <= 0 {
		return nil
	}
	f.rooms = make([]benchRoom, n)
	for i := range f.rooms {
		f.rooms[i].name = fmt.Sprint("bench-", i)
	}
	f.joined.Store(0)
	f.joining.Store(true)
	defer f.joining.Store(false)
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i, cl := range f.clients {
		r := &f.rooms[i%n]
		r.clients = append(r.clients, cl)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ev := `{"type":"join","room":"` + r.name + `"}` + "\n" + `{"type":"leave","room":"lobby"}`
			if cl.c.writeText([]byte(ev)) != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(timeout)
	for f.joined.Load()+failed.Load() < int64(len(f.clients)) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%d of %d clients joined their rooms", f.joined.Load(), len(f.clients))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// read counts broadcasts until the connection ends.
func (cl *client) read() {
	code, err := cl.c.readLoop(func(msg []byte) {
		if cl.fleet.joining.Load() && bytes.Contains(msg, joinedEvent) {
			cl.fleet.joined.Add(int64(bytes.Count(msg, joinedEvent)))
		}
		n := countBroadcasts(msg)
		for range n {
			k := cl.got.Add(1)
			cl.fleet.reach(k)
		}
		if run := cl.fleet.chat.Load(); run != nil {
			n += run.count(cl, msg)
		}
		if n > 0 {
			cl.fleet.received.Add(int64(n))
		}
	})
	cl.fleet.dropped.Add(1)
	cl.fleet.mu.Lock()
	if err == nil || err != io.EOF {
		cl.fleet.closeErr[code]++
	}
	cl.fleet.mu.Unlock()
}

// arm prepares the next n broadcasts; call it between runs, not during one.
func (f *Fleet) arm(n int) *phase {
	p := &phase{base: f.armed, marks: make([]mark, n)}
	for i := range p.marks {
		p.marks[i].done = make(chan struct{})
	}
	f.armed += int64(n)
	f.phase.Store(p)
	return p
}

// expect is called just before broadcast i of p is triggered: it will be
// complete when every client connected now has it.
func (f *Fleet) expect(p *phase, i int) *mark {
	m := &p.marks[i]
	m.target.Store(int64(f.Live()))
	return m
}

// reach records that one client has received its k-th broadcast.
func (f *Fleet) reach(k int64) {
	p := f.phase.Load()
	if p == nil || k <= p.base || k > p.base+int64(len(p.marks)) {
		return // a broadcast nobody asked for (another bench, or a stray trigger)
	}
	m := &p.marks[k-1-p.base]
	if m.reached.Add(1) == m.target.Load() {
		m.at.Store(time.Now().UnixNano())
		close(m.done)
	}
}

// Live is the number of clients still connected.
func (f *Fleet) Live() int { return len(f.clients) - int(f.dropped.Load()) }

// Connected is how many clients connected; Failed how many could not.
func (f *Fleet) Connected() int { return len(f.clients) }

// Failed is how many dials or handshakes failed.
func (f *Fleet) Failed() int { return f.failures }

// ConnectTime is how long connecting took.
func (f *Fleet) ConnectTime() time.Duration { return f.connectIn }

// Close disconnects every client.
func (f *Fleet) Close() {
	for _, cl := range f.clients {
		cl.c.close()
	}
}
