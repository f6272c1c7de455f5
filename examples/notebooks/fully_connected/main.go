// Command fully_connected ports notebook 4 of the Python Spiral
// (4.fully_connected_synapse), dt = 1 ms:
//
//   - feed-forward: A = LIF(4, batch 2) → B = LIF(2) through two axons of A.
//     The first reaches B through a fixed-in-degree pattern (each B neuron
//     gets 2 of the 4 A neurons, the reference's
//     RandomFixedPresynapticPartners rate .5) with Convergent plasticity
//     (τ = 100 ms, c = 0); the second has 2 terminals per neuron, a delay of
//     25 ms and reaches B all-to-all. Input: 500 steps of pulses 0/120 every
//     100 steps, neuron 1 × 1.4; batch copy 1 gets no input.
//   - reverberation: 10 LIF neurons, recurrent excitatory all-to-all without
//     autapses, pulses of 50 on every 4th 20-step window;
//   - its inhibitory version (inhibitory axon, input on 3 of 4 windows).
//
// The reference's axons scale each spike (100, 140, 50) and its dendrites
// turn w·scale into a one-step current, a jump of (dt/τ)·scale·w mV; here
// the synapses are delta synapses with that jump as weight, w ~ U(0, 1).
// It writes the rasters and prints the spike counts.
//
//	go run ./examples/notebooks/fully_connected [-out out/fully_connected]
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
)

// jump is the delta-synapse weight bound of an axon scaling s.
func jump(s float64) float64 { return dt / tau * s }

func feedForward() (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 4, Batch: 2})
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
	return b.Build()
}

func recurrent(inhibitory bool) (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 4})
	scale, width := 140.0, int64(20)
	if inhibitory {
		scale, width = 50, 60
	}
	b.Population("R", 10, soma.LIF()).
		Stimulus(stimulus.SquarePulse{Low: 0, High: 50, Period: 80, Width: width}).
		Axon("out", axon.Spec{Inhibitory: inhibitory})
	b.Connect("R-R", network.Connection{From: "R", To: "R",
		Pattern: connectivity.AllToAll{}, // autapses excluded by default
		Weight:  param.Uniform(0, jump(scale))})
	return b.Build()
}

// spikes runs net for steps and returns the spikes of the named populations.
func spikes(net *network.Network, pops ...string) ([]*monitor.Spikes, error) {
	s := stepper.New(net)
	var ms []*monitor.Spikes
	for _, p := range pops {
		m, err := monitor.NewSpikes(net, p)
		if err != nil {
			return nil, err
		}
		s.AddMonitor(m)
		ms = append(ms, m)
	}
	if err := s.Run(steps); err != nil {
		return nil, err
	}
	return ms, nil
}

func main() {
	out := flag.String("out", "out/fully_connected", "folder for the PNG plots")
	flag.Parse()
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "fully_connected:", err)
		os.Exit(1)
	}
}

func mainErr(out string) error {
	w, err := nbplot.NewWriter(out)
	if err != nil {
		return err
	}
	ff, err := feedForward()
	if err != nil {
		return err
	}
	ms, err := spikes(ff, "A", "B")
	if err != nil {
		return err
	}
	fmt.Printf("feed-forward: A spikes per element (copy 0 | copy 1) %v, B %v; synapses %d\n",
		ms[0].Count(), ms[1].Count(), ff.Synapses())
	if err := w.Raster("ff_A_raster.png", "A = LIF(4), batch 2 (elements 4-7: copy 1, no input)", ms[0].Steps, ms[0].Elements, 8, steps, dt); err != nil {
		return err
	}
	if err := w.Raster("ff_B_raster.png", "B = LIF(2), batch 2 (elements 2-3: copy 1)", ms[1].Steps, ms[1].Elements, 4, steps, dt); err != nil {
		return err
	}
	for _, c := range []struct {
		inh        bool
		file, name string
	}{
		{false, "reverberation_raster.png", "excitatory (reverberation)"},
		{true, "inhibitory_raster.png", "inhibitory"},
	} {
		net, err := recurrent(c.inh)
		if err != nil {
			return err
		}
		ms, err := spikes(net, "R")
		if err != nil {
			return err
		}
		fmt.Printf("recurrent %-27s %4d spikes, per neuron %v\n", c.name+":", len(ms[0].Steps), ms[0].Count())
		if err := w.Raster(c.file, "10 recurrent LIF neurons, "+c.name, ms[0].Steps, ms[0].Elements, 10, steps, dt); err != nil {
			return err
		}
	}
	w.Report()
	return nil
}
