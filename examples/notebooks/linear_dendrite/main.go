// Command linear_dendrite ports notebook 3 of the Python Spiral
// (3.linear_dendrite): 5 LIF neurons (τ = 20 ms) whose dendrite weighs 3
// inputs fed directly with a 200-step series of pulses 0/150 every 50 steps
// (input 1 × 1.2), dt = 1 ms. Variants: random weights, init 1, per-input
// init [.1, .5, 1], per-neuron init [.1, .3, .5, .7, 1], max .3, and
// Convergent plasticity (τ = 100 ms) towards c = .55 with learning on and
// off. Per variant it writes the raster, the potentials and the weights over
// time, and prints the spike counts and final weights.
//
// The reference's LinearDendrite (spine 3) fed without a synapse is
// expressed here as a graded population of 3 instantaneous linear rate units
// carrying the input series, projecting all-to-all through the weights onto
// the LIF population's delta receptor. The reference dendrite turns w·I into
// a one-step current, i.e. a jump of (dt/τ)·w·I mV; the rate units' gain
// dt/τ produces exactly that jump.
//
//	go run ./examples/notebooks/linear_dendrite [-out out/linear_dendrite]
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
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

const (
	nIn   = 3
	nOut  = 5
	steps = 200
	dt    = 1.0
	tau   = 20.0 // LIF default
)

type variant struct {
	name, file string
	weight     param.Value
	wmin, wmax float64
	rule       plasticity.Spec
	learn      bool
}

// perInput repeats one value per input over the 5 targets (CSR order:
// synapse i·5 + j is input i → neuron j).
func perInput(v []float64) param.Value {
	w := make([]float64, 0, nIn*nOut)
	for _, x := range v {
		for range nOut {
			w = append(w, x)
		}
	}
	return param.Array(w...)
}

// perNeuron repeats one value per target neuron for every input.
func perNeuron(v []float64) param.Value {
	w := make([]float64, 0, nIn*nOut)
	for range nIn {
		w = append(w, v...)
	}
	return param.Array(w...)
}

type result struct {
	sp *monitor.Spikes
	v  *monitor.State
	w  *monitor.Weights
}

func run(c variant) (*result, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 3})
	in := soma.RateUnit(soma.Linear)
	in.Gain = param.Const(dt / tau)
	b.Population("input", nIn, in).Stimulus(&stimulus.Gain{
		S:       stimulus.SquarePulse{Low: 0, High: 150, Period: 100, Width: 50, Phase: 50},
		Factors: []float32{1, 1.2, 1}})
	b.Population("LIF", nOut, soma.LIF())
	b.Connect("dendrite", network.Connection{From: "input", To: "LIF",
		Pattern: connectivity.AllToAll{}, Weight: c.weight,
		Wmin: c.wmin, Wmax: c.wmax, Plasticity: c.rule})
	net, err := b.Build()
	if err != nil {
		return nil, err
	}
	s := stepper.New(net)
	s.Learn = c.learn
	r := &result{}
	if r.sp, err = monitor.NewSpikes(net, "LIF"); err != nil {
		return nil, err
	}
	if r.v, err = monitor.NewState(net, "LIF", "v", nil, 1); err != nil {
		return nil, err
	}
	if r.w, err = monitor.NewWeights(net, "dendrite", nil, 1); err != nil {
		return nil, err
	}
	s.AddMonitor(r.sp)
	s.AddMonitor(r.v)
	s.AddMonitor(r.w)
	if err := s.Run(steps); err != nil {
		return nil, err
	}
	p, _ := net.Projection("dendrite")
	return r, p.Err()
}

func main() {
	out := flag.String("out", "out/linear_dendrite", "folder for the PNG plots")
	flag.Parse()
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "linear_dendrite:", err)
		os.Exit(1)
	}
}

// variants are the notebook's initialisations and learning settings.
func variants() []variant {
	conv := plasticity.Convergent{TauMs: 100, C: 0.55}
	return []variant{
		{name: "random init U(0,1)", file: "random", weight: param.Uniform(0, 1)},
		{name: "init 1", file: "init1", weight: param.Const(1)},
		{name: "per-input init [.1 .5 1]", file: "per_input", weight: perInput([]float64{.1, .5, 1})},
		{name: "per-neuron init [.1 .3 .5 .7 1]", file: "per_neuron", weight: perNeuron([]float64{.1, .3, .5, .7, 1})},
		{name: "random init, max .3", file: "max03", weight: param.Uniform(0, 1), wmax: 0.3},
		{name: "Convergent c=.55 τ=100, learning on", file: "convergent_on", weight: param.Uniform(0, 1), wmax: 1, rule: conv, learn: true},
		{name: "Convergent c=.55 τ=100, learning off", file: "convergent_off", weight: param.Uniform(0, 1), wmax: 1, rule: conv, learn: false},
	}
}

func mainErr(out string) error {
	w, err := nbplot.NewWriter(out)
	if err != nil {
		return err
	}
	for _, c := range variants() {
		r, err := run(c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		last := r.w.Values[len(r.w.Values)-1]
		fmt.Printf("%-38s spikes per neuron %v, final weights of neuron 0 [%.3f %.3f %.3f]\n",
			c.name+":", r.sp.Count(), last[0], last[nOut], last[2*nOut])
		t := nbplot.Steps(r.v.Steps, dt)
		var vs []nbplot.Series
		for j := range nOut {
			vs = append(vs, nbplot.Series{Name: fmt.Sprintf("neuron %d", j), X: t, Y: nbplot.Column(r.v.Values, j)})
		}
		if err := w.Raster(c.file+"_raster.png", "LIF spikes, "+c.name, r.sp.Steps, r.sp.Elements, nOut, steps, dt); err != nil {
			return err
		}
		if err := w.Lines(c.file+"_potential.png", "potential, "+c.name, "time (ms)", "v (mV)", vs,
			[]nbplot.HLine{{Name: "rest", Y: -70.6}, {Name: "threshold", Y: -40}}); err != nil {
			return err
		}
		tw := nbplot.Steps(r.w.Steps, dt)
		var ws []nbplot.Series
		for k := range nIn * nOut {
			name := ""
			if k%nOut == 0 {
				name = fmt.Sprintf("input %d → neuron 0", k/nOut)
			}
			ws = append(ws, nbplot.Series{Name: name, X: tw, Y: nbplot.Column(r.w.Values, k)})
		}
		if err := w.Lines(c.file+"_weights.png", "weights, "+c.name, "time (ms)", "w", ws, nil); err != nil {
			return err
		}
	}
	w.Report()
	return nil
}
