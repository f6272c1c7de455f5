// Command kwta ports notebook 8 of the Python Spiral
// (8.KWinnersTakeAllPrinciple): 10 LIF neurons with recurrent excitatory
// all-to-all synapses (no autapses, random weights), driven by pulses of 50
// on every 4th 40-step window, dt = 1 ms, 500 steps, under a
// k-winners-take-all principle with k = 1 per step ranked by membrane
// potential. The same network without the principle is run for comparison.
// It writes both rasters and prints the largest number of spikes in one step.
//
// The reference's axon scales each spike by 140 and its dendrite turns
// w·140 into a one-step current, i.e. a jump of (dt/τ)·140·w mV; here the
// synapses are delta synapses with that jump as weight, w ~ U(0, 1).
//
//	go run ./examples/notebooks/kwta [-out out/kwta]
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
	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

const (
	n     = 10
	steps = 500
	dt    = 1.0
	tau   = 20.0  // LIF default
	scale = 140.0 // the reference axon's Scaling
)

// build makes the network: n recurrent LIF neurons under pulses, with
// k-WTA (k = 1) or without.
func build(kwta bool) (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 8})
	p := b.Population("P", n, soma.LIF()).
		Stimulus(stimulus.SquarePulse{Low: 0, High: 50, Period: 160, Width: 40})
	if kwta {
		p.Principle(&principle.KWTA{K: 1})
	}
	b.Connect("rec", network.Connection{From: "P", To: "P",
		Pattern: connectivity.AllToAll{}, // autapses excluded by default
		Weight:  param.Uniform(0, dt/tau*scale)})
	return b.Build()
}

func run(kwta bool) (*monitor.Spikes, error) {
	net, err := build(kwta)
	if err != nil {
		return nil, err
	}
	s := stepper.New(net)
	sp, err := monitor.NewSpikes(net, "P")
	if err != nil {
		return nil, err
	}
	s.AddMonitor(sp)
	if err := s.Run(steps); err != nil {
		return nil, err
	}
	return sp, nil
}

// maxPerStep is the largest number of spikes at one step.
func maxPerStep(sp *monitor.Spikes) int {
	per := map[int64]int{}
	m := 0
	for _, s := range sp.Steps {
		per[s]++
		m = max(m, per[s])
	}
	return m
}

func main() {
	out := flag.String("out", "out/kwta", "folder for the PNG plots")
	flag.Parse()
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "kwta:", err)
		os.Exit(1)
	}
}

func mainErr(out string) error {
	w, err := nbplot.NewWriter(out)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		kwta bool
		file string
		name string
	}{
		{false, "raster_free.png", "without KWTA"},
		{true, "raster_kwta.png", "KWTA, k = 1 per step"},
	} {
		sp, err := run(c.kwta)
		if err != nil {
			return err
		}
		m := maxPerStep(sp)
		fmt.Printf("%-21s %4d spikes, at most %d neuron(s) fired in one step\n", c.name+":", len(sp.Steps), m)
		if c.kwta && m > 1 {
			return fmt.Errorf("KWTA let %d neurons fire in one step", m)
		}
		if err := w.Raster(c.file, "10 recurrent LIF neurons, "+c.name, sp.Steps, sp.Elements, n, steps, dt); err != nil {
			return err
		}
	}
	w.Report()
	return nil
}
