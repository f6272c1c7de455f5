// Command first is a first Go program with Spiral: it builds the network
// of first.yaml (1,000 LIF neurons, 800 excitatory and 200 inhibitory, each
// with its own Poisson background, sparse connections with a 1.5 ms delay)
// with the network builder, runs it on every core with the lockstep engine
// and prints each population's rate and CV of inter-spike intervals.
//
//	go run ./examples/first [-ms 1000] [-seed 1] [-workers N]
//
// With -workers N the shards run in N worker processes — copies of this
// program (package workers) — each of which builds only the synapses that
// end on its own shards (network.Builder.BuildPart), with the actor
// engine; this process builds none. The spikes are the same.
//
// It gives the same spikes as `spiral-node run examples/first/first.yaml`
// (the test checks it): the builder calls are made in the order of the
// file, and the random streams follow that order.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
	"github.com/spiral-sim/spiral/workers"
)

func main() {
	ms := flag.Float64("ms", 1000, "simulated time, ms")
	seed := flag.Uint64("seed", 1, "random seed")
	nworkers := flag.Int("workers", 0, "worker processes of this program that host the shards")
	flag.Parse()
	if workers.Serving() {
		// A copy started by -workers: build this worker's part, host it.
		os.Exit(workers.Serve(func(part *network.Part) (*network.Network, error) { return buildPart(*seed, part) }, workers.ServeOptions{Name: "first worker"}))
	}
	if err := runOn(os.Stdout, *seed, *ms, *nworkers); err != nil {
		fmt.Fprintln(os.Stderr, "first:", err)
		os.Exit(1)
	}
}

// build makes the network of first.yaml.
func build(seed uint64) (*network.Network, error) { return buildPart(seed, nil) }

// buildPart makes the part of the network of first.yaml that part says
// (nil: all of it; see network.Part).
func buildPart(seed uint64, part *network.Part) (*network.Network, error) {
	b := network.New(network.Config{DtMs: 0.1, Seed: seed})
	lif := soma.LIF()
	lif.TauMs, lif.RestMV, lif.ThresholdMV = param.Const(20), param.Const(0), param.Const(20)
	reset, v0 := param.Const(10), param.Uniform(0, 20) // v0: a different start for every neuron
	lif.ResetMV, lif.V0MV = &reset, &v0
	lif.RefractoryMs, lif.Integration = param.Const(2), soma.Exact
	for _, p := range []struct {
		name string
		size int
	}{{"E", 800}, {"I", 200}} {
		b.Population(p.name, p.size, lif).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}). // an event jumps v by its weight
			Axon("out", axon.Spec{DelayMs: param.Const(1.5)}).
			Drive("in", &stimulus.PoissonDrive{RateHz: 1000, Weight: 1}) // 20 mV on average
	}
	for _, c := range []struct {
		name, from, to string
		k              int
		w              float64
	}{{"EE", "E", "E", 80, 0.2}, {"EI", "E", "I", 80, 0.2}, {"IE", "I", "E", 20, -1}, {"II", "I", "I", 20, -1}} {
		b.Connect(c.name, network.Connection{From: c.from, To: c.to,
			Pattern: connectivity.FixedInDegree{K: c.k}, Weight: param.Const(c.w)})
	}
	return b.BuildPart(part) // the problems together, each naming its object
}

// engine is what run needs of the lockstep and actor engines.
type engine interface {
	RunMs(ms float64) error
	Spikes(pop string) ([]int64, []uint32, error)
	Steps() int64
}

// run builds the network, simulates ms milliseconds and prints a summary.
func run(w io.Writer, seed uint64, ms float64) error { return runOn(w, seed, ms, 0) }

// runOn is run with the shards on nworkers worker processes (0: in this
// process, with the lockstep engine).
func runOn(w io.Writer, seed uint64, ms float64, nworkers int) error {
	var eng engine
	var net *network.Network
	if nworkers > 0 {
		// This process, the coordinator, holds no synapse: the workers
		// build their parts while they start.
		var err error
		if net, err = buildPart(seed, &network.Part{}); err != nil {
			return err
		}
		shards := map[string]int{"E": 2, "I": 2}
		g, err := workers.Start(nworkers, shards, workers.Options{})
		if err != nil {
			return err
		}
		defer g.Stop()
		e, err := actors.New(net, actors.Options{Shards: shards, Workers: g.Addresses, Identity: g.Identity})
		if err != nil {
			return err
		}
		defer e.Close()
		eng = e
	} else {
		var err error
		if net, err = build(seed); err != nil {
			return err
		}
		e, err := lockstep.New(net, lockstep.Options{}) // one shard per population, every core
		if err != nil {
			return err
		}
		defer e.Close()
		eng = e
	}
	if err := eng.RunMs(ms); err != nil {
		return err
	}
	synapses := net.Synapses()
	if e, ok := eng.(*actors.Engine); ok {
		n, _ := e.Synapses() // held by the workers
		synapses = int(n)
	}
	fmt.Fprintf(w, "%d neurons, %d synapses, %g ms simulated\n", net.Neurons(), synapses, ms)
	fmt.Fprintln(w, "pop   spikes  rate_hz  cv_isi")
	for _, p := range []struct {
		name string
		size int
	}{{"E", 800}, {"I", 200}} {
		steps, neurons, err := eng.Spikes(p.name) // step and neuron of every spike
		if err != nil {
			return err
		}
		st := monitor.Summary(p.size, steps, neurons, 0, eng.Steps(), 0.1)
		fmt.Fprintf(w, "%-4s %7d %8.2f %7.3f\n", p.name, st.Spikes, st.RateHz, st.CVISI)
	}
	return nil
}
