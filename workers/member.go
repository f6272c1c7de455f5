package workers

import (
	"bufio"
	"cmp"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/messages"
)

// A cluster member is a long-running process on a machine (spiral-node
// serve) that hosts the shards of one run at a time for a coordinator
// elsewhere, and goes on serving after the run ends or fails. A
// coordinator dials its control address over mutual TLS — both ends hold
// certificates of the cluster's authority (spiral-node tls) — and sends
// the assignment a worker process would read on its standard input
// (without an identity: the member has its own, and the coordinator's name
// is the one its certificate proves). The member builds its part, hosts
// its shards on a port of its own and answers "listening ADDR", or
// "error: WHY"; the run lasts as long as the connection.

// MemberOptions configure a member.
type MemberOptions struct {
	// Listen is the control address (host:port; port 0 picks one). The
	// shards of a run listen on the same host, on a port of their own.
	Listen string
	// Advertise, if set (host:port), is where coordinators and the other
	// members reach the member's runs: each run's shards then listen on
	// Listen's host at this port, and are announced at this address (a
	// NAT, or Listen on every interface, which needs it).
	Advertise string
	// Identity is the member's certificate and key, of the cluster's
	// authority (actors.LoadIdentity; required).
	Identity *actors.Identity
	// Recipe turns an assignment's recipe into the Build to use.
	Recipe func(recipe []byte) (Build, error)
	// Version is this program's version: a coordinator of another is
	// refused.
	Version string
	// Schema is the wire messages' schema (default messages.Schema()): a
	// coordinator of another is refused.
	Schema string
	// Cores and MemoryBytes are what the member offers a run (reported
	// to coordinators, which place shards by them); 0: unknown.
	Cores       int
	MemoryBytes int64
	// Log receives a line per run and per refusal (default: none).
	Log    io.Writer
	Logger *zap.Logger
	// quiet: no line per run (a worker process, which serves one).
	quiet bool
}

// busyWait is how long a coordinator waits for the member's run in
// progress before it is told the member is busy.
const busyWait = 5 * time.Second

// Member serves runs to coordinators, one at a time.
type Member struct {
	o    MemberOptions
	ln   net.Listener
	host string
	// runPort is the port a run's shards listen on ("0": any free one).
	runPort string
	mu      sync.Mutex
	closed  bool
	// slot holds a token while a run is served; done closes with Close.
	slot      chan struct{}
	done      chan struct{}
	wg        sync.WaitGroup
	conns     map[net.Conn]bool
	handshake time.Duration
}

// ListenMember opens a member's control address.
func ListenMember(o MemberOptions) (*Member, error) {
	if o.Identity == nil {
		return nil, errors.New("member: no identity (spiral-node tls issue makes one)")
	}
	if o.Recipe == nil {
		return nil, errors.New("member: no recipe loader")
	}
	if o.Schema == "" {
		o.Schema = messages.Schema()
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	cfg, err := o.Identity.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("member: %w", err)
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("member: listen address %q: %w", o.Listen, err)
	}
	runPort := "0"
	if o.Advertise != "" {
		ah, ap, err := net.SplitHostPort(o.Advertise)
		if p, perr := strconv.Atoi(ap); err != nil || ah == "" || perr != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("member: advertised address %q: want HOST:PORT with a port from 1 to 65535", o.Advertise)
		}
		runPort = ap
	} else if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		return nil, fmt.Errorf("member: listen address %q is every interface: give the address where coordinators and members reach this one's runs (Advertise, serve --advertise HOST:PORT)", o.Listen)
	}
	ln, err := tls.Listen("tcp", o.Listen, cfg)
	if err != nil {
		return nil, fmt.Errorf("member: %w", err)
	}
	return &Member{o: o, ln: ln, host: host, runPort: runPort, conns: map[net.Conn]bool{}, handshake: 5 * time.Second,
		slot: make(chan struct{}, 1), done: make(chan struct{})}, nil
}

// Addr returns the member's control address.
func (m *Member) Addr() string { return m.ln.Addr().String() }

// Serve accepts coordinators until Close; it returns nil after Close.
func (m *Member) Serve() error {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			m.mu.Lock()
			closed := m.closed
			m.mu.Unlock()
			if closed {
				m.wg.Wait()
				return nil
			}
			return fmt.Errorf("member: %w", err)
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.handle(c.(*tls.Conn))
		}()
	}
}

// Close stops accepting, ends the run in progress and waits for it.
func (m *Member) Close() {
	m.mu.Lock()
	if !m.closed {
		close(m.done)
	}
	m.closed = true
	for c := range m.conns {
		_ = c.Close()
	}
	m.mu.Unlock()
	_ = m.ln.Close()
	m.wg.Wait()
}

// handle serves one coordinator's connection: authenticate, take the run
// (or say the member is busy), serve it until the connection closes.
func (m *Member) handle(c *tls.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(m.handshake))
	if err := c.Handshake(); err != nil {
		fmt.Fprintf(m.o.Log, "member %s: refused %s: %v\n", m.o.Identity.Name, c.RemoteAddr(), err)
		return
	}
	_ = c.SetDeadline(time.Time{})
	coordinator := transport.ConnPeerName(c.ConnectionState())
	// One run at a time: a coordinator that comes while another's run is
	// ending (its connection closed, the shards still stopping) waits for
	// it, a while; then it is told the member is busy.
	select {
	case m.slot <- struct{}{}:
	case <-time.After(busyWait):
		fmt.Fprintf(c, "error: member %s%s\n", m.o.Identity.Name, busySuffix)
		return
	case <-m.done:
		return
	}
	defer func() { <-m.slot }()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.conns[c] = true
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.conns, c)
		m.mu.Unlock()
	}()
	hello, err := json.Marshal(memberHello{Name: m.o.Identity.Name, Version: m.o.Version, Schema: m.o.Schema, Cores: m.o.Cores, MemoryBytes: m.o.MemoryBytes})
	if err == nil {
		_, err = fmt.Fprintf(c, "hello %s\n", hello)
	}
	if err != nil {
		return
	}
	if !m.o.quiet {
		fmt.Fprintf(m.o.Log, "member %s: a run for %s (%s)\n", m.o.Identity.Name, coordinator, c.RemoteAddr())
	}
	in := bufio.NewReaderSize(c, 4096)
	w, _ := serveAssignment(nil, in, ServeOptions{Listen: net.JoinHostPort(m.host, m.runPort), Advertise: m.o.Advertise, Logger: m.o.Logger, Stdout: c, Stderr: m.o.Log,
		Name: "member " + m.o.Identity.Name, Recipe: m.o.Recipe}, member{identity: m.o.Identity, coordinator: coordinator, version: m.o.Version, schema: m.o.Schema})
	if w == nil {
		return
	}
	defer w.Close()
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, in); close(eof) }()
	select {
	case <-eof:
	case <-w.Lost():
	}
	if !m.o.quiet {
		fmt.Fprintf(m.o.Log, "member %s: the run for %s ended\n", m.o.Identity.Name, coordinator)
	}
}

// memberHello is what a member says first to a coordinator.
type memberHello struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Schema      string `json:"schema"`
	Cores       int    `json:"cores"`
	MemoryBytes int64  `json:"memory_bytes"`
}

// MembersOptions configure StartMembers.
type MembersOptions struct {
	// Identity is the coordinator's certificate and key, of the cluster's
	// authority (actors.LoadIdentity; required).
	Identity *actors.Identity
	// Recipe is handed to every member (see Options.Recipe).
	Recipe []byte
	// Version is this program's version; members of another refuse.
	Version string
	// Schema is the wire messages' schema (default messages.Schema());
	// members of another are refused.
	Schema string
	// StartTimeout bounds how long a member may take to build its part
	// (default 10 minutes).
	StartTimeout time.Duration
	// Costs, if set, are the work of every shard (by global shard id, as
	// actors numbers them): the shards are then placed on the members by
	// the cores each reports (Place), instead of round robin.
	Costs []float64
	// Bytes, if set with Costs, are the memory of every shard: a member
	// that reports its memory gets no more than it has (PlaceWithin).
	Bytes []int64
}

// StartMembers hands the run to the cluster members at addrs (their
// control addresses): member i is worker i of len(addrs), with the
// resolved shard counts. It returns when every member has built its part
// and listens; the group's Names are the members' certificate names (for
// actors.Options.WorkerNames), its Identity the coordinator's. Stop ends
// the run on every member (they go on serving others). On failure the
// members contacted are released and the error names the member.
func StartMembers(addrs []string, shards map[string]int, o MembersOptions) (*Group, error) {
	if len(addrs) == 0 {
		return nil, errors.New("members: none given")
	}
	if o.Identity == nil {
		return nil, errors.New("members: no identity for the coordinator")
	}
	if o.Schema == "" {
		o.Schema = messages.Schema()
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Minute
	}
	cfg, err := o.Identity.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	g := &Group{Identity: o.Identity}
	var readers []*bufio.Reader
	var cores []int
	for _, addr := range addrs {
		c, name, err := dialMember(addr, cfg)
		if err != nil {
			g.Stop()
			return nil, err
		}
		g.conns = append(g.conns, c)
		g.Names = append(g.Names, name)
		r := bufio.NewReaderSize(c, 4096)
		readers = append(readers, r)
		h, err := readHello(c, r)
		if err != nil {
			g.Stop()
			return nil, fmt.Errorf("member %s at %s: %w", name, addr, err)
		}
		if h.Version != o.Version {
			g.Stop()
			return nil, fmt.Errorf("member %s at %s runs version %q, this coordinator %q: run the same Spiral on every machine", name, addr, h.Version, o.Version)
		}
		if h.Schema != o.Schema {
			g.Stop()
			return nil, fmt.Errorf("member %s at %s speaks message schema %q, this coordinator %q: run the same Spiral build on every machine", name, addr, h.Schema, o.Schema)
		}
		cores = append(cores, h.Cores)
		g.Cores = append(g.Cores, h.Cores)
		g.MemoryBytes = append(g.MemoryBytes, h.MemoryBytes)
	}
	if o.Costs != nil {
		p, err := PlaceWithin(o.Costs, o.Bytes, cores, g.MemoryBytes)
		if err != nil {
			g.Stop()
			return nil, fmt.Errorf("members: %w", err)
		}
		g.Placement = p
	}
	for i, c := range g.conns {
		name, addr := g.Names[i], addrs[i]
		line, err := json.Marshal(assignment{Index: i, Count: len(addrs), Shards: shards, Recipe: o.Recipe, Version: o.Version, Schema: o.Schema, Placement: g.Placement, Names: g.Names})
		if err == nil {
			_, err = c.Write(append(line, '\n'))
		}
		if err != nil {
			g.Stop()
			return nil, fmt.Errorf("member %s at %s: sending the run: %w", name, addr, err)
		}
	}
	// The members build their parts in parallel; read their answers.
	for i, c := range g.conns {
		_ = c.SetReadDeadline(time.Now().Add(o.StartTimeout))
		b, err := readLine(readers[i], 64<<10) // an address, or why not
		_ = c.SetReadDeadline(time.Time{})
		line := strings.TrimSpace(string(b))
		if addr, ok := strings.CutPrefix(line, "listening "); ok && err == nil {
			g.Addresses = append(g.Addresses, addr)
			continue
		}
		g.Stop()
		if why, ok := strings.CutPrefix(line, "error: "); ok {
			return nil, fmt.Errorf("member %s at %s: %s", g.Names[i], addrs[i], why)
		}
		return nil, fmt.Errorf("member %s at %s did not start (said %q, %v)", g.Names[i], addrs[i], line, err)
	}
	return g, nil
}

// ErrBusy is wrapped by StartMembers's error when a member serves another
// run (or is still ending one): asking again later may succeed.
var ErrBusy = errors.New("member busy")

// busySuffix ends a busy member's refusal.
const busySuffix = " is serving another run"

// busyError is a busy member's refusal.
type busyError struct{ why string }

func (e *busyError) Error() string        { return e.why }
func (e *busyError) Is(target error) bool { return target == ErrBusy }

// readHello reads a member's first line: its hello, or why it refuses.
func readHello(c net.Conn, r *bufio.Reader) (memberHello, error) {
	var h memberHello
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := readLine(r, 4096)
	_ = c.SetReadDeadline(time.Time{})
	line := strings.TrimSpace(string(b))
	if why, ok := strings.CutPrefix(line, "error: "); ok {
		if strings.HasSuffix(why, busySuffix) {
			return h, &busyError{why}
		}
		return h, errors.New(why)
	}
	body, ok := strings.CutPrefix(line, "hello ")
	if err != nil || !ok {
		return h, fmt.Errorf("no hello (said %q, %v)", line, err)
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		return h, fmt.Errorf("its hello: %w", err)
	}
	if h.Cores < 0 || h.MemoryBytes < 0 {
		return h, fmt.Errorf("its hello: %d cores, %d bytes", h.Cores, h.MemoryBytes)
	}
	return h, nil
}

// Place places shards of the given costs on workers of the given cores
// (0 counts as 1): the costliest shard first, each on the worker it would
// leave least loaded per core (ties: the lowest index). It returns each
// shard's worker.
func Place(costs []float64, cores []int) []int {
	p, _ := PlaceWithin(costs, nil, cores, nil)
	return p
}

// PlaceWithin is Place that also keeps each worker's shards within its
// memory: bytes gives each shard's memory, memory each worker's (0:
// unknown, no limit); nil bytes or memory sets no limit. A shard that fits
// no worker is an error naming the memory it needs and the most any
// worker has left.
func PlaceWithin(costs []float64, bytes []int64, cores []int, memory []int64) ([]int, error) {
	order := make([]int, len(costs))
	for g := range order {
		order[g] = g
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(costs[b], costs[a]) })
	load := make([]float64, len(cores))
	used := make([]int64, len(cores))
	fits := func(w, g int) bool {
		return bytes == nil || memory == nil || memory[w] <= 0 || used[w]+bytes[g] <= memory[w]
	}
	out := make([]int, len(costs))
	for _, g := range order {
		best, bestAfter := -1, math.Inf(1)
		for w, c := range cores {
			after := (load[w] + costs[g]) / float64(max(c, 1))
			if after < bestAfter && fits(w, g) {
				best, bestAfter = w, after
			}
		}
		if best < 0 {
			most := int64(0)
			for w := range cores {
				most = max(most, memory[w]-used[w])
			}
			return nil, fmt.Errorf("shard %d needs about %d MiB and no member has that much memory left (at most %d MiB): add members or memory", g, bytes[g]>>20, most>>20)
		}
		load[best] += costs[g]
		if bytes != nil {
			used[best] += bytes[g]
		}
		out[g] = best
	}
	return out, nil
}

// dialMember opens a member's control connection and returns it with the
// name its certificate proves.
func dialMember(addr string, cfg *tls.Config) (*tls.Conn, string, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("member at %s: %w (is spiral-node serve running there, with a certificate of this cluster?)", addr, err)
	}
	name := transport.ConnPeerName(c.ConnectionState())
	if name == "" {
		c.Close()
		return nil, "", fmt.Errorf("member at %s: no verified certificate", addr)
	}
	return c, name, nil
}
