// Package workers runs the shards of a network in worker processes:
// copies of the running program, each of which builds only its part of
// the network (network.Builder.BuildPart) and hosts its shards
// (actors.Serve), while the program that started them coordinates the run
// with the actor engine (actors.Options.Workers). Any program that builds
// its network with a function can do so — the Go examples and spiral-node
// alike:
//
//	build := func(part *network.Part) (*network.Network, error) { ... }
//	if workers.Serving() {
//		os.Exit(workers.Serve(build, workers.ServeOptions{}))
//	}
//	g, err := workers.Start(2, shards, workers.Options{})
//	...
//	net, err := build(&network.Part{}) // the coordinator holds no synapse
//	e, err := actors.New(net, actors.Options{Shards: shards, Workers: g.Addresses, Identity: g.Identity, WorkerNames: g.Names})
//	defer g.Stop()
//
// A worker process is a cluster member on loopback (see ListenMember):
// worker processes and members on other machines run the same code path.
// A worker is started with the program's own arguments (Options.Args) and
// the environment variable Env set, so that it parses its flags as the
// coordinator did and builds the same model. It reads its identity — a
// certificate from an authority made in memory for the run (package
// transport) — as one line on its standard input, never on its command
// line; listens as a member on 127.0.0.1 and says "serving on ADDR"; and
// stops when its input closes. The coordinator then hands it the run over
// that mutually authenticated connection (StartMembers): its index, the
// number of workers, the shard counts and their placement and, optionally,
// a recipe — the coordinator's description of the model (Options.Recipe,
// opaque to this package, which ServeOptions.Recipe turns into a Build;
// spiral-node sends a messages.Recipe, so a worker needs neither the model
// file nor model flags).
package workers

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/network"
)

// Env is the environment variable that Start sets in every worker.
const Env = "SPIRAL_WORKER"

// Build builds a network, or the part of it that part says (nil: the
// whole; see network.Part). It must build the same model every time it is
// called, in every process.
type Build func(part *network.Part) (*network.Network, error)

// Serving reports whether this process is a worker started by Start.
func Serving() bool { return os.Getenv(Env) != "" }

// assignment is what a worker learns on its standard input.
type assignment struct {
	Index  int            `json:"index"`
	Count  int            `json:"count"`
	Shards map[string]int `json:"shards"`
	Recipe []byte         `json:"recipe,omitempty"`
	// Version is the coordinator's (a member of another version refuses),
	// Schema its wire messages' (messages.Schema; likewise).
	Version string `json:"version,omitempty"`
	Schema  string `json:"schema,omitempty"`
	// Placement gives each shard's worker (actors.Options.Placement; nil:
	// round robin).
	Placement []int `json:"placement,omitempty"`
	// Names are the workers' certificate names, by index
	// (actors.WorkerOptions.PeerNames; nil: actors.WorkerName(i)).
	Names []string `json:"names,omitempty"`
}

// maxAssignment bounds the line a worker reads: an identity is a few
// kilobytes, a recipe (a model file, base64) up to about 43 MiB.
const maxAssignment = 64 << 20

// Options configure Start.
type Options struct {
	// Args are the arguments the workers are started with (default: this
	// program's own, os.Args[1:]).
	Args []string
	// Stderr receives the workers' standard error (default os.Stderr).
	Stderr io.Writer
	// StartTimeout bounds how long a worker may take to build its part
	// and listen (default 10 minutes).
	StartTimeout time.Duration
	// Recipe, optional, is handed to every worker with its assignment,
	// for ServeOptions.Recipe (at most 32 MiB).
	Recipe []byte
}

// Group is a set of running workers.
type Group struct {
	// Addresses are the workers' remote addresses, in index order (for
	// actors.Options.Workers).
	Addresses []string
	// Identity is the coordinator's identity from the run's authority
	// (for actors.Options.Identity).
	Identity *actors.Identity
	// Names are the workers' certificate names, for cluster members
	// (StartMembers; for actors.Options.WorkerNames); nil for worker
	// processes, whose names are actors.WorkerName(i).
	Names []string
	// Cores and MemoryBytes are what each member reported, and Placement
	// the shards' workers when the members' cores placed them (for
	// actors.Options.Placement; nil: round robin).
	Cores       []int
	MemoryBytes []int64
	Placement   []int
	procs       []proc
	conns       []net.Conn // members' control connections
}

// proc is a worker process and the pipe to its standard input.
type proc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
}

// Start starts n workers (this program again, with o.Args and Env set),
// hands each its assignment — index, n, the resolved shard counts of
// every population (as actors.Engine.Shards resolves them; see layout.Shards)
// and its identity — and waits until each has built its part and listens.
// On failure the workers started are stopped.
func Start(n int, shards map[string]int, o Options) (*Group, error) {
	if n < 1 {
		return nil, fmt.Errorf("workers: %d workers: need at least 1", n)
	}
	if len(o.Recipe) > 32<<20 {
		return nil, fmt.Errorf("workers: a recipe of %d bytes (at most 32 MiB)", len(o.Recipe))
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("workers: finding this program to start workers: %w", err)
	}
	if o.Args == nil && len(os.Args) > 1 {
		o.Args = os.Args[1:]
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Minute
	}
	coord, ids, err := actors.Identities(n)
	if err != nil {
		return nil, err
	}
	// Each worker becomes a cluster member on loopback, with an identity
	// from this run's authority (in memory); the run is then handed to
	// them as to any members.
	procs := &Group{}
	var control []string
	for i := range n {
		addr, err := procs.start(self, i, ids[i], o)
		if err != nil {
			procs.Stop()
			return nil, err
		}
		control = append(control, addr)
	}
	g, err := StartMembers(control, shards, MembersOptions{Identity: coord, Recipe: o.Recipe, StartTimeout: o.StartTimeout})
	if err != nil {
		procs.Stop()
		return nil, fmt.Errorf("workers: %w", err)
	}
	g.procs = procs.procs
	return g, nil
}

// setup is what a worker process reads first on its standard input: its
// identity, as a member of the run's cluster.
type setup struct {
	Identity json.RawMessage `json:"identity"`
}

// start starts worker i, hands it its identity and returns its control
// address (it serves the run as a member on loopback).
func (g *Group) start(self string, i int, id *transport.Identity, o Options) (string, error) {
	cmd := exec.Command(self, o.Args...)
	cmd.Env = append(os.Environ(), Env+"=1")
	cmd.Stderr = o.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("workers: starting worker %d: %w", i, err)
	}
	g.procs = append(g.procs, proc{cmd, in})
	idb, err := id.Marshal()
	if err != nil {
		return "", err
	}
	line, err := json.Marshal(setup{Identity: idb})
	if err == nil {
		_, err = in.Write(append(line, '\n'))
	}
	if err != nil {
		return "", fmt.Errorf("workers: handing worker %d its identity: %w", i, err)
	}
	said := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			said <- sc.Text()
		}
		close(said)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case l, ok := <-said:
		addr, found := strings.CutPrefix(l, "serving on ")
		if !ok || !found {
			return "", fmt.Errorf("workers: worker %d did not start (said %q)", i, l)
		}
		return addr, nil
	case <-time.After(o.StartTimeout):
		return "", fmt.Errorf("workers: worker %d did not start within %v", i, o.StartTimeout)
	}
}

// Stop asks the workers to stop (closing their input), waits up to 3 s
// for each, then kills those still running.
func (g *Group) Stop() {
	if g == nil {
		return
	}
	for _, p := range g.procs {
		if p.cmd.Process == nil {
			continue
		}
		_ = p.in.Close()
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
	}
	g.procs = nil
	for _, c := range g.conns {
		_ = c.Close() // the member ends the run and serves again
	}
	g.conns = nil
}

// ServeOptions configure Serve.
type ServeOptions struct {
	// Listen is the worker's remote address (default 127.0.0.1:0), and
	// Advertise, if set, the address it announces instead (see
	// actors.WorkerOptions.Advertise).
	Listen, Advertise string
	// Logger receives the worker's log (default none).
	Logger *zap.Logger
	// Stdin, Stdout and Stderr default to the process's.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Name prefixes the worker's messages on Stderr (default "worker").
	Name string
	// Recipe, when set, turns the recipe of the assignment
	// (Options.Recipe) into the Build to use, instead of Serve's build
	// argument.
	Recipe func(recipe []byte) (Build, error)
}

// Serve runs this process as a worker: it reads its identity from its
// standard input, listens as a member on loopback (ListenMember) and says
// "serving on ADDR" on its standard output. The coordinator's run then
// comes over that authenticated connection: the worker builds its part of
// the network with build (or ServeOptions.Recipe of the run's recipe) —
// first the network without synapses, whose populations place the shards,
// then the synapses that end on its own shards — and hosts its shards. It
// serves until its input closes (the coordinator stopped it or exited) or
// SIGTERM. SIGINT is ignored: the coordinator, which gets it too from a
// terminal, stops its workers. It returns the exit code: 0, 1 when it
// could not listen, 2 for a bad identity or nothing to build with.
func Serve(build Build, o ServeOptions) int {
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Name == "" {
		o.Name = "worker"
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	in := bufio.NewReaderSize(o.Stdin, 4096)
	id, err := readSetup(in)
	if err != nil {
		fmt.Fprintf(o.Stderr, "%s: %v\n", o.Name, err)
		return 2
	}
	recipe := o.Recipe
	if recipe == nil {
		if build == nil {
			fmt.Fprintf(o.Stderr, "%s: nothing to build the model with\n", o.Name)
			return 2
		}
		recipe = func([]byte) (Build, error) { return build, nil }
	}
	m, err := ListenMember(MemberOptions{Listen: o.Listen, Identity: id, Recipe: recipe, Log: o.Stderr, Logger: o.Logger, quiet: true})
	if err != nil {
		fmt.Fprintf(o.Stderr, "%s: %v\n", o.Name, err)
		return 1
	}
	fmt.Fprintf(o.Stdout, "serving on %s\n", m.Addr())
	served := make(chan error, 1)
	go func() { served <- m.Serve() }()
	signal.Ignore(os.Interrupt)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	defer signal.Stop(stop)
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, in); close(eof) }()
	select {
	case <-stop:
	case <-eof:
	case err := <-served:
		if err != nil {
			fmt.Fprintf(o.Stderr, "%s: %v\n", o.Name, err)
			return 1
		}
	}
	m.Close()
	return 0
}

// readSetup reads a worker's setup (its identity): one line of at most
// 64 KiB.
func readSetup(in *bufio.Reader) (*transport.Identity, error) {
	line, err := readLine(in, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("reading this worker's identity from standard input (workers are started by their coordinator, which hands it over): %w", err)
	}
	var st setup
	if err := json.Unmarshal(line, &st); err != nil {
		return nil, fmt.Errorf("reading this worker's identity: %w", err)
	}
	id, err := transport.ParseIdentity(st.Identity)
	if err != nil {
		return nil, fmt.Errorf("this worker's identity: %w", err)
	}
	return id, nil
}

// readLine reads one line of at most limit bytes (without its end).
func readLine(in *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, more, err := in.ReadLine()
		if err != nil {
			return nil, err
		}
		line = append(line, chunk...)
		if len(line) > limit {
			return nil, fmt.Errorf("a line of more than %d bytes", limit)
		}
		if !more {
			return line, nil
		}
	}
}

// member is what a cluster member (or a worker process, a member on
// loopback) brings to an assignment: its own identity, the coordinator's
// certificate name (from the authenticated connection), its version.
type member struct {
	identity    *transport.Identity
	coordinator string
	version     string
	schema      string
}

// serveAssignment reads an assignment from in, builds the worker's part
// and hosts its shards, and says "listening ADDR" on o.Stdout. On failure
// it says why on o.Stderr — and, for a member, as "error: WHY" on
// o.Stdout, for the coordinator — and returns a nil worker and the exit
// code (2: a bad assignment or model, 1: serving failed).
func serveAssignment(build Build, in *bufio.Reader, o ServeOptions, m member) (*actors.Worker, int) {
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Name == "" {
		o.Name = "worker"
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	fail := func(code int, format string, args ...any) (*actors.Worker, int) {
		msg := fmt.Sprintf(format, args...)
		fmt.Fprintf(o.Stderr, "%s: %s\n", o.Name, msg)
		if m.identity != nil {
			fmt.Fprintf(o.Stdout, "error: %s\n", strings.ReplaceAll(msg, "\n", "; "))
		}
		return nil, code
	}
	a, err := readAssignment(in)
	if err != nil {
		return fail(2, "%v", err)
	}
	id := m.identity
	if a.Version != m.version {
		return fail(2, "the coordinator runs version %q, this member %q: run the same Spiral on every machine", a.Version, m.version)
	}
	if a.Schema != m.schema {
		return fail(2, "the coordinator speaks message schema %q, this member %q: run the same Spiral build on every machine", a.Schema, m.schema)
	}
	if o.Recipe != nil {
		if build, err = o.Recipe(a.Recipe); err != nil {
			return fail(2, "the recipe of the assignment: %v", err)
		}
	}
	if build == nil {
		return fail(2, "nothing to build the model with")
	}
	net, err := buildPart(build, a)
	if err != nil {
		return fail(2, "%v", err)
	}
	w, err := actors.Serve(net, actors.WorkerOptions{Listen: o.Listen, Advertise: o.Advertise, Index: a.Index, Count: a.Count, Shards: a.Shards, Identity: id,
		CoordinatorName: m.coordinator, Placement: a.Placement, PeerNames: a.Names, Logger: o.Logger})
	if err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintf(o.Stdout, "listening %s\n", w.Address())
	return w, 0
}

// readAssignment reads and checks a worker's assignment: one line of at
// most maxAssignment bytes.
func readAssignment(in *bufio.Reader) (assignment, error) {
	var a assignment
	line, err := readLine(in, maxAssignment)
	if err != nil {
		return a, fmt.Errorf("reading the run's assignment from the coordinator: %w", err)
	}
	if err := json.Unmarshal(line, &a); err != nil {
		return a, fmt.Errorf("reading the run's assignment: %w", err)
	}
	if a.Count < 1 || a.Index < 0 || a.Index >= a.Count {
		return a, fmt.Errorf("assignment: worker %d of %d", a.Index, a.Count)
	}
	for name, k := range a.Shards {
		if k < 1 {
			return a, fmt.Errorf("assignment: population %q: %d shards (at least 1)", name, k)
		}
	}
	for g, w := range a.Placement {
		if w < 0 || w >= a.Count {
			return a, fmt.Errorf("assignment: placement: shard %d on worker %d of %d", g, w, a.Count)
		}
	}
	if a.Names != nil && len(a.Names) != a.Count {
		return a, fmt.Errorf("assignment: %d workers' names for %d workers", len(a.Names), a.Count)
	}
	return a, nil
}

// buildPart builds the part of the network that the worker of a hosts:
// first the network without synapses (its populations' sizes place the
// shards), then the synapses that end on the worker's shards.
func buildPart(build Build, a assignment) (*network.Network, error) {
	skeleton, err := build(&network.Part{})
	if err != nil {
		return nil, err
	}
	var names []string
	var sizes []int
	for _, p := range skeleton.Populations {
		names, sizes = append(names, p.Name), append(sizes, p.N)
	}
	for name, k := range a.Shards {
		i, ok := skeleton.PopulationIndex(name)
		if !ok {
			return nil, fmt.Errorf("assignment: shards of population %q, which the model does not have", name)
		}
		if k > sizes[i] {
			return nil, fmt.Errorf("assignment: population %q: %d shards for %d neurons", name, k, sizes[i])
		}
	}
	return build(actors.WorkerPartPlaced(names, sizes, a.Shards, a.Index, a.Count, a.Placement, nil))
}
