package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/messages"
	"github.com/spiral-sim/spiral/network"
)

// ShardActorName is the process id under which a worker hosts the shard
// with global id g (shards numbered in population order, then shard
// order).
func ShardActorName(g int) string { return "spiral-shard-" + strconv.Itoa(g) }

// WorkerName is the name that the certificate of the worker at position i
// of Options.Workers must carry (transport.Authority.Issue): the
// coordinator fences a lost worker by that name.
func WorkerName(i int) string { return "spiral-worker-" + strconv.Itoa(i) }

// CoordinatorName is the name of the coordinator's certificate.
const CoordinatorName = "spiral-coordinator"

// ErrPeer marks the errors caused by another process of the run (a worker
// lost, frozen, refusing or sending what it must not), as opposed to a
// network that cannot run.
var ErrPeer = errors.New("peer failed")

// peerError formats an error that is an ErrPeer.
func peerError(format string, args ...any) error {
	return &peerErr{msg: fmt.Sprintf(format, args...)}
}

// peerWrap is peerError keeping cause for errors.Is and errors.As.
func peerWrap(cause error, format string, args ...any) error {
	return &peerErr{msg: fmt.Sprintf(format, args...) + ": " + cause.Error(), cause: cause}
}

// peerErr is an error caused by a peer (errors.Is(err, ErrPeer)).
type peerErr struct {
	msg   string
	cause error
}

func (e *peerErr) Error() string        { return e.msg }
func (e *peerErr) Is(target error) bool { return target == ErrPeer }
func (e *peerErr) Unwrap() error        { return e.cause }

// startRemote starts protoactor's remote transport on listen ("host:port";
// a port of 0 or an empty listen picks a free port on 127.0.0.1), secured
// by id (mutual TLS from id's authority, see package transport), and
// returns it with its address. It listens once: with port 0 the kernel
// picks the port on the listener that serves.
func startRemote(system *actor.ActorSystem, listen string, id *transport.Identity, fence *transport.Fence, peers []string) (r *remote.Remote, addr string, err error) {
	if id == nil {
		return nil, "", fmt.Errorf("remote transport: no identity (every connection between processes is authenticated: see package transport)")
	}
	host, port := "127.0.0.1", 0
	if listen != "" {
		h, p, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, "", fmt.Errorf("listen address %q: %w", listen, err)
		}
		if port, err = strconv.Atoi(p); err != nil || port < 0 || port > 65535 {
			return nil, "", fmt.Errorf("listen address %q: bad port (want 0 to 65535)", listen)
		}
		if h != "" {
			host = h
		}
	}
	tc := transport.Config{MaxMessageBytes: maxGRPCMessage, Package: messagesPackage, Fence: fence, Peers: peers}
	server, err := transport.ServerOptions(id, tc)
	if err != nil {
		return nil, "", err
	}
	dial, err := transport.DialOptions(id, tc)
	if err != nil {
		return nil, "", err
	}
	// protoactor batches messages to one peer into one gRPC message: with
	// parts of up to messages.MaxMessageBytes, a batch of writerBatch of
	// them stays under the receive limit set here. Every server option
	// goes in one call, every dial option in another: each replaces
	// earlier ones.
	r = remote.NewRemote(system, remote.Configure(host, port,
		remote.WithEndpointWriterBatchSize(writerBatch),
		remote.WithServerOptions(server...),
		remote.WithDialOptions(dial...),
		remote.WithCallOptions(grpc.MaxCallRecvMsgSize(maxGRPCMessage), grpc.MaxCallSendMsgSize(maxGRPCMessage)),
		// protoactor retries a failed connection every 2 s, 5 times by
		// default: a peer that is not there is reported after 10 s. The
		// peers of a run listen before anyone dials them, so two tries
		// are enough.
		func(c *remote.Config) { c.MaxRetryCount = connectTries }))
	// Start panics when it cannot listen (the port is taken).
	defer func() {
		if p := recover(); p != nil {
			r, addr, err = nil, "", fmt.Errorf("listening on %s: %v", net.JoinHostPort(host, strconv.Itoa(port)), p)
		}
	}()
	r.Start()
	return r, system.Address(), nil
}

// messagesPackage is the protobuf package of Spiral's wire messages: the
// only types a peer may send.
var messagesPackage = string((&messages.Grant{}).ProtoReflect().Descriptor().ParentFile().Package())

// shutdown stops a remote transport. protoactor's endpoint manager can
// panic while stopping ("send on closed channel" when a peer went away
// first); the process is leaving the network anyway, so that panic is
// absorbed here rather than taken down with it.
func shutdown(r *remote.Remote) {
	defer func() { _ = recover() }()
	r.Shutdown(true)
}

// watchWorkers fails the run when the connection to a worker is lost (it
// died, or stopped answering keepalive pings: frozen or cut off), and
// fences that worker: whatever it sends if it comes back is refused.
func (e *Engine) watchWorkers() {
	workers := map[string]int{}
	for i, w := range e.workers {
		workers[w] = i
	}
	e.system.EventStream.Subscribe(func(ev any) {
		t, ok := ev.(*remote.EndpointTerminatedEvent)
		if !ok || e.closing.Load() {
			return
		}
		if i, ok := workers[t.Address]; ok {
			e.loseWorker(i, "the process died, froze or the connection broke")
		}
	})
}

// loseWorker fences worker i and fails the run (or its start) naming it.
func (e *Engine) loseWorker(i int, why string) {
	e.fence.Add(e.peerNames[i])
	err := peerError("engine: lost the worker at %s (%s)", e.workers[i], why)
	e.lostErr.Store(&err)
	e.log.Error("worker lost", zap.String("address", e.workers[i]), zap.String("why", why))
	select {
	case e.lost <- err:
	default:
	}
	e.finish(err)
}

// initWorkers wires every worker-hosted shard to this process's actors
// and waits for each to confirm that it built the same network and layout.
// A worker lost meanwhile fails it at once.
func (e *Engine) initWorkers(fingerprint uint64) error {
	init := &messages.WorkerInit{Address: e.address, Clock: e.clock.Id, Recorder: e.recPID.Id,
		Bundles: e.bundleIDs, SegmentSteps: uint32(e.e), Fingerprint: fingerprint}
	type answer struct {
		g   int
		res any
		err error
	}
	answers := make(chan answer, len(e.remoteShard))
	var pids []*actor.PID
	for _, row := range e.spids {
		for _, p := range row {
			g := len(pids)
			pids = append(pids, p)
			f := e.system.Root.RequestFuture(p, init, initTimeout)
			go func() {
				res, err := f.Result()
				answers <- answer{g, res, err}
			}()
		}
	}
	for range pids {
		var a answer
		select {
		case a = <-answers:
		case err := <-e.lost:
			return err
		}
		if a.err != nil {
			return peerError("engine: the worker at %s does not answer for shard %d within %v (%v)", pids[a.g].Address, a.g, initTimeout, a.err)
		}
		r, ok := a.res.(*messages.WorkerReady)
		if !ok || r.Error != "" {
			msg := fmt.Sprintf("unexpected answer %T", a.res)
			if ok {
				msg = r.Error
			}
			return peerError("engine: the worker at %s: %s", pids[a.g].Address, msg)
		}
		e.remoteSyn[0] += int64(r.Synapses)
		e.remoteSyn[1] += int64(r.SynapseBytes)
	}
	return nil
}

// GatherRemoteWeights asks every worker-hosted shard for its part of each
// projection's weights and writes them into the network's CSRs.
func (e *Engine) gatherRemote() error {
	for k, pr := range e.net.Projections {
		if !pr.Plastic || pr.Columns != nil {
			// Static weights never change; and a projection that this
			// process built only in part (network.BuildPart) keeps its
			// weights in the workers.
			continue
		}
		full := pr.Runtime.Syn
		for si, sh := range e.shards[pr.Target] {
			g := e.globalID(pr.Target, si)
			if !e.remoteShard[g] {
				continue
			}
			res, err := e.system.Root.RequestFuture(e.spids[pr.Target][si], &messages.WeightsRequest{Projection: uint32(k)}, requestTimeout).Result()
			if err != nil {
				return fmt.Errorf("engine: weights of projection %q from shard %d: %w", pr.Name, g, err)
			}
			w, ok := res.(*messages.Weights)
			if !ok {
				return fmt.Errorf("engine: weights of projection %q from shard %d: bad answer %T (%v)", pr.Name, g, res, res)
			}
			if err := shard.Place(full, sh.Lo, sh.Hi, full.W, w.W); err != nil {
				return fmt.Errorf("engine: weights of projection %q from shard %d: %w", pr.Name, g, err)
			}
			if pr.Latency != nil {
				if err := shard.Place(full, sh.Lo, sh.Hi, pr.Runtime.Latencies(), w.Latency); err != nil {
					return fmt.Errorf("engine: learnt latencies of projection %q from shard %d: %w", pr.Name, g, err)
				}
			}
		}
	}
	return nil
}

// Worker hosts shards for a coordinating engine in another process.
type Worker struct {
	system  *actor.ActorSystem
	remote  *remote.Remote
	address string
	mu      sync.Mutex
	err     error
	done    chan struct{}
	closing atomic.Bool
	coord   atomic.Value // the coordinator's address, once known
	lost    chan struct{}
	once    sync.Once
	// The hosted shards and their dispatchers (one goroutine each).
	pids        []*actor.PID
	dispatchers []*loopDispatcher
}

// WorkerOptions configure a worker.
type WorkerOptions struct {
	// Listen is the worker's remote address (host:port; port 0 picks one).
	Listen string
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
	Logger          *zap.Logger
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
	w := &Worker{done: make(chan struct{}), lost: make(chan struct{})}
	w.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quietSlog(log, &w.closing) }))
	// A worker hears only from the coordinator.
	coordinator := CoordinatorName
	if o.CoordinatorName != "" {
		coordinator = o.CoordinatorName
	}
	w.remote, w.address, err = startRemote(w.system, o.Listen, o.Identity, &transport.Fence{}, []string{coordinator})
	if err != nil {
		return nil, err
	}
	fp := shard.Fingerprint(net, shards)
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
	// A worker whose coordinator is gone has nothing left to do.
	w.system.EventStream.Subscribe(func(ev any) {
		t, ok := ev.(*remote.EndpointTerminatedEvent)
		if c, _ := w.coord.Load().(string); ok && c != "" && t.Address == c {
			w.closing.Store(true)
			w.once.Do(func() { close(w.lost) })
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

const (
	connectTries   = 2
	initTimeout    = 30 * time.Second
	writerBatch    = 16
	maxGRPCMessage = (writerBatch + 2) * messages.MaxMessageBytes
)

// requestTimeout bounds the requests the coordinator makes to workers
// outside the run protocol.
const requestTimeout = 30 * time.Second

// Identities makes a certificate authority for one run (in memory) and
// issues the coordinator's identity and one for each of n workers, named
// CoordinatorName and WorkerName(i). Hand each worker its own identity
// over a private channel (not its command line).
func Identities(n int) (coordinator *transport.Identity, workers []*transport.Identity, err error) {
	ca, err := transport.NewAuthority("spiral run authority")
	if err != nil {
		return nil, nil, err
	}
	if coordinator, err = ca.Issue(CoordinatorName); err != nil {
		return nil, nil, err
	}
	for i := range n {
		id, err := ca.Issue(WorkerName(i))
		if err != nil {
			return nil, nil, err
		}
		workers = append(workers, id)
	}
	return coordinator, workers, nil
}
