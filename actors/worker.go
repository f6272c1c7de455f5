package actors

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"go.uber.org/zap"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/network"
)

// Worker hosts shards for a coordinating engine in another process.
type Worker struct {
	system  *actor.ActorSystem
	remote  *remote.Remote
	address string
	probe   *probeActor // answers probes (its delay: tests' SlowProbe)
	mu      sync.Mutex
	err     error
	done    chan struct{}
	closing atomic.Bool
	coord   atomic.Value // the coordinator's address, once known
	lost    chan struct{}
	once    sync.Once
	// The hosted shards and bundles and their dispatchers (one goroutine
	// each).
	pids        []*actor.PID
	dispatchers []*loopDispatcher
}

// WorkerOptions configure a worker.
type WorkerOptions struct {
	// Listen is the worker's remote address (host:port; port 0 picks one).
	Listen string
	// Advertise, if set, is the address (host:port) the worker announces
	// to its peers instead of Listen's: where they reach it through a NAT,
	// or when it listens on every interface.
	Advertise string
	// Index is this worker's position in the coordinator's Workers list
	// and Count the length of that list: the worker hosts the shards g
	// with g mod Count == Index.
	Index, Count int
	// Shards per population, exactly as given to the coordinator.
	Shards map[string]int
	// Identity authenticates the worker to the coordinator and back: a
	// certificate named WorkerName(Index) from the run's authority
	// (required; see package transport).
	Identity *transport.Identity
	// Placement, if set, is the coordinator's (Options.Placement): the
	// worker hosts the shards g with Placement[g] == Index.
	Placement []int
	// CoordinatorName, if set, is the name of the coordinator's
	// certificate instead of CoordinatorName (a cluster's coordinator,
	// whose certificate names its machine).
	CoordinatorName string
	// PeerNames, if set, are the names of every worker's certificate, by
	// index (Options.WorkerNames), instead of WorkerName(i): workers
	// exchange batches with one another directly, and accept only these
	// peers and the coordinator.
	PeerNames []string
	Logger    *zap.Logger
}

// Serve builds the shards of net that this worker hosts and serves them
// until Close. net must be built from the same model and seed as the
// coordinator's: whole, or only the part this worker hosts
// (network.Builder.BuildPart with WorkerPart's part), so that no process
// holds the whole network's synapses.
func Serve(net *network.Network, o WorkerOptions) (*Worker, error) {
	if o.Count < 1 || o.Index < 0 || o.Index >= o.Count {
		return nil, fmt.Errorf("worker: index %d of %d workers", o.Index, o.Count)
	}
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	// The shards copy their synapses; the network's copies of static
	// projections are then released (a worker never reads them again).
	shards, err := shard.SplitPart(net, o.Shards, o.hosts, true)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, row := range shards {
		total += len(row)
	}
	if err := checkPlacement(o.Placement, total, o.Count); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	if o.PeerNames != nil && len(o.PeerNames) != o.Count {
		return nil, fmt.Errorf("worker: %d peer names for %d workers", len(o.PeerNames), o.Count)
	}
	w := &Worker{done: make(chan struct{}), lost: make(chan struct{})}
	w.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quietSlog(log, &w.closing) }))
	// A worker hears only from the coordinator and the other workers.
	peers := []string{CoordinatorName}
	if o.CoordinatorName != "" {
		peers[0] = o.CoordinatorName
	}
	for i := range o.Count {
		switch {
		case i == o.Index:
		case o.PeerNames != nil:
			peers = append(peers, o.PeerNames[i])
		default:
			peers = append(peers, WorkerName(i))
		}
	}
	w.remote, w.address, err = startRemote(w.system, o.Listen, o.Advertise, o.Identity, &transport.Fence{}, peers)
	if err != nil {
		return nil, err
	}
	h := newWorkerHost(net, shards, o, w.address)
	h.ending = &w.closing
	fp := h.fingerprint
	g := 0
	var clock *actor.PID
	var cmu sync.Mutex
	fail := func(err error) {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
		cmu.Lock()
		c := clock
		cmu.Unlock()
		if c != nil {
			w.system.Root.Send(c, &messages.Failure{ActorName: "worker " + w.address, Message: err.Error()})
		}
	}
	stop := actor.WithSupervisor(actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive { return actor.StopDirective }))
	for _, row := range shards {
		for _, sh := range row {
			if o.hosts(g) {
				s := newShardActor(net, sh, uint32(g), len(row), fail, log)
				s.fingerprint = fp
				s.host = h
				s.onInit = func(c *actor.PID) {
					cmu.Lock()
					clock = c
					cmu.Unlock()
					w.coord.Store(c.Address)
				}
				// Messages between processes take far longer than a
				// wake-up: the dispatcher parks at once rather than spin.
				d := newLoopDispatcher(1, false, false)
				w.dispatchers = append(w.dispatchers, d)
				pid, err := w.system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return s }, stop, actor.WithDispatcher(d)), ShardActorName(g))
				if err != nil {
					w.Close()
					return nil, fmt.Errorf("worker: spawning shard %d: %w", g, err)
				}
				w.pids = append(w.pids, pid)
			}
			g++
		}
	}
	// The probe of the run's links (Engine.Links).
	probe := &probeActor{system: w.system, host: h, log: log}
	w.probe = probe
	pid, err := w.system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return probe }, stop), ProbeActorName)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("worker: spawning the probe: %w", err)
	}
	w.pids = append(w.pids, pid)
	// The copies of axons that run here in a bundle actor (not inside
	// their source population's only shard).
	for a, ws := range h.replicas {
		if !slices.Contains(ws, o.Index) || h.geo.inShard(a, o.Index) {
			continue
		}
		b := h.bundle(a, fail, log)
		d := newLoopDispatcher(1, false, false)
		w.dispatchers = append(w.dispatchers, d)
		pid, err := w.system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return b }, stop, actor.WithDispatcher(d)), BundleActorName(a))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("worker: spawning the bundle of axon %d: %w", a, err)
		}
		w.pids = append(w.pids, pid)
	}
	// A worker whose coordinator is gone has nothing left to do. A
	// worker it exchanges batches with that is gone fails the run, unless
	// the run is ending (the coordinator goes soon after).
	w.system.EventStream.Subscribe(func(ev any) {
		t, ok := ev.(*remote.EndpointTerminatedEvent)
		if !ok {
			return
		}
		if c, _ := w.coord.Load().(string); c != "" && t.Address == c {
			w.closing.Store(true)
			w.once.Do(func() { close(w.lost) })
			return
		}
		if c, _ := w.coord.Load().(string); c != "" && !w.closing.Load() {
			go func() {
				select {
				case <-w.lost:
				case <-w.done:
				case <-time.After(peerGrace):
					fail(peerError("worker %s: lost the connection to the worker at %s (the process died, froze or the link broke)", w.address, t.Address))
				}
			}()
		}
	})
	log.Info("worker serving", zap.String("address", w.address), zap.Int("index", o.Index))
	return w, nil
}

// hosts reports whether the worker hosts shard g (numbered across the
// populations in network order).
func (o WorkerOptions) hosts(g int) bool {
	if o.Placement != nil {
		return g < len(o.Placement) && o.Placement[g] == o.Index
	}
	return g%o.Count == o.Index
}

// WorkerPart returns the part of a network (for network.BuildPart) that
// the worker index of count hosts with the given shard counts (as in
// WorkerOptions): the neurons of its shards. names and sizes are the
// populations' names and sizes in network order (a network built for any
// part has them: network.Part{} builds no synapse at all). whole names
// projections to build whole nonetheless.
func WorkerPart(names []string, sizes []int, shards map[string]int, index, count int, whole []string) *network.Part {
	return WorkerPartPlaced(names, sizes, shards, index, count, nil, whole)
}

// WorkerPartPlaced is WorkerPart with an explicit placement (see
// WorkerOptions.Placement; nil is round robin).
func WorkerPartPlaced(names []string, sizes []int, shards map[string]int, index, count int, placement []int, whole []string) *network.Part {
	o := WorkerOptions{Index: index, Count: count, Placement: placement}
	return shard.Part(names, sizes, shards, o.hosts, whole)
}

// Lost is closed when the connection to the coordinator is lost (the run
// ended or the coordinator died).
func (w *Worker) Lost() <-chan struct{} { return w.lost }

// Address returns the worker's remote address.
func (w *Worker) Address() string { return w.address }

// Err returns the first failure of a hosted shard, or nil.
func (w *Worker) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops the worker.
func (w *Worker) Close() {
	select {
	case <-w.done:
		return
	default:
	}
	close(w.done)
	w.closing.Store(true)
	shutdown(w.remote)
	for _, p := range w.pids {
		_ = w.system.Root.StopFuture(p).Wait()
	}
	for _, d := range w.dispatchers {
		d.stop()
	}
}

// peerGrace is how long a worker waits, when the connection to another
// worker ends, for the coordinator to end the run before it reports the
// loss itself: at the end of a run the workers leave in any order.
const peerGrace = 2 * time.Second

// workerHost is what the actors of a worker share: the run's geometry as
// this worker built it, its index, and where each axon runs. It does not
// change once Serve returns; what a WorkerInit brings (the workers'
// addresses, the window) each actor keeps for itself.
type workerHost struct {
	geo         geometry // without the workers' addresses
	index       int
	address     string // this worker's remote address
	feeds       [][]dest
	replicas    [][]int // per axon: the workers that run a copy of it
	fingerprint uint64
	// workers are the workers' addresses once a WorkerInit has been
	// accepted (the peers a probe may time).
	workers atomic.Pointer[[]string]
	// ending is set once the coordinator says the run ends (a STOP
	// control): from then on a peer's lost connection is the run's end,
	// neither an error nor news (the worker's closing flag).
	ending *atomic.Bool
}

func newWorkerHost(net *network.Network, shards [][]*shard.Shard, o WorkerOptions, address string) *workerHost {
	h := &workerHost{index: o.Index, address: address, fingerprint: shard.Fingerprint(net, shards)}
	h.geo = geometry{net: net, shards: shards, e: segmentLength(net), placement: o.Placement, nworkers: o.Count}
	g := 0
	for pi, row := range shards {
		for k := range row {
			h.geo.ids = append(h.geo.ids, [2]int{pi, k})
			h.geo.remoteShard = append(h.geo.remoteShard, !o.hosts(g))
			g++
		}
	}
	h.feeds = h.geo.feeds()
	h.replicas = h.geo.replicas(h.feeds)
	return h
}

// checkInit checks a coordinator's WorkerInit against what this worker
// built and where it places the axons.
func (h *workerHost) checkInit(m *messages.WorkerInit) error {
	switch {
	case m.Fingerprint != h.fingerprint:
		return fmt.Errorf("this worker built a different network or shard layout (check the model, seed and shard counts)")
	case int(m.SegmentSteps) != h.geo.e:
		return fmt.Errorf("segments of %d steps, want %d", m.SegmentSteps, h.geo.e)
	case len(m.Placement) != len(h.geo.ids):
		return fmt.Errorf("a placement of %d shards, want %d", len(m.Placement), len(h.geo.ids))
	case len(m.Workers) != h.geo.nworkers:
		return fmt.Errorf("%d workers' addresses, want %d", len(m.Workers), h.geo.nworkers)
	case m.Window < 1 || m.Window > MaxWorkerWindow:
		return fmt.Errorf("a window of %d segments (want 1 to %d)", m.Window, MaxWorkerWindow)
	}
	for i, a := range m.Workers {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("worker %d's address %q: %w", i, a, err)
		}
	}
	for g, w := range m.Placement {
		if int(w) != h.geo.workerIndex(g) {
			return fmt.Errorf("shard %d placed on worker %d, on %d as this worker was told", g, w, h.geo.workerIndex(g))
		}
	}
	if h.workers.Load() == nil {
		addrs := slices.Clone(m.Workers)
		h.workers.CompareAndSwap(nil, &addrs)
	}
	return nil
}

// probeActor answers probes of the run's links (Engine.Links): at once
// when a probe names no peer, else after timing the round trip to each
// peer it names — workers of the run only, one such probe at a time.
type probeActor struct {
	system *actor.ActorSystem
	host   *workerHost
	log    *zap.Logger
	busy   atomic.Bool
	delay  atomic.Int64 // ns before each answer: a loaded machine, in tests
}

// Receive implements actor.Actor.
func (p *probeActor) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Probe)
	if !ok {
		return
	}
	if d := p.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	known := p.host.workers.Load()
	sender := ctx.Sender()
	if len(m.Peers) == 0 || known == nil || sender == nil || len(m.Peers) >= p.host.geo.nworkers || !p.busy.CompareAndSwap(false, true) {
		ctx.Respond(&messages.ProbeReply{}) // a ping, or nothing to time
		return
	}
	go func() {
		defer p.busy.Store(false)
		reply := &messages.ProbeReply{RttNanos: make([]int64, len(m.Peers))}
		for i, addr := range m.Peers {
			reply.RttNanos[i] = -1
			if !slices.Contains(*known, addr) || addr == p.host.address {
				continue
			}
			t0 := time.Now()
			if _, err := p.system.Root.RequestFuture(probePID(addr), &messages.Probe{}, probeTimeout).Result(); err == nil {
				reply.RttNanos[i] = int64(time.Since(t0))
			}
		}
		p.system.Root.Send(sender, reply)
	}()
}

// newEmitter returns the emitter of axon a without destinations.
func (h *workerHost) newEmitter(a int) *emitter {
	ax := h.geo.net.Axons[a]
	src := h.geo.net.Populations[ax.Source]
	return &emitter{index: a, name: "bundle " + src.Name + "." + ax.Name, run: shard.Emitter{Axon: ax.Axon, Graded: src.Graded()}}
}

// wireEmitter gives m, this worker's copy of axon m.index, its
// destinations — the shards of this worker that the axon feeds — and a
// ring of batches for the window of init; the shard selfID, if any
// (≥ 0), is addressed as self.
func (h *workerHost) wireEmitter(m *emitter, init *messages.WorkerInit, self *actor.PID, selfID int) {
	m.dests, m.remote = m.dests[:0], m.remote[:0]
	for _, d := range h.feeds[m.index] {
		g := h.geo.globalID(d.pop, d.shard)
		if h.geo.remoteShard[g] {
			continue // another worker's copy feeds it
		}
		pid := actor.NewPID(h.address, ShardActorName(g))
		if g == selfID {
			pid = self
		}
		m.dests = append(m.dests, pid)
		m.remote = append(m.remote, false)
	}
	m.ring = make([]*events, int(init.Window)+maxLag(h.geo.net)+1) // see Engine.start
}

// bundle returns the bundle actor of axon a, to be wired by the
// coordinator's WorkerInit.
func (h *workerHost) bundle(a int, fail func(error), log *zap.Logger) *bundleActor {
	src := h.geo.net.Axons[a].Source
	b := &bundleActor{geo: &h.geo, fail: fail, log: log, m: h.newEmitter(a), nsrc: len(h.geo.shards[src]), src: src, pending: map[int64]*gather{}}
	b.wireInit = func(m *messages.WorkerInit) error {
		if err := h.checkInit(m); err != nil {
			return err
		}
		geo := h.geo // this actor's copy, with the addresses and the window
		geo.workers, geo.window = m.Workers, int(m.Window)
		b.geo, b.coord = &geo, m.Address
		h.wireEmitter(b.m, m, nil, -1)
		return nil
	}
	return b
}
