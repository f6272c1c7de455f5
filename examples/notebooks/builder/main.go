// Command builder ports notebook 6 of the Python Spiral (6.operators). The
// notebook builds the networks of notebook 4 with an infix DSL whose organs
// get auto-names (A_Axon_0, A_Axon_1, B_LinearDendrite_0, ...). The Go
// equivalent is the fluent builder: network.New, then
// Population(...).Stimulus(...).Receptor(...).Axon(...) chains that name
// every organ explicitly, and Connect for each projection. This program
// builds the notebook-4 feed-forward circuit (A = LIF(4) → B = LIF(2),
// batch 2, through axon "out" with a fixed in-degree and Convergent
// plasticity, and axon "delayed" with 2 terminals and a 25 ms delay,
// all-to-all) and prints the network's populations, axons and projections
// with their synapse counts. It writes no plots.
//
//	go run ./examples/notebooks/builder
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

const (
	dt  = 1.0
	tau = 20.0 // LIF default
)

func build() (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 6, Batch: 2})
	b.Population("A", 4, soma.LIF()).
		Stimulus(stimulus.PerCopy{&stimulus.Gain{
											S:       stimulus.SquarePulse{Low: 0, High: 120, Period: 200, Width: 100, Phase: 100},
											Factors: []float32{1, 1.4, 1, 1}}, nil}).
		Axon("out", axon.Spec{}).                                          // A_Axon_0
		Axon("delayed", axon.Spec{Terminals: 2, DelayMs: param.Const(25)}) // A_Axon_1
	b.Population("B", 2, soma.LIF()).
		Receptor("plastic", dendrite.Spec{Kernel: dendrite.Delta}). // B_LinearDendrite_0
		Receptor("static", dendrite.Spec{Kernel: dendrite.Delta})   // B_LinearDendrite_1
	// Weights: the reference axon's Scaling 100 folded into delta jumps
	// of (dt/τ)·100·w mV, w ~ U(0, 1).
	wmax := dt / tau * 100
	b.Connect("A-B", network.Connection{From: "A", Axon: "out", To: "B", Receptor: "plastic",
		Pattern: connectivity.FixedInDegree{K: 2},
		Weight:  param.Uniform(0, wmax), Wmin: 0, Wmax: wmax,
		Plasticity: plasticity.Convergent{TauMs: 100}})
	b.Connect("A-B.delayed", network.Connection{From: "A", Axon: "delayed", To: "B", Receptor: "static",
		Pattern: connectivity.AllToAll{}, Weight: param.Uniform(0, wmax)})
	return b.Build()
}

func main() {
	flag.Parse()
	net, err := build()
	if err != nil {
		fmt.Fprintln(os.Stderr, "builder:", err)
		os.Exit(1)
	}
	fmt.Printf("network: dt %g ms, batch %d, %d neurons per copy, %d synapses\n",
		net.Config.DtMs, net.Config.Batch, net.Neurons(), net.Synapses())
	fmt.Println("populations:")
	for _, p := range net.Populations {
		fmt.Printf("  %-3s %-4s N = %d, receptors %v\n", p.Name, p.Kind, p.N, p.ReceptorNames())
	}
	fmt.Println("axons:")
	for _, a := range net.Axons {
		fmt.Printf("  %s.%-8s → %d projection(s)\n", net.Populations[a.Source].Name, a.Name, len(a.Targets))
	}
	fmt.Println("projections:")
	for _, p := range net.Projections {
		rule := "static"
		if p.Rule != nil {
			rule = p.Rule.Kind()
		}
		syn := p.Runtime.Syn
		fmt.Printf("  %-12s %s.%s → %s.%s  %d×%d, %d synapses, %s\n", p.Name,
			net.Populations[p.Source].Name, net.Axons[p.Axon].Name,
			net.Populations[p.Target].Name, p.Receptor, syn.Rows, syn.Cols, syn.Len(), rule)
	}
}
