package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/spiral-sim/spiral/clock"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/network"
)

// Options configure an engine.
type Options struct {
	// Shards per population name. A population not listed gets the
	// automatic count (layout.Shards): as many shards as the cores the
	// network can keep busy (layout.Cores) when it has at least
	// layout.MinShardSize neurons and can be split, else one.
	Shards map[string]int
	// Cores is how many dispatcher goroutines (cores) the actors of this
	// process run on; 0 means GOMAXPROCS, or layout.Cores of it when
	// Shards is empty (the automatic layout).
	Cores int
	// Window is how many segments the clock grants ahead of the slowest
	// shard; default 4.
	Window int
	// Logger receives the engine's logs; nil discards them. Protoactor's
	// own logs are routed into it at warning level and above.
	Logger *zap.Logger
	// Workers lists the remote addresses (host:port) of worker processes
	// (see Serve) that host the shards, shard g on worker g mod
	// len(Workers); empty runs every actor in this process. Every worker
	// must have built the same network with the same shard counts.
	Workers []string
	// Listen is this process's remote address when Workers is set;
	// default 127.0.0.1 with a free port.
	Listen string
	// Identity authenticates this process to the workers and back: a
	// certificate named CoordinatorName from the run's authority, whose
	// workers hold certificates named WorkerName(i) (required with
	// Workers; Identities makes them).
	Identity *Identity
	// Placement, if set, gives the worker (index in Workers) of every
	// shard, by global shard id (populations in network order, their
	// shards in order), instead of shard g on worker g mod len(Workers).
	// The workers must be given the same (WorkerOptions.Placement).
	Placement []int
	// WorkerNames, if set, are the names of the workers' certificates, in
	// the order of Workers, instead of WorkerName(i): cluster members
	// whose certificates name their machines (spiral-node tls).
	WorkerNames []string
	// PeerTimeout bounds how long a run with Workers may go without
	// progress before it fails naming the workers it waits for (a frozen
	// or partitioned worker); 0 means DefaultPeerTimeout. A worker that
	// stops answering keepalive pings is dropped sooner, within about
	// 5 s.
	PeerTimeout time.Duration
	// OnSpikes, if set, receives every population's spikes as they are
	// recorded, in order (step, then element), from the recorder's
	// goroutine; the slices are valid during the call only.
	OnSpikes func(population string, steps []int64, elements []uint32)
	// OnProgress, if set, is called from the clock's goroutine with the
	// number of steps every shard has computed, whenever that grows.
	OnProgress func(steps int64)
	// DiscardSpikes keeps no spikes in memory once handed to OnSpikes and
	// attached actors (Spikes then returns an error): memory stays
	// bounded however long the run.
	DiscardSpikes bool
	// ReleaseSynapses drops the network's copy of every static projection
	// into a split population once its shards hold their parts
	// (each shard holds its columns), so that the synapses are not held twice;
	// their weights can then no longer be read from the network. Ignored
	// with Workers.
	ReleaseSynapses bool
}

// Engine runs a built network on actors.
type Engine struct {
	// geometry: the network, its shards, where they live, the segments.
	geometry
	log *zap.Logger

	system   *actor.ActorSystem
	clock    *actor.PID
	clockA   *clockActor // the clock's state: set before its first run only (Restore)
	shardAs  [][]*shardActor
	spids    [][]*actor.PID
	bpids    []*actor.PID // per axon; nil when the axon feeds nothing
	recPID   *actor.PID
	rec      *recorder
	attached []*actor.PID

	// Worker processes (remote shards).
	address     string // this process's remote address
	remote      *remote.Remote
	fence       *transport.Fence // peers refused from now on
	lost        chan error       // a worker lost (buffered)
	peerTimeout time.Duration
	lastBeat    atomic.Int64 // unix nanoseconds of the last progress
	// What the progress deadline must know (workers only): segments
	// granted so far, whether the clock is paused, how many observations
	// attachments have not answered yet, and a worker lost between runs.
	grantedTo     atomic.Int64
	paused        atomic.Bool
	attachWaiting atomic.Int64
	runGen        atomic.Int64 // runs started
	// attachErr is an attachment's failure (Attachment.Timeout), kept so
	// that a Run after it fails too.
	attachErr atomic.Pointer[error]
	lostErr   atomic.Pointer[error]
	// lostIdx lists the workers found lost and fenced (Lost).
	lostMu      sync.Mutex
	lostIdx     []int
	closing     atomic.Bool
	stepNow     atomic.Int64 // where the last run ended
	inRun       atomic.Bool
	onSpikes    func(string, []int64, []uint32)
	onProgress  func(int64)
	discard     bool
	dispatchers []*loopDispatcher
	// cores is how many dispatchers the actors get: layout.Cores with the
	// automatic layout, GOMAXPROCS with shard counts given.
	cores int
	// actuationPart is the most samples one actuation message to a
	// worker-hosted shard carries; larger ones are cut into parts.
	actuationPart int

	// peerNames are the workers' certificate names, by index, and
	// coordinatorName this process's.
	peerNames       []string
	coordinatorName string
	// copies gives, per axon, the workers that run a copy of it; nil
	// without workers.
	copies [][]int
	// remoteSyn counts the synapses the workers' shards hold, and their
	// bytes, as they reported them when wired.
	remoteSyn [2]int64

	step    int64 // steps completed
	mu      sync.Mutex
	results chan error
	failed  error
	// Learn is the global plasticity switch (traces keep running when
	// false). Change it only between runs.
	Learn bool
}

// New splits the network into shards and starts its actors. The network
// must not have been stepped; the engine owns it from now on.
func New(net *network.Network, o Options) (_ *Engine, err error) {
	if net == nil {
		return nil, errors.New("engine: no network (nil)")
	}
	if len(net.Populations) == 0 {
		return nil, fmt.Errorf("engine: the network has no population")
	}
	if name, ok := net.Stepped(); ok {
		return nil, fmt.Errorf("engine: the network has been stepped (population %q): build it again for a new engine (Restore takes a checkpoint into it)", name)
	}
	switch {
	case o.Cores < 0:
		return nil, fmt.Errorf("engine: Cores %d: must be >= 0 (0: GOMAXPROCS)", o.Cores)
	case o.Window < 0:
		return nil, fmt.Errorf("engine: Window %d: must be >= 0 (0: the default)", o.Window)
	}
	if err := shard.CheckCounts(net, o.Shards); err != nil {
		return nil, fmt.Errorf("engine: Shards: %w", err)
	}
	const who = "an actor engine"
	if err := net.Claim(who); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	defer func() {
		// A failure that left the network as it was gives it back (one
		// that released its synapses did not).
		if err != nil && (!o.ReleaseSynapses || len(o.Workers) > 0) {
			net.Unclaim(who)
		}
	}()
	split := shard.Split
	switch {
	case len(o.Workers) > 0:
		// Every shard lives in a worker process: here, stubs that hold
		// their place and range, no state and no synapse.
		split = func(net *network.Network, counts map[string]int) ([][]*shard.Shard, error) {
			return shard.SplitPart(net, counts, func(int) bool { return false }, false)
		}
	case o.ReleaseSynapses:
		split = shard.SplitReleasing
	}
	shards, err := split(net, layout.Shards(net, o.Shards, runtime.GOMAXPROCS(0)))
	if err != nil {
		return nil, err
	}
	if o.Window < 1 {
		// Room for the far links' lag (network.Network.Lags): a shard
		// may run that many segments ahead of a far source.
		o.Window = max(4, min(maxLag(net)+1, MaxWorkerWindow))
	}
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	e := &Engine{geometry: geometry{net: net, shards: shards, workers: o.Workers, nworkers: len(o.Workers), cuts: len(o.Workers) > 0}, log: log, results: make(chan error, 1), Learn: true,
		onSpikes: o.OnSpikes, discard: o.DiscardSpikes, onProgress: o.OnProgress, actuationPart: messages.MaxFloatsPerMessage}
	e.e = segmentLength(net)
	if e.cuts {
		e.segs = &segBounds{}
	}
	e.cores = o.Cores
	if e.cores < 1 {
		e.cores = runtime.GOMAXPROCS(0)
		if len(o.Shards) == 0 {
			e.cores = layout.Cores(net, e.cores)
		}
	}
	e.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return quietSlog(log, &e.closing)
	}))
	if len(o.Workers) > 0 {
		e.fence, e.lost = &transport.Fence{}, make(chan error, 1)
		e.peerTimeout = o.PeerTimeout
		switch {
		case e.peerTimeout == 0:
			e.peerTimeout = DefaultPeerTimeout
		case e.peerTimeout < MinPeerTimeout:
			return nil, fmt.Errorf("engine: PeerTimeout %v: must be at least %v (or 0 for the default, %v)", o.PeerTimeout, MinPeerTimeout, DefaultPeerTimeout)
		}
		if o.Window > MaxWorkerWindow {
			return nil, fmt.Errorf("engine: Window %d: at most %d with Workers (a worker-hosted shard accepts batches that far ahead of its grants)", o.Window, MaxWorkerWindow)
		}
		if err := checkPlacement(o.Placement, e.shardCount(), len(o.Workers)); err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		e.placement = o.Placement
		if len(o.WorkerNames) > 0 && len(o.WorkerNames) != len(o.Workers) {
			return nil, fmt.Errorf("engine: %d worker names for %d workers", len(o.WorkerNames), len(o.Workers))
		}
		peers := make([]string, len(o.Workers))
		for i := range peers {
			peers[i] = WorkerName(i)
			if len(o.WorkerNames) > 0 {
				peers[i] = o.WorkerNames[i]
			}
		}
		e.peerNames = peers
		e.coordinatorName = CoordinatorName
		if o.Identity != nil && o.Identity.Name != "" {
			e.coordinatorName = o.Identity.Name
		}
		r, addr, err := startRemote(e.system, o.Listen, "", o.Identity, e.fence, peers)
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		e.remote, e.address = r, addr
		e.watchWorkers()
	}
	e.window = o.Window
	e.start(o.Window)
	if len(o.Workers) > 0 {
		if err := e.initWorkers(shard.Fingerprint(net, shards)); err != nil {
			e.Close()
			return nil, err
		}
	}
	log.Info("engine started", zap.Int("segment_steps", e.e), zap.Int("shards", e.shardCount()))
	return e, nil
}

// Address returns this process's remote address with Workers ("" without).
func (e *Engine) Address() string { return e.address }

// SegmentLength returns the segment length the actor runtime uses for net:
// the smallest latency of any link, in steps.
func SegmentLength(net *network.Network) int { return segmentLength(net) }

// maxLag returns the largest lag of net's links (network.Network.Lags)
// for the actor runtime's segments, at least 1.
func maxLag(net *network.Network) int {
	m := 1
	for _, l := range net.Lags(segmentLength(net)) {
		m = max(m, l)
	}
	return m
}

// segmentLength returns the smallest latency of any link (64 when there
// is none: nothing constrains the segments, but the clock still ticks).
func segmentLength(net *network.Network) int { return net.MinLatency() }

// Synapses returns the number of synapses the engine's shards hold, and
// their memory in bytes: those of this process's shards and, with
// workers, those the workers reported (each worker may build only its
// own part of the network, network.Builder.BuildPart, so this process's
// network need not hold them).
func (e *Engine) Synapses() (n, bytes int64) {
	n, bytes = e.remoteSyn[0], e.remoteSyn[1]
	for _, row := range e.shards {
		for _, sh := range row {
			if sh.Population == nil {
				continue // a stub: counted by its worker
			}
			for _, syn := range sh.Syn {
				n += int64(syn.Len())
				bytes += int64(syn.Memory())
			}
		}
	}
	return n, bytes
}

// ShardTotal returns the number of shards of every population together
// (the global shard ids are 0 … ShardTotal()−1).
func (e *Engine) ShardTotal() int { return e.shardCount() }

// SegmentSteps returns the segment length E (steps).
func (e *Engine) SegmentSteps() int { return e.e }

// Shards returns the number of shards of each population, in network order.
func (e *Engine) Shards() []int {
	out := make([]int, len(e.shards))
	for i, s := range e.shards {
		out[i] = len(s)
	}
	return out
}

// Steps returns the number of steps computed.
func (e *Engine) Steps() int64 { return e.step }

// Run advances the network by n steps and waits for the end. Consecutive
// runs continue one another: spikes in flight are kept. After a failure
// the engine refuses to run.
func (e *Engine) Run(n int) error {
	if e.failed != nil {
		return fmt.Errorf("engine: an earlier run failed: %w", e.failed)
	}
	if n < 0 {
		return fmt.Errorf("engine: run of %d steps", n)
	}
	if n == 0 {
		return nil
	}
	if p := e.lostErr.Load(); p != nil {
		// A worker was lost or fenced since the last run.
		e.failed = *p
		return *p
	}
	if p := e.attachErr.Load(); p != nil {
		// An attachment failed to answer since the last run.
		e.failed = *p
		return *p
	}
	select {
	case <-e.results: // a late report of the last run (it had ended)
	default:
	}
	until := e.step + int64(n)
	learn := e.Learn
	for _, row := range e.shardAs {
		for _, s := range row {
			s.learn = learn
		}
	}
	e.mu.Lock()
	if e.system == nil {
		e.mu.Unlock()
		return ErrClosed
	}
	e.system.Root.Send(e.clock, &runUntil{until: until, learn: learn})
	e.runGen.Add(1)
	e.inRun.Store(true) // after the send: a Stop from now on reaches the clock after it
	e.mu.Unlock()
	if len(e.workers) > 0 {
		done := make(chan struct{})
		defer close(done)
		go e.watchProgress(done)
	}
	err := <-e.results
	e.inRun.Store(false)
	if errors.Is(err, ErrStopped) {
		e.step = e.stepNow.Load()
		return err
	}
	if err != nil {
		e.failed = err
		return err
	}
	e.step = until
	return nil
}

// Pause holds the run at the next segment boundaries (the clock stops
// granting); Resume continues it. Both may be called from any goroutine
// while Run is waiting.
// A paused engine stays paused across runs until Resume (or a Stop,
// which ends the paused run).
func (e *Engine) Pause() { e.send(&control{cmdPause}) }

// Resume continues a paused run.
func (e *Engine) Resume() { e.send(&control{cmdResume}) }

// Stop ends the run in progress early, at the end of a segment already
// cut; Run then returns ErrStopped and Step tells where it stopped.
// Nothing is lost: a later Run continues from there. It reports whether a
// run was in progress (a Stop before Run has started does nothing; a run
// whose segments are all cut already just finishes). The segments already
// cut still need the answers of attachments that drive populations: one
// that never answers holds the run until its Attachment.Timeout, or
// Close.
func (e *Engine) Stop() bool {
	if !e.inRun.Load() {
		return false
	}
	e.send(&control{cmdStop})
	return true
}

func (e *Engine) send(m any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.system != nil {
		e.system.Root.Send(e.clock, m)
	}
}

// DefaultPeerTimeout is Options.PeerTimeout's default, MinPeerTimeout its
// least value.
const (
	DefaultPeerTimeout = 15 * time.Second
	MinPeerTimeout     = 100 * time.Millisecond
)

// MaxWorkerWindow is the largest Options.Window with Workers.
const MaxWorkerWindow = aheadSlack

// watchProgress fails the run when it makes no progress for the peer
// timeout while granted work waits on workers, naming (and fencing) the
// workers whose shards' outputs the recorder still waits for. It holds off
// while the clock is paused, while nothing granted is outstanding, while an
// attachment has not answered (the wait is this process's), and while only
// this process's actors are late. It returns when done is closed.
func (e *Engine) watchProgress(done <-chan struct{}) {
	e.lastBeat.Store(time.Now().UnixNano())
	tick := time.NewTicker(min(max(e.peerTimeout/4, time.Millisecond), 250*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-tick.C:
			if now.Sub(time.Unix(0, e.lastBeat.Load())) < e.peerTimeout {
				continue
			}
			seg, late := e.waitingFor()
			if e.paused.Load() || seg >= e.grantedTo.Load() || e.attachWaiting.Load() > 0 || len(late) == 0 {
				e.lastBeat.Store(now.UnixNano())
				continue
			}
			select {
			case <-done: // the run ended meanwhile
				return
			default:
			}
			blamed := e.unresponsive(late)
			if time.Unix(0, e.lastBeat.Load()).After(now) {
				continue // the run went on while the workers were probed
			}
			var addrs, waiting []string
			for _, i := range blamed {
				e.fenceWorker(i)
				addrs = append(addrs, e.workers[i])
			}
			for _, i := range late {
				if !slices.Contains(blamed, i) {
					waiting = append(waiting, e.workers[i])
				}
			}
			who := func(addrs []string) string {
				if len(addrs) > 1 {
					return "workers at " + strings.Join(addrs, ", ")
				}
				return "worker at " + strings.Join(addrs, ", ")
			}
			what := fmt.Sprintf("segment %d waits for the %s", seg, who(addrs))
			if len(waiting) > 0 {
				// The late ones answer: they wait for the silent ones.
				what = fmt.Sprintf("segment %d waits for the %s, which answer, and the %s do not answer a probe", seg, who(waiting), who(addrs))
				if len(waiting) == 1 {
					what = strings.Replace(what, "which answer", "which answers", 1)
				}
				if len(addrs) == 1 {
					what = strings.Replace(what, "do not answer a probe", "does not answer a probe", 1)
				}
			}
			err := peerError("engine: no progress for %v: %s (frozen, overloaded or cut off; Options.PeerTimeout, spiral-node run --peer-timeout, sets the bound)",
				e.peerTimeout, what)
			e.lostErr.Store(&err)
			e.log.Error("workers stalled", zap.Strings("addresses", addrs))
			e.finish(err)
			return
		}
	}
}

// endTimeout bounds how long Close waits for the workers to take the
// news that the run ends.
const endTimeout = time.Second

// announceEnd sends every worker-hosted shard a STOP control and waits,
// at most endTimeout, for their answers: their workers then take the
// connections that drop as the run's end.
func (e *Engine) announceEnd() {
	var waits []*actor.Future
	for pi, row := range e.spids {
		for si, pid := range row {
			if e.remoteShard[e.globalID(pi, si)] {
				waits = append(waits, e.system.Root.RequestFuture(pid, &messages.Control{Command: messages.Control_STOP}, endTimeout))
			}
		}
	}
	for _, f := range waits {
		_, _ = f.Result()
	}
}

// unresponsive returns the workers (indices in Workers) to blame for a
// stall in which the late workers have not sent their output: those that
// do not answer a probe. Every worker is probed, not only the late ones:
// a worker can be late only because it waits for a frozen one's batches
// (workers exchange them directly), and the frozen one may have sent its
// own output of the segment before it froze, so it need not be late
// itself. A worker gets stallProbeWait to answer, as long as a member
// gets before it is called lost after a failed run, so that a loaded
// machine's worker is not blamed in place of a frozen one. When every
// worker answers (all overloaded, say), or none does (the trouble is
// this process's), it returns late as it is.
func (e *Engine) unresponsive(late []int) []int {
	if len(e.workers) < 2 {
		return late
	}
	return toBlame(late, e.silent(nil, stallProbeWait(e.peerTimeout)))
}

// silent probes every worker (indices in Workers) but those of skip, all
// at once, and reports, per worker, whether it did not answer within
// wait (false for those skipped).
func (e *Engine) silent(skip []int, wait time.Duration) []bool {
	silent := make([]bool, len(e.workers))
	var wg sync.WaitGroup
	for i := range e.workers {
		if slices.Contains(skip, i) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.system.Root.RequestFuture(probePID(e.workers[i]), &messages.Probe{}, wait).Result()
			silent[i] = err != nil
		}()
	}
	wg.Wait()
	return silent
}

// stallProbeWait is how long a worker gets to answer the probe of a
// stalled run (unresponsive): half the peer timeout, and at least 2 s.
func stallProbeWait(peer time.Duration) time.Duration { return max(peer/2, 2*time.Second) }

// toBlame returns the workers to blame for a stall: those silent (by
// index in Workers) when some but not all are, else the late ones.
func toBlame(late []int, silent []bool) []int {
	var out []int
	for i, s := range silent {
		if s {
			out = append(out, i)
		}
	}
	if len(out) == 0 || len(out) == len(silent) {
		return late
	}
	return out
}

// waitingFor returns the earliest segment the recorder has not completed
// and the workers (indices in Workers, ascending) hosting shards whose
// output of it has not arrived.
func (e *Engine) waitingFor() (seg int64, workers []int) {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	seg = -1
	for _, p := range e.rec.pops {
		if seg < 0 || p.next < seg {
			seg = p.next
		}
	}
	late := map[int]bool{}
	for pi, p := range e.rec.pops {
		if p.next != seg {
			continue
		}
		parts := p.pending[seg]
		for k := range e.shards[pi] {
			if parts == nil || parts[k] == nil {
				if g := e.globalID(pi, k); e.remoteShard[g] {
					late[e.workerIndex(g)] = true
				}
			}
		}
	}
	for i := range e.workers {
		if late[i] {
			workers = append(workers, i)
		}
	}
	return seg, workers
}

// ErrClosed is returned by Run on a closed engine, and by a Run that Close
// interrupted.
var ErrClosed = errors.New("engine: closed")

// RunMs advances by the given simulated time, rounded to whole steps.
func (e *Engine) RunMs(ms float64) error {
	n, err := engine.Steps(ms, e.net.Config.DtMs)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return e.Run(n)
}

// Spikes returns the recorded spikes of the named population: parallel
// lists of steps and elements, sorted by step then element, as the
// sequential stepper's spike monitor records them.
func (e *Engine) Spikes(pop string) (steps []int64, elements []uint32, err error) {
	i, ok := e.net.PopulationIndex(pop)
	if !ok {
		return nil, nil, fmt.Errorf("engine: no population %q", pop)
	}
	if e.discard {
		return nil, nil, fmt.Errorf("engine: spikes are not kept (Options.DiscardSpikes)")
	}
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	r := e.rec.pops[i]
	return slices.Clone(r.steps), slices.Clone(r.elems), nil
}

// Events returns the synaptic events delivered so far, summed over the
// shards, asked of each (in this process or a worker's): for every event
// that arrived at a projection at a step computed so far, the synapses of
// its source's row — the same count as the sequential stepper's
// (stepper.Stepper.Events). Call it between runs.
func (e *Engine) Events() (int64, error) {
	if e.system == nil {
		return 0, ErrClosed
	}
	var n int64
	for p, row := range e.spids {
		for si, pid := range row {
			res, err := e.system.Root.RequestFuture(pid, &messages.EventsRequest{}, requestTimeout).Result()
			if err != nil {
				return 0, fmt.Errorf("engine: synaptic events of shard %d: %w", e.globalID(p, si), err)
			}
			m, ok := res.(*messages.Events)
			if !ok || m.Events < 0 {
				return 0, fmt.Errorf("engine: synaptic events of shard %d: bad answer %T (%v)", e.globalID(p, si), res, res)
			}
			n += m.Events
		}
	}
	return n, nil
}

// GatherWeights copies the weights of every shard back into the network's
// projections (Network.Projections[k].Runtime.Syn.W), for inspection
// between runs.
func (e *Engine) GatherWeights() error {
	if len(e.workers) > 0 {
		if err := e.gatherRemote(); err != nil {
			return err
		}
	}
	for k := range e.net.Projections {
		shard.Gather(e.net, e.shards, k)
	}
	return nil
}

// Close stops every actor. Attached actors first handle every message
// already sent to them (Close waits for them), so their state may be read
// once Close returns.
func (e *Engine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.system == nil {
		return
	}
	e.finish(ErrClosed)                         // a Run waiting on another goroutine returns
	for i := len(e.attached) - 1; i >= 0; i-- { // relays before their actors
		_ = e.system.Root.PoisonFuture(e.attached[i]).Wait()
	}
	if e.remote != nil {
		// Tell the workers the run ends, so that the connections that
		// drop from now on are not reported as lost (a bounded wait:
		// a lost worker does not answer).
		e.announceEnd()
		// Leave the network before stopping the dispatchers: a batch
		// that a worker still sends must not reach a stopped one. Sends
		// to workers from now on go to dead letters.
		e.closing.Store(true)
		shutdown(e.remote)
	}
	for g, row := range e.spids {
		for k, p := range row {
			if !e.remoteShard[e.globalID(g, k)] {
				_ = e.system.Root.StopFuture(p).Wait()
			}
		}
	}
	for _, p := range e.bpids {
		if p != nil {
			_ = e.system.Root.StopFuture(p).Wait()
		}
	}
	_ = e.system.Root.StopFuture(e.recPID).Wait()
	_ = e.system.Root.StopFuture(e.clock).Wait()
	for _, d := range e.dispatchers {
		d.stop() // every actor they served has stopped
	}
	e.system = nil
}

// finish reports the end of a run (nil) or its failure; later reports of
// the same run are dropped.
func (e *Engine) finish(err error) {
	select {
	case e.results <- err:
	default:
	}
}

// guard turns a panic in an actor into a failed run naming the actor and
// the step.
// It must be deferred directly (recover works only there).
func (e *Engine) guard(name string, step *int64) {
	if r := recover(); r != nil {
		report(e.log, e.finish, name, *step, r)
	}
}

// guard is Engine.guard for actors that report failures elsewhere.
func guard(log *zap.Logger, fail func(error), name string, step *int64) {
	if r := recover(); r != nil {
		report(log, fail, name, *step, r)
	}
}

func report(log *zap.Logger, fail func(error), name string, step int64, r any) {
	err := fmt.Errorf("actor %s panicked at step %d: %v", name, step, r)
	log.Error("actor failed", zap.String("actor", name), zap.Int64("step", step), zap.Any("panic", r))
	fail(err)
}

func (e *Engine) start(window int) {
	net := e.net
	root := e.system.Root
	stop := actor.WithSupervisor(actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive { return actor.StopDirective }))

	// Recorder.
	e.rec = newRecorder(e)

	feeds := e.feeds()
	// Which axons run in a bundle actor (the others run inside their
	// source population's only shard).
	bundled := make([]bool, len(net.Axons))
	for a, ax := range net.Axons {
		bundled[a] = len(feeds[a]) > 0 && len(e.shards[ax.Source]) > 1 && len(e.workers) == 0
	}
	dests := make([]int, len(net.Axons))
	for a := range dests {
		dests[a] = len(feeds[a])
	}
	recVia := e.recordVia(bundled)
	pin := e.pinDispatchers(bundled, dests, recVia)
	e.recPID = root.Spawn(actor.PropsFromProducer(func() actor.Actor { return e.rec }, stop, actor.WithDispatcher(pin.recorder)))

	// Outputs and batches are reused, in rings of window + L + 1
	// segments, L the largest lag (network.Network.Lags; 1 without far
	// links). The clock grants segment g only once every shard has
	// computed, and the recorder has recorded, segment g − window; by then
	// every destination of segment j <= g − window − L has taken it: a
	// bundle emits segment j before any shard it feeds computes j + lag,
	// and the shards take the batches of j when they compute j + lag, lag
	// ≤ L (one more segment of slack on top).
	ring := window + maxLag(net) + 1
	e.spawnShards(ring, recVia, pin, stop)
	if len(e.workers) > 0 {
		// The axons run in the workers, a copy in each that they feed.
		e.copies = e.replicas(feeds)
	} else {
		e.spawnBundles(ring, feeds, bundled, recVia, pin, stop)
	}

	// Clock.
	plan, _ := clock.New(e.e) // e.e >= 1
	c := &clockActor{e: e, window: window, remote: e.remoteShard, plan: plan, segs: map[int64]grant{}}
	e.clockA = c
	for _, row := range e.spids {
		c.shards = append(c.shards, row...)
	}
	e.clock = root.Spawn(actor.PropsFromProducer(func() actor.Actor { return c }, stop, actor.WithDispatcher(pin.clock)))
	for _, row := range e.shardAs {
		for _, s := range row {
			s.clock = e.clock
		}
	}
}

// recordVia returns, per population, the bundled axon through which it
// records, or −1. A spiking population whose shards are all here and
// whose spikes a bundle gathers anyway records through that bundle: its
// first bundled axon forwards the merged spikes, one message per segment
// instead of one per shard.
func (e *Engine) recordVia(bundled []bool) []int {
	recVia := make([]int, len(e.net.Populations))
	for pi := range recVia {
		recVia[pi] = -1
		if len(e.workers) > 0 || e.net.Populations[pi].Graded() {
			continue
		}
		for a, ax := range e.net.Axons {
			if ax.Source == pi && bundled[a] {
				recVia[pi] = a
				e.rec.pops[pi].nshards = 1
				break
			}
		}
	}
	return recVia
}

// spawnShards spawns the shard actors (first, so that bundles can address
// them); with workers, every shard lives in a worker process and is
// addressed by name there.
func (e *Engine) spawnShards(ring int, recVia []int, pin pinning, stop actor.PropsOption) {
	e.shardAs = make([][]*shardActor, len(e.shards))
	e.spids = make([][]*actor.PID, len(e.shards))
	id := 0
	for pi, row := range e.shards {
		for _, sh := range row {
			s := newShardActor(e.net, sh, uint32(id), len(row), e.finish, e.log)
			s.ring = make([]*output, ring)
			e.shardAs[pi] = append(e.shardAs[pi], s)
			e.ids = append(e.ids, [2]int{pi, sh.Index})
			var pid *actor.PID
			if len(e.workers) > 0 {
				pid = actor.NewPID(e.workers[e.workerIndex(id)], ShardActorName(id))
				e.remoteShard = append(e.remoteShard, true)
			} else {
				pid = e.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return s }, stop, actor.WithDispatcher(pin.shard[id])))
				e.remoteShard = append(e.remoteShard, false)
			}
			e.spids[pi] = append(e.spids[pi], pid)
			if recVia[pi] < 0 {
				s.rec = e.recPID
			}
			id++
		}
	}
}

// spawnBundles gives every axon that feeds a shard its emitter: inside
// the source's only shard, or in a bundle actor it spawns.
func (e *Engine) spawnBundles(ring int, feeds [][]dest, bundled []bool, recVia []int, pin pinning, stop actor.PropsOption) {
	e.bpids = make([]*actor.PID, len(e.net.Axons))
	for a, ax := range e.net.Axons {
		if len(feeds[a]) == 0 {
			continue
		}
		src := e.net.Populations[ax.Source]
		m := &emitter{index: a, name: "bundle " + src.Name + "." + ax.Name,
			run: shard.Emitter{Axon: ax.Axon, Graded: src.Graded()}, ring: make([]*events, ring)}
		for _, d := range feeds[a] {
			m.dests = append(m.dests, e.spids[d.pop][d.shard])
			m.remote = append(m.remote, e.remoteShard[e.globalID(d.pop, d.shard)])
		}
		if !bundled[a] {
			// One source shard here: it runs the axon itself.
			s := e.shardAs[ax.Source][0]
			s.emitters = append(s.emitters, m)
			s.self = e.spids[ax.Source][0]
			continue
		}
		b := &bundleActor{geo: &e.geometry, fail: e.finish, log: e.log, m: m, nsrc: len(e.shards[ax.Source]), src: ax.Source, pending: map[int64]*gather{}}
		if recVia[ax.Source] == a {
			b.rec, m.merged = e.recPID, make([]*output, ring)
		}
		e.bpids[a] = e.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return b }, stop, actor.WithDispatcher(pin.bundle[a])))
		for _, s := range e.shardAs[ax.Source] {
			s.out = append(s.out, e.bpids[a])
		}
	}
}

// messageWeight is what sending or handling one message costs, in
// neuron-steps of an integrate-and-fire shard: about 0.5 µs against about
// 0.75 ns per neuron and step (CUBA on this project's 2-core machine).
const messageWeight = 700

// pinning gives the dispatcher of every local shard (by global id),
// bundle (by axon), the recorder and the clock.
type pinning struct {
	shard           []*loopDispatcher
	bundle          []*loopDispatcher
	recorder, clock *loopDispatcher
}

// pinDispatchers places the shards hosted here, the bundle actors, the
// recorder and the clock on one dispatcher per core (as many as the
// network can keep busy, layout.Cores, with the automatic layout; at most one
// per actor), balanced by their work per segment, in neuron-steps: a shard's
// neurons times the segment's steps, plus messageWeight for every message
// an actor sends or handles per segment (a grant, its input batches, its
// outputs; a bundle's outputs in and batches out; the recorder's outputs
// and its report; the clock's report and grants). Emitting spikes is light
// beside stepping and taking events. The recorder and the clock are off
// the segments' critical path (the window lets shards run ahead of them),
// but on their own goroutines every message to them would wake a parked
// thread. Dispatchers spin only when every shard is here: beside worker
// processes on the same machine, spinning would take their cores.
//
// dests gives the number of shards each axon feeds, recVia the axon whose
// bundle records each population (-1: its shards send to the recorder).
func (e *Engine) pinDispatchers(bundled []bool, dests, recVia []int) pinning {
	recorded := 1 // messages the recorder handles per segment: its report
	for pi, a := range recVia {
		if a >= 0 {
			recorded++
		} else {
			recorded += len(e.shards[pi])
		}
	}
	loads := []int{recorded * messageWeight, (e.shardCount() + 1) * messageWeight} // the recorder and the clock
	who := [][2]int{{2, 0}, {2, 1}}
	id := 0
	for pi, row := range e.shards {
		for _, sh := range row {
			if len(e.workers) == 0 {
				msgs := 1 // the grant
				if recVia[pi] < 0 {
					msgs++ // the output to the recorder
				}
				for a, ax := range e.net.Axons {
					if len(sh.In[a]) > 0 || len(sh.ModIn[a]) > 0 {
						msgs++ // a batch in
					}
					if ax.Source == pi && bundled[a] {
						msgs++ // the output to the bundle
					} else if ax.Source == pi {
						msgs += dests[a] // it runs the axon itself
					}
				}
				loads = append(loads, (sh.Hi-sh.Lo)*e.e+msgs*messageWeight)
				who = append(who, [2]int{0, id})
			}
			id++
		}
	}
	for a, b := range bundled {
		if b {
			src := e.net.Axons[a].Source
			msgs := len(e.shards[src]) + dests[a]
			if recVia[src] == a {
				msgs++ // the merged spikes to the recorder
			}
			loads = append(loads, msgs*messageWeight)
			who = append(who, [2]int{1, a})
		}
	}
	pin := pinning{shard: make([]*loopDispatcher, id), bundle: make([]*loopDispatcher, len(bundled))}
	k := min(e.cores, len(loads))
	at := place(loads, k)
	count := make([]int, k)
	for _, w := range at {
		count[w]++
	}
	ds := make([]*loopDispatcher, k)
	for w := range ds {
		ds[w] = newLoopDispatcher(count[w], len(e.workers) == 0, k >= runtime.GOMAXPROCS(0))
		e.dispatchers = append(e.dispatchers, ds[w])
	}
	for i, w := range at {
		switch x := who[i]; {
		case x[0] == 0:
			pin.shard[x[1]] = ds[w]
		case x[0] == 1:
			pin.bundle[x[1]] = ds[w]
		case x[1] == 0:
			pin.recorder = ds[w]
		default:
			pin.clock = ds[w]
		}
	}
	return pin
}

// assembler turns a remote shard's protobuf output, possibly cut into
// parts, into an output, after checking it (see wire.go).
type assembler struct {
	spikes map[[2]int64][]*messages.SpikeBatch
	graded map[[2]int64][]*messages.GradedBatch
	ev     []messages.Event
}

// receive returns the output a message carries: a local output as is, a
// remote shard's protobuf once all its parts arrived. ok is false for
// other messages and incomplete outputs. next gives the earliest segment
// the receiver still expects from a population. A remote output that
// fails a check is an error naming the worker that sent it.
func (a *assembler) receive(e *geometry, m any, next func(pop int) int64) (o *output, ok bool, err error) {
	switch m := m.(type) {
	case *output:
		return m, true, nil
	case *messages.SpikeBatch:
		o, err := a.add(e, m, m.Link, m.Epoch, next)
		return o, o != nil, err
	case *messages.GradedBatch:
		o, err := a.add(e, m, m.Link, m.Epoch, next)
		return o, o != nil, err
	}
	return nil, false, nil
}

// add takes one message; it returns the output once every part of it has
// arrived, nil before.
func (a *assembler) add(e *geometry, m any, link uint32, seg uint64, next func(pop int) int64) (*output, error) {
	if int(link) >= len(e.ids) || !e.remoteShard[link] {
		return nil, peerError("a batch from shard %d, which no worker hosts (%d shards)", link, len(e.ids))
	}
	from := e.workerOf(int(link))
	id := e.ids[link]
	fail := func(err error) error {
		return peerWrap(err, "from the worker at %s (shard %d)", from, link)
	}
	if err := e.wireSegment(seg, next(id[0])); err != nil {
		return nil, fail(err)
	}
	// Before anything is allocated for its steps.
	if l := m.(interface{ GetEpochLen() uint32 }).GetEpochLen(); int(l) > e.e {
		return nil, fail(fmt.Errorf("segment %d of %d steps (segments have at most %d)", seg, l, e.e))
	}
	key := [2]int64{int64(link), int64(seg)}
	sh := e.shards[id[0]][id[1]]
	elems := sh.Hi - sh.Lo
	if p := e.net.Populations[id[0]]; p.Batch > 1 {
		elems = p.Len() // one shard holds every copy
	}
	var o *output
	switch m := m.(type) {
	case *messages.SpikeBatch:
		if a.spikes == nil {
			a.spikes = map[[2]int64][]*messages.SpikeBatch{}
		}
		purge(a.spikes, next(id[0]))
		parts, err := collect(a.spikes, key, m, spikeParts(int64(elems)*int64(e.e)))
		if err != nil {
			return nil, fail(err)
		}
		if parts == nil {
			return nil, nil
		}
		if a.ev, err = messages.Reassemble(a.ev[:0], parts); err != nil {
			return nil, fail(err)
		}
		o = &output{seg: int64(seg), from: m.FirstStep, pop: id[0], shard: id[1], Output: shard.Output{Fired: make([][]uint32, m.EpochLen)}}
		for _, x := range a.ev {
			k := x.Step - m.FirstStep
			o.Fired[k] = append(o.Fired[k], x.Src)
		}
	case *messages.GradedBatch:
		if a.graded == nil {
			a.graded = map[[2]int64][]*messages.GradedBatch{}
		}
		purge(a.graded, next(id[0]))
		parts, err := collect(a.graded, key, m, gradedParts(elems, e.e))
		if err != nil {
			return nil, fail(err)
		}
		if parts == nil {
			return nil, nil
		}
		if int(m.TotalElements) != elems {
			return nil, fail(fmt.Errorf("graded batch of %d elements, want %d", m.TotalElements, elems))
		}
		samples, err := messages.ReassembleGraded(nil, parts)
		if err != nil {
			return nil, fail(err)
		}
		n := int(m.TotalElements)
		o = &output{seg: int64(seg), from: m.FirstStep, pop: id[0], shard: id[1], Output: shard.Output{Values: make([][]float32, m.EpochLen)}}
		for k := range o.Values {
			o.Values[k] = samples[k*n : (k+1)*n]
		}
	}
	if err := e.checkOutput(o, nil); err != nil {
		return nil, fail(err)
	}
	return o, nil
}

// Messages (local: plain Go values, never serialised).

// runUntil asks the clock to run to step until.
type runUntil struct {
	until int64
	learn bool
}

// grant allows a shard to compute segment seg = [from, to).
type grant struct {
	seg      int64
	from, to int64
}

// progress tells the clock a shard finished a segment.
type progress struct{ seg int64 }

// output is a shard's output for one segment (shard.Output): for spiking
// populations the fired elements (population indices) of each step, for
// graded ones the values of each step.
type output struct {
	seg   int64
	from  int64
	pop   int
	shard int
	shard.Output
}

// events is a bundle's batch for one segment: its events, each with its
// emission step, in canonical order (step, then source).
type events struct {
	axon  int
	seg   int64
	from  int64
	steps int
	ev    []stepEvent
}

// stepEvent is an axon event with its emission step.
type stepEvent = shard.StepEvent

// quietSlog routes protoactor's log/slog records into zap at warning level
// and above, without stack traces, and drops them once mute is set (the
// connection errors of an orderly shutdown are not news).
func quietSlog(log *zap.Logger, mute *atomic.Bool) *slog.Logger {
	core, err := zapcore.NewIncreaseLevelCore(log.Core(), zapcore.WarnLevel)
	if err != nil { // the logger is already quieter than warnings
		core = log.Core()
	}
	return slog.New(mutable{zapslog.NewHandler(core, zapslog.AddStacktraceAt(slog.LevelError+100)), mute})
}

// mutable is a slog handler that can be silenced.
type mutable struct {
	slog.Handler
	mute *atomic.Bool
}

func (m mutable) Enabled(ctx context.Context, l slog.Level) bool {
	return !m.mute.Load() && m.Handler.Enabled(ctx, l)
}

func (m mutable) WithAttrs(a []slog.Attr) slog.Handler {
	return mutable{m.Handler.WithAttrs(a), m.mute}
}

func (m mutable) WithGroup(g string) slog.Handler { return mutable{m.Handler.WithGroup(g), m.mute} }
