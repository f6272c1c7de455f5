// Command stdp ports notebook 7 of the Python Spiral (7.STDP): two
// presynaptic LIF neurons connected one-to-one (w = 0.5) to two
// postsynaptic LIF neurons through a projection with STDP (leaky tags,
// τ = 10 ms, η+ = η− = 0.1), dt = 1 ms. The activity is fully clamped
// (principle.Clamps): at step 0 pre 0 and post 1 fire, at step 1 pre 1 and
// post 0 fire, then every neuron is silent until the 12-step cycle starts
// again; 25 cycles. Pre 0 leads post 0 by one step, so w00 potentiates
// towards 1; pre 1 follows post 1 by one step, so w11 depresses towards 0.
// It writes the weights over time and the two rasters, and prints the final
// weights.
//
//	go run ./examples/notebooks/stdp [-out out/stdp]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/examples/notebooks/internal/nbplot"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
)

const (
	dt     = 1.0
	cycle  = 12
	cycles = 25
	steps  = cycle * cycles
)

// clamps returns the cyclic clamp pattern: the neuron that fires at step 0
// and the one that fires at step 1 of each cycle; every other element is
// silenced (the reference's unclamps=True), since a clamp wins over an
// unclamp.
func clamps(first, second uint32) *principle.Clamps {
	frames := make([]principle.Frame, cycle)
	for k := range frames {
		frames[k].AllOff = true
	}
	frames[0].On = []uint32{first}
	frames[1].On = []uint32{second}
	return &principle.Clamps{Source: principle.ClampSequence{Frames: frames, Cyclic: true}}
}

func main() {
	out := flag.String("out", "out/stdp", "folder for the PNG plots")
	flag.Parse()
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "stdp:", err)
		os.Exit(1)
	}
}

// build makes the network: pre and post clamped in turn, one-to-one
// through the plastic projection syn.
func build() (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 7})
	b.Population("pre", 2, soma.LIF()).Principle(clamps(0, 1))
	b.Population("post", 2, soma.LIF()).Principle(clamps(1, 0))
	b.Connect("syn", network.Connection{From: "pre", To: "post",
		Pattern: connectivity.OneToOne{}, Weight: param.Const(0.5),
		Wmin: 0, Wmax: 1,
		Plasticity: plasticity.LeakySTDP(10, 10, 0.1, 0.1)})
	return b.Build()
}

func mainErr(out string) error {
	net, err := build()
	if err != nil {
		return err
	}
	s := stepper.New(net)
	preSp, err := monitor.NewSpikes(net, "pre")
	if err != nil {
		return err
	}
	postSp, err := monitor.NewSpikes(net, "post")
	if err != nil {
		return err
	}
	wm, err := monitor.NewWeights(net, "syn", nil, 1)
	if err != nil {
		return err
	}
	s.AddMonitor(preSp)
	s.AddMonitor(postSp)
	s.AddMonitor(wm)
	if err := s.Run(steps); err != nil {
		return err
	}
	p, _ := net.Projection("syn")
	if err := p.Err(); err != nil {
		return err
	}

	w, err := nbplot.NewWriter(out)
	if err != nil {
		return err
	}
	t := nbplot.Steps(wm.Steps, dt)
	// One-to-one: synapse k (CSR order) is pre k → post k.
	series := []nbplot.Series{
		{Name: "w00 (pre 0 → post 0)", X: t, Y: nbplot.Column(wm.Values, 0)},
		{Name: "w11 (pre 1 → post 1)", X: t, Y: nbplot.Column(wm.Values, 1)},
	}
	if err := w.Lines("weights.png", "STDP: weights", "time (ms)", "w", series, nil); err != nil {
		return err
	}
	if err := w.Raster("pre_raster.png", "presynaptic spikes (clamped)", preSp.Steps, preSp.Elements, 2, steps, dt); err != nil {
		return err
	}
	if err := w.Raster("post_raster.png", "postsynaptic spikes (clamped)", postSp.Steps, postSp.Elements, 2, steps, dt); err != nil {
		return err
	}
	last := wm.Values[len(wm.Values)-1]
	fmt.Printf("final weights after %d cycles: w00 = %.4f, w11 = %.4f\n", cycles, last[0], last[1])
	w.Report()
	return nil
}
