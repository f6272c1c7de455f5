package actors

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/messages"
)

// ShardActorName is the process id under which a worker hosts the shard
// with global id g (shards numbered in population order, then shard
// order).
func ShardActorName(g int) string { return "spiral-shard-" + strconv.Itoa(g) }

// BundleActorName is the process id under which a worker runs the bundle
// of axon a (by index in the network).
func BundleActorName(a int) string { return "spiral-bundle-" + strconv.Itoa(a) }

// WorkerName is the name that the certificate of the worker at position i
// of Options.Workers must carry (Identities issues them so): the
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
// a port of 0 or an empty listen picks a free port on 127.0.0.1), announced
// to the peers as advertise ("host:port"; "": the address it listens on), secured
// by id (mutual TLS from id's authority, see package transport), and
// returns it with its address. It listens once: with port 0 the kernel
// picks the port on the listener that serves.
func startRemote(system *actor.ActorSystem, listen, advertise string, id *transport.Identity, fence *transport.Fence, peers []string) (r *remote.Remote, addr string, err error) {
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
		func(c *remote.Config) { c.MaxRetryCount = connectTries },
		// Announced to the peers instead of the address it listens on
		// ("" for that one).
		remote.WithAdvertisedHost(advertise)))
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

// shutdown stops a remote transport: its server, at once (the port is
// free again), and with it every connection the peers opened.
//
// Not protoactor's graceful stop: that stops the endpoint manager and
// sets its map of connections to nil while an endpoint writer's
// goroutine may still be publishing the loss of its peer's stream, and
// the manager's handler of that event then dereferences the nil map — a
// panic on a goroutine of protoactor's, which no recover here can catch
// (seen in CI: remote.(*endpointManager).removeEndpoint). Without it,
// the manager stays, handles those events on a live map, and stops each
// writer whose peer has gone; what remains of the discarded actor system
// is a few idle goroutines. The graceful path could also panic on this
// goroutine ("send on closed channel" when a peer went away first),
// which is still absorbed.
func shutdown(r *remote.Remote) {
	defer func() { _ = recover() }()
	r.Shutdown(false)
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
	e.fenceWorker(i)
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
		SegmentSteps: uint32(e.e), Fingerprint: fingerprint, Workers: e.workers, Window: uint32(e.window)}
	for g := range e.ids {
		init.Placement = append(init.Placement, uint32(e.workerIndex(g)))
	}
	type answer struct {
		g   int
		res any
		err error
	}
	var pids []*actor.PID
	for _, row := range e.spids {
		pids = append(pids, row...)
	}
	// The copies of every axon in bundle actors (a copy on the worker of
	// its source population's only shard runs inside that shard).
	for a, ws := range e.copies {
		for _, w := range ws {
			if !e.inShard(a, w) {
				pids = append(pids, actor.NewPID(e.workers[w], BundleActorName(a)))
			}
		}
	}
	answers := make(chan answer, len(pids))
	for g, p := range pids {
		f := e.system.Root.RequestFuture(p, init, initTimeout)
		go func() {
			res, err := f.Result()
			answers <- answer{g, res, err}
		}()
	}
	for range pids {
		var a answer
		select {
		case a = <-answers:
		case err := <-e.lost:
			return err
		}
		if a.err != nil {
			return peerError("engine: the worker at %s does not answer for %s within %v (%v)", pids[a.g].Address, pids[a.g].Id, initTimeout, a.err)
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

const (
	connectTries   = 2
	initTimeout    = 30 * time.Second
	writerBatch    = 16
	maxGRPCMessage = (writerBatch + 2) * messages.MaxMessageBytes
)

// requestTimeout bounds the requests the coordinator makes to workers
// outside the run protocol.
const requestTimeout = 30 * time.Second

// Identity is what one process of a run needs to connect to the others:
// the authority's certificate (whom to trust), its own certificate and key
// (who it is), all PEM. Identities makes them for one run; LoadIdentity
// reads a cluster member's from the folder spiral-node tls writes.
type Identity = transport.Identity

// LoadIdentity reads the identity of member name from dir, a folder that
// spiral-node tls wrote (the authority's certificate, the member's
// certificate and key), and checks that they belong together — for
// workers.ListenMember and StartMembers in a Go program.
func LoadIdentity(dir, name string) (*Identity, error) { return transport.LoadIdentity(dir, name) }

// Identities makes a certificate authority for one run (in memory) and
// issues the coordinator's identity and one for each of n workers, named
// CoordinatorName and WorkerName(i). Hand each worker its own identity
// over a private channel (not its command line).
func Identities(n int) (coordinator *Identity, workers []*Identity, err error) {
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

// ProbeActorName is the process id of a worker's probe actor, which
// answers Probe messages (Engine.Links).
const ProbeActorName = "spiral-probe"

// probePID returns the probe actor of the worker at addr.
func probePID(addr string) *actor.PID { return actor.NewPID(addr, ProbeActorName) }

// probeTimeout bounds one probe's round trip.
const probeTimeout = 2 * time.Second

// Link is the round trip of a probe over one link of a run — from the
// coordinator to a worker, or from one worker to another — queued behind
// the run's batches on the same connection: what an exchange over that
// link takes. RTT is negative when no answer came within 2 s.
type Link struct {
	From, To string // the coordinator's or a worker's certificate name
	RTT      time.Duration
}

// Links probes every link of a run with workers: the coordinator's to
// each worker, and each worker's to every other (each worker times its
// own). It may be called from any goroutine, during a run or between
// runs; it takes up to about 2 s per worker when some do not answer.
// Without workers it returns nil.
func (e *Engine) Links() ([]Link, error) {
	e.mu.Lock()
	sys := e.system
	e.mu.Unlock()
	if sys == nil {
		return nil, ErrClosed
	}
	n := len(e.workers)
	if n == 0 {
		return nil, nil
	}
	type ask struct {
		t0   time.Time
		f    *actor.Future
		from int // −1: the coordinator's own probe of worker to
		to   int
	}
	var asks []ask
	for i, w := range e.workers {
		asks = append(asks, ask{time.Now(), sys.Root.RequestFuture(probePID(w), &messages.Probe{}, probeTimeout), -1, i})
	}
	for i, w := range e.workers {
		if n > 1 {
			peers := append(slices.Clone(e.workers[:i]), e.workers[i+1:]...)
			asks = append(asks, ask{time.Now(), sys.Root.RequestFuture(probePID(w), &messages.Probe{Peers: peers}, probeTimeout*time.Duration(n)), i, -1})
		}
	}
	var links []Link
	for _, a := range asks {
		res, err := a.f.Result()
		rtt := time.Since(a.t0)
		if a.from < 0 {
			if err != nil {
				rtt = -1
			}
			links = append(links, Link{From: e.coordinatorName, To: e.peerNames[a.to], RTT: rtt})
			continue
		}
		r, ok := res.(*messages.ProbeReply)
		for j := range n {
			if j == a.from {
				continue
			}
			k := j
			if j > a.from {
				k--
			}
			rtt := time.Duration(-1)
			if err == nil && ok && len(r.RttNanos) == n-1 && r.RttNanos[k] >= 0 {
				rtt = time.Duration(r.RttNanos[k])
			}
			links = append(links, Link{From: e.peerNames[a.from], To: e.peerNames[j], RTT: rtt})
		}
	}
	return links, nil
}

// fenceWorker fences worker i and counts it lost.
func (e *Engine) fenceWorker(i int) {
	e.fence.Add(e.peerNames[i])
	e.lostMu.Lock()
	if !slices.Contains(e.lostIdx, i) {
		e.lostIdx = append(e.lostIdx, i)
	}
	e.lostMu.Unlock()
}

// Lost returns the workers (indices in Options.Workers, ascending) that
// this engine has found lost — dead, frozen or cut off — and fenced, and,
// with wait > 0, those of the others that do not answer a probe within
// wait (fenced now too). Ask it after a failure: a run can fail on a
// worker's report that it lost another before this process notices, and
// a checkpoint on a worker that froze between runs. A failure with none
// lost had another cause.
func (e *Engine) Lost(wait time.Duration) []int {
	if e.system != nil && wait > 0 {
		e.lostMu.Lock()
		known := slices.Clone(e.lostIdx)
		e.lostMu.Unlock()
		for i, s := range e.silent(known, wait) {
			if s {
				e.fenceWorker(i)
			}
		}
	}
	e.lostMu.Lock()
	defer e.lostMu.Unlock()
	out := slices.Clone(e.lostIdx)
	slices.Sort(out)
	return out
}
