// Command network ports notebook 5 of the Python Spiral (5.network): the
// circuits of notebook 4 (see ./examples/notebooks/fully_connected) inside
// one network (dt = 1 ms, batch 2): A = LIF(4) → B = LIF(2) through a
// fixed-in-degree projection with Convergent plasticity (τ = 100 ms, c = 0)
// and a second axon (2 terminals, 25 ms delay) all-to-all; a recurrent
// excitatory population E (10 LIF, no autapses) and its inhibitory twin I.
// A's input (pulses 0/120 every 100 steps, neuron 1 × 1.4) drives batch copy
// 0 only, as the reference's external_inputs. The network runs 500 steps
// with plasticity off (stepper.Learn = false), is Reset (states, spikes in
// flight and traces; weights keep their values) and runs again with
// plasticity on. It prints the spike counts of each run and the mean
// plastic weight, and writes the rasters of B for both runs.
//
//	go run ./examples/notebooks/network [-out out/network]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/examples/notebooks/internal/nbplot"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

const (
	dt    = 1.0
	tau   = 20.0 // LIF default
	steps = 500
	batch = 2
)

// jump is the delta-synapse weight bound of a reference axon scaling s:
// the one-step current w·s is a jump of (dt/τ)·s·w mV.
func jump(s float64) float64 { return dt / tau * s }

func build() (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 5, Batch: batch})
	pulses := &stimulus.Gain{
		S:       stimulus.SquarePulse{Low: 0, High: 120, Period: 200, Width: 100, Phase: 100},
		Factors: []float32{1, 1.4, 1, 1}}
	b.Population("A", 4, soma.LIF()).
		Stimulus(stimulus.PerCopy{pulses, nil}).
		Axon("out", axon.Spec{}).
		Axon("delayed", axon.Spec{Terminals: 2, DelayMs: param.Const(25)})
	b.Population("B", 2, soma.LIF())
	b.Connect("A-B", network.Connection{From: "A", To: "B",
		Pattern: connectivity.FixedInDegree{K: 2},
		Weight:  param.Uniform(0, jump(100)), Wmin: 0, Wmax: jump(100),
		Plasticity: plasticity.Convergent{TauMs: 100}})
	b.Connect("A-B.delayed", network.Connection{From: "A", Axon: "delayed", To: "B",
		Pattern: connectivity.AllToAll{}, Weight: param.Uniform(0, jump(100))})

	b.Population("E", 10, soma.LIF()).
		Stimulus(stimulus.SquarePulse{Low: 0, High: 50, Period: 80, Width: 20})
	b.Connect("E-E", network.Connection{From: "E", To: "E",
		Pattern: connectivity.AllToAll{}, Weight: param.Uniform(0, jump(140))})
	b.Population("I", 10, soma.LIF()).
		Stimulus(stimulus.SquarePulse{Low: 0, High: 50, Period: 80, Width: 60}).
		Axon("out", axon.Spec{Inhibitory: true})
	b.Connect("I-I", network.Connection{From: "I", To: "I",
		Pattern: connectivity.AllToAll{}, Weight: param.Uniform(0, jump(50))})
	return b.Build()
}

func meanWeight(net *network.Network, name string) float64 {
	p, _ := net.Projection(name)
	sum := 0.0
	for _, x := range p.Runtime.Syn.W {
		sum += float64(x)
	}
	return sum / float64(len(p.Runtime.Syn.W))
}

func main() {
	out := flag.String("out", "out/network", "folder for the PNG plots")
	flag.Parse()
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "network:", err)
		os.Exit(1)
	}
}

func mainErr(out string) error {
	w, err := nbplot.NewWriter(out)
	if err != nil {
		return err
	}
	net, err := build()
	if err != nil {
		return err
	}
	pops := []string{"A", "B", "E", "I"}
	fmt.Printf("network: %d neurons per copy, batch %d, %d synapses; mean A-B weight %.4f\n",
		net.Neurons(), batch, net.Synapses(), meanWeight(net, "A-B"))
	s := stepper.New(net)
	ms := map[string]*monitor.Spikes{}
	for _, p := range pops {
		m, err := monitor.NewSpikes(net, p)
		if err != nil {
			return err
		}
		ms[p] = m
		s.AddMonitor(m)
	}
	for run, learn := range []bool{false, true} {
		if run > 0 {
			s.Reset() // back to step 0; weights keep their values
		}
		s.Learn = learn
		// The monitors keep recording across runs; this run's spikes
		// are those recorded from here on.
		from := map[string]int{}
		for _, p := range pops {
			from[p] = len(ms[p].Steps)
		}
		if err := s.Run(steps); err != nil {
			return err
		}
		if p, _ := net.Projection("A-B"); p.Err() != nil {
			return p.Err()
		}
		fmt.Printf("run %d, plasticity %-5v:", run+1, learn)
		for _, p := range pops {
			fmt.Printf("  %s %4d", p, len(ms[p].Steps)-from[p])
		}
		fmt.Printf("  spikes; mean A-B weight %.4f\n", meanWeight(net, "A-B"))
		n := 2 * batch
		if err := w.Raster(fmt.Sprintf("B_raster_run%d.png", run+1),
			fmt.Sprintf("B, run %d, plasticity %v (elements 2-3: copy 1)", run+1, learn),
			ms["B"].Steps[from["B"]:], ms["B"].Elements[from["B"]:], n, steps, dt); err != nil {
			return err
		}
	}
	w.Report()
	return nil
}
