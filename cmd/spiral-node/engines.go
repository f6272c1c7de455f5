package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/estimate"
	"github.com/spiral-sim/spiral/internal/shard"
	"github.com/spiral-sim/spiral/internal/transport"
	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/output"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/workers"
)

// engineSpec is what run's flags and model say about the engine to build.
type engineSpec struct {
	kind        string      // sequential, lockstep or actors
	dev         *deviceSpec // --device; nil: the CPU (kind)
	shards      int         // --shards (0: the automatic layout)
	workers     int         // --workers (actors)
	peerTimeout time.Duration
	logLevel    zapcore.Level // --log-level
	net         *network.Network
	src         *source
	out         *output.Run   // --out, or nil
	wfail       *writeFailure // the state recorders' first failed write
	// release drops the synapses the shards hold a copy of (when no
	// weights are recorded).
	release    bool
	onSpikes   func(pop string, steps []int64, neurons []uint32) // with --out
	onProgress func(steps int64)                                 // without --quiet
	stderr     io.Writer
	// members, tlsDir, certName, listen: run --members (see runOptions).
	members                  []string
	tlsDir, certName, listen string
	// held receives the synapses the actor engine's shards hold (in
	// the workers, with workers).
	held *heldSynapses
}

// startPeers starts the processes that host the shards — cluster members
// (--members) or worker processes (--workers), none otherwise — and hands
// them the run. On failure it returns the exit code and why.
func startPeers(spec engineSpec, l layout.Layout) (*workers.Group, int, error) {
	switch {
	case len(spec.members) > 0:
		// Cluster members: authenticated by the cluster's certificates;
		// each builds its part of the recipe it is sent.
		id, err := transport.LoadIdentity(spec.tlsDir, spec.certName)
		if err != nil {
			return nil, 2, fmt.Errorf("--tls %s --name %s: %w", spec.tlsDir, spec.certName, err)
		}
		recipe, err := spec.src.recipe()
		if err != nil {
			return nil, 2, err
		}
		v, _ := versionString()
		costs, bytes := shardCosts(spec.net, l.Shards, spec.src)
		g, err := workers.StartMembers(spec.members, l.Shards, workers.MembersOptions{Identity: id, Recipe: recipe, Version: v,
			Costs: costs, Bytes: bytes})
		if err != nil {
			return nil, 1, err
		}
		return g, 0, nil
	case spec.workers > 0:
		// Each worker builds its part of the model it is sent; every
		// connection between the processes of the run is mutual TLS from
		// an authority made for it, here, in memory.
		recipe, err := spec.src.recipe()
		if err != nil {
			return nil, 2, err
		}
		g, err := workers.Start(spec.workers, l.Shards, workers.Options{Args: []string{"worker", "--log-level", spec.logLevel.String()}, Recipe: recipe, Stderr: spec.stderr})
		if err != nil {
			return nil, 1, err
		}
		return g, 0, nil
	}
	return nil, 0, nil
}

// shardCosts returns the work and the memory of every shard of net cut
// by counts, by global shard id, for placing them on members by their
// cores and within their memory. The work is the shard's neurons plus its
// share of the synapses that end on its population; the memory is its
// share of the population's state and of those synapses' bytes. Both come
// from the memory estimate; they are nil when it cannot be made, and the
// shards then go round robin.
func shardCosts(net *network.Network, counts map[string]int, src *source) ([]float64, []int64) {
	if src.estimate == nil {
		return nil, nil
	}
	m, err := src.estimate()
	if err != nil {
		return nil, nil
	}
	est, err := estimate.Of(m, estimate.Options{})
	if err != nil {
		return nil, nil
	}
	in := map[string]float64{}
	inBytes := map[string]float64{}
	for _, p := range est.Projections {
		in[p.To] += p.Synapses
		inBytes[p.To] += float64(p.CSR + p.Plastic)
	}
	for _, p := range est.Populations {
		inBytes[p.Name] += float64(p.Total())
	}
	var costs []float64
	var bytes []int64
	for _, p := range net.Populations {
		for _, r := range shard.Ranges(p.N, max(counts[p.Name], 1)) {
			share := float64(r[1]-r[0]) / float64(p.N)
			costs = append(costs, float64(r[1]-r[0])+float64(in[p.Name]*share))
			bytes = append(bytes, int64(inBytes[p.Name]*share))
		}
	}
	return costs, bytes
}

// heldSynapses counts synapses and their bytes, and names the processes
// that hold them (workers or members; none in one process).
type heldSynapses struct {
	n, bytes int64
	peers    []string
}

// startEngine builds the engine that spec names — the one place in run
// that tells the engines apart — and returns it with the description the
// summary prints and a function that closes it (and stops its worker
// processes). On failure it returns the exit code and why.
func startEngine(spec engineSpec) (e engine.Engine, desc string, release func(), code int, err error) {
	if spec.dev != nil {
		return startDevice(spec, spec.dev)
	}
	net := spec.net
	l := layout.Choose(net, spec.shards, runtime.GOMAXPROCS(0))
	if len(spec.members) > 0 && spec.shards == 0 {
		// Every member gets shards: each splittable population in as many
		// as there are members (or cores here, if more).
		l = layout.Choose(net, max(len(spec.members), runtime.GOMAXPROCS(0)), runtime.GOMAXPROCS(0))
	}
	switch spec.kind {
	case "sequential":
		s := stepper.New(net)
		if spec.out != nil {
			for _, sm := range spec.src.stateMons {
				m, err := newStateRecorder(spec.out, net, sm, spec.wfail)
				if err != nil {
					return nil, "", nil, 2, err
				}
				s.AddMonitor(m)
			}
		}
		e = stepper.Adapt(s, stepper.Options{OnSpikes: spec.onSpikes, OnProgress: spec.onProgress, DiscardSpikes: spec.out != nil})
		desc = "sequential stepper"
		if spec.out != nil && len(spec.src.stateMons) > 0 {
			desc += " (state monitors need it)"
		}
		return e, desc, e.Close, 0, nil
	case "lockstep":
		// The automatic layout (--shards 0) gives as many workers as the
		// network keeps busy (a small one-step model hands segments over
		// more than it steps on many cores), the populations balanced over
		// them with as few cuts as possible (lockstep.Options.Balance).
		opts := lockstep.Options{Shards: l.Shards, Workers: l.Cores,
			ReleaseSynapses: spec.release, OnSpikes: spec.onSpikes, DiscardSpikes: spec.out != nil, OnProgress: spec.onProgress}
		if spec.shards == 0 {
			opts.Shards, opts.Balance = nil, true
		}
		le, err := lockstep.New(net, opts)
		if err != nil {
			return nil, "", nil, 2, err
		}
		desc = fmt.Sprintf("lockstep, shards %v on %s, segments of %s", le.Shards(), plural(le.Workers(), "core"), plural(le.SegmentSteps(), "step"))
		e = lockstep.Adapt(le)
		return e, desc, e.Close, 0, nil
	}
	group, code, err := startPeers(spec, l)
	if err != nil {
		return nil, "", nil, code, err
	}
	var addrs, names []string
	var placement []int
	var coord *transport.Identity
	listen := ""
	if group != nil {
		addrs, coord, placement = group.Addresses, group.Identity, group.Placement
	}
	if len(spec.members) > 0 {
		names, listen = group.Names, spec.listen
	}
	ae, err := actors.New(net, actors.Options{Shards: l.Shards, Cores: l.Cores, Workers: addrs, WorkerNames: names, Placement: placement, Listen: listen, Logger: logger(spec.stderr, spec.logLevel), Identity: coord,
		PeerTimeout: spec.peerTimeout, ReleaseSynapses: spec.release, OnSpikes: spec.onSpikes, DiscardSpikes: spec.out != nil, OnProgress: spec.onProgress})
	if err != nil {
		group.Stop()
		if errors.Is(err, actors.ErrPeer) {
			return nil, "", nil, 1, err // a worker failed: not the input's fault
		}
		return nil, "", nil, 2, err
	}
	if spec.held != nil {
		spec.held.n, spec.held.bytes = ae.Synapses()
		spec.held.peers = names
		if spec.workers > 0 {
			for i := range spec.workers {
				spec.held.peers = append(spec.held.peers, actors.WorkerName(i))
			}
		}
	}
	desc = fmt.Sprintf("actors, shards %v, segments of %s", ae.Shards(), plural(ae.SegmentSteps(), "step"))
	if spec.workers > 0 {
		desc += ", " + plural(spec.workers, "worker process")
	}
	if len(spec.members) > 0 {
		// Each member with its cores and the shards placed on it.
		on := make([]int, len(names))
		for g := range ae.ShardTotal() {
			if placement != nil {
				on[placement[g]]++
			} else {
				on[g%len(names)]++
			}
		}
		var ms []string
		for i, n := range names {
			ms = append(ms, fmt.Sprintf("%s (%s, %s)", n, plural(group.Cores[i], "core"), plural(on[i], "shard")))
		}
		desc += ", members " + strings.Join(ms, ", ")
	}
	e = actors.Adapt(ae)
	return e, desc, func() {
		e.Close()
		group.Stop()
	}, 0, nil
}
