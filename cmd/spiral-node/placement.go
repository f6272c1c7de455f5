package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/spiral-sim/spiral/actors"
)

// placementFlags are the flags of run and resume that say where a run
// goes — worker processes, cluster members, a GPU — and what a lost
// member does.
type placementFlags struct {
	workers                                           *int
	members, tlsDir, certName, listen, onLoss, device *string
	peerTimeout                                       *msFlag
}

// addPlacementFlags defines the placement flags on fs.
func addPlacementFlags(fs *flag.FlagSet) *placementFlags {
	f := &placementFlags{peerTimeout: &msFlag{name: "peer-timeout", ms: float64(actors.DefaultPeerTimeout / time.Millisecond)}}
	f.workers = fs.Int("workers", 0, "worker processes on this machine hosting the shards (actor engine; 0: none)")
	f.members = fs.String("members", "", "cluster members (spiral-node serve) hosting the shards: HOST:PORT,HOST:PORT,... (actor engine; needs --tls)")
	f.tlsDir = fs.String("tls", "", "with --members: the cluster's certificate directory (spiral-node tls), holding this coordinator's certificate (--name)")
	f.certName = fs.String("name", "coordinator", "with --members: the name of this coordinator's certificate in --tls DIR")
	f.listen = fs.String("listen", "127.0.0.1:0", "with --members: this coordinator's address for the members' messages (HOST:PORT, reachable from them)")
	f.device = fs.String("device", "cpu", "where the network runs: cpu (the engines of --engine); cuda (every GPU) or cuda:N[,M...] (device.Net: LIF with current, delta or conductance receptors, Poisson inputs, static projections and STDP (neuromodulated too), populations placed over the GPUs by memory then work, and what the GPUs cannot step — other learning rules' targets, other models — on the CPU in the same run; needs a build with -tags cuda); or host[:N,M...], the GPU kernels on the CPU as devices N, M... (slow; for checking a device run without a GPU); docs/gpu.md")
	f.onLoss = fs.String("on-member-loss", "fail", "with --members: fail the run when a member is lost (dead, frozen or cut off), or recover: fence it, go back to the last checkpoint (--checkpoint-every; else the start) on the members left and go on, with the same spikes")
	fs.Var(f.peerTimeout, "peer-timeout", "with --workers or --members: fail the run when it makes no progress for this long, naming the processes it waits for; a time with a unit (15s, 2min)")
	return f
}

// check checks the placement flags with the engine (kind; "" picks the
// default: actors with workers or members, else lockstep), --shards and
// whether --engine was given, and sets them in o. It returns 2 after a
// message naming the flag, else 0.
func (f *placementFlags) check(what string, kind *string, shards int, engineSet bool, o *runOptions, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "%s: %s\n", what, fmt.Sprintf(format, args...))
		return 2
	}
	peerTimeout, err := f.peerTimeout.duration()
	if err == nil && peerTimeout < actors.MinPeerTimeout {
		err = fmt.Errorf("--peer-timeout %s: must be at least %v (e.g. 15s, 2min)", formatMs(f.peerTimeout.ms), actors.MinPeerTimeout)
	}
	if err != nil {
		return fail("%v", err)
	}
	members := hostList(*f.members)
	if *kind == "" {
		*kind = "lockstep"
		if *f.workers > 0 || len(members) > 0 {
			*kind = "actors"
		}
	}
	switch {
	case *kind != "lockstep" && *kind != "actors" && *kind != "sequential":
		return fail("--engine %q: must be lockstep, actors or sequential", *kind)
	case len(members) > 0 && (*f.tlsDir == "" || *f.workers > 0 || *kind != "actors"):
		return fail("--members needs --tls DIR and the actor engine, and excludes --workers")
	case *f.workers < 0 || (*f.workers > 0 && *kind != "actors"):
		return fail("--workers %d: must be >= 0, and needs --engine actors", *f.workers)
	case *f.onLoss != "fail" && *f.onLoss != "recover":
		return fail("--on-member-loss %q: fail or recover", *f.onLoss)
	case *f.onLoss == "recover" && len(members) < 2:
		return fail("--on-member-loss recover needs --members with at least 2 members (the run goes on on those left)")
	}
	dev, err := parseDevice(*f.device)
	if err == nil && dev != nil && (*f.workers > 0 || len(members) > 0 || shards > 0 || engineSet) {
		err = fmt.Errorf("--device %s runs the network on devices (device.Net), not on the CPU's engines: drop --engine, --shards, --workers and --members", *f.device)
	}
	if err != nil {
		return fail("%v", err)
	}
	o.dev = dev
	o.workers, o.members, o.tlsDir, o.certName, o.listen = *f.workers, members, *f.tlsDir, *f.certName, *f.listen
	o.peerTimeout, o.onMemberLoss = peerTimeout, *f.onLoss
	return 0
}
