// Command integrate_and_fire ports notebook 1 of the Python Spiral
// (1.integrate_and_fire): three neurons of each integrate-and-fire variant
// (IF, LIF, EIF, AIF, AdEx) driven by the same noisy input from a function
// generator, dt = 1 ms, τ = 15 ms, 200 steps. For every model it writes a
// spike raster, the membrane potentials (with the rest and threshold lines),
// the input current and, for adaptive models, the adaptation current.
//
//	go run ./examples/notebooks/integrate_and_fire [-out out/integrate_and_fire]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spiral-sim/spiral/examples/notebooks/internal/nbplot"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

const (
	n     = 3    // neurons
	steps = 200  // simulated steps
	dt    = 1.0  // ms
	tau   = 15.0 // membrane time constant, ms
	seed  = 2026 // random seed of the input noise
)

type model struct {
	name     string
	spec     soma.IF
	adaptive bool
}

func models() []model {
	withTau := func(s soma.IF) soma.IF {
		s.TauMs = param.Const(tau)
		return s
	}
	eif := withTau(soma.EIF())
	eif.Terms = []soma.Term{soma.Leak{}, soma.Exponential{DeltaTMV: param.Const(1), ThetaRHMV: param.Const(-50.4)}}
	aif := withTau(soma.AIF())
	ad := soma.DefaultAdaptation()
	ad.B = param.Const(1)
	ad.TauWMs = param.Const(250)
	aif.Terms = []soma.Term{soma.Leak{}, ad}
	return []model{
		{"IF", withTau(soma.PerfectIF()), false},
		{"LIF", withTau(soma.LIF()), false},
		{"EIF", eif, false},
		{"AIF", aif, true},
		{"AdEx", withTau(soma.AdEx()), true},
	}
}

// input is the notebook's input, generated once and shared by all models:
// baseline {0:20, 70:130, 85:0, 100:130, 150:20}, shared noise σ = 1 from
// step 100, per-neuron noise σ = 10.
func input() ([][]float32, error) {
	g := &stimulus.FunctionGenerator{
		Baseline:        map[int64]float64{0: 20, 70: 130, 85: 0, 100: 130, 150: 20},
		Noise:           map[int64]float64{0: 0, 100: 1},
		PopulationNoise: map[int64]float64{0: 10},
	}
	g.UseKey(rng.NewKey(seed))
	return g.Generate(steps, n)
}

// build makes the network of one model: n neurons P driven by in.
func build(m model, in [][]float32) (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: seed})
	b.Population("P", n, m.spec).Stimulus(stimulus.Sequence{Frames: in, Hold: 1})
	return b.Build()
}

func run(m model, in [][]float32, w *nbplot.Writer) error {
	net, err := build(m, in)
	if err != nil {
		return err
	}
	s := stepper.New(net)
	spikes, err := monitor.NewSpikes(net, "P")
	if err != nil {
		return err
	}
	vars := []string{"v", "current"}
	if m.adaptive {
		vars = append(vars, "w")
	}
	mons := map[string]*monitor.State{}
	for _, v := range vars {
		st, err := monitor.NewState(net, "P", v, nil, 1)
		if err != nil {
			return err
		}
		mons[v] = st
		s.AddMonitor(st)
	}
	s.AddMonitor(spikes)
	if err := s.Run(steps); err != nil {
		return err
	}
	fmt.Printf("%-5s spikes per neuron: %v\n", m.name, spikes.Count())

	series := func(st *monitor.State) []nbplot.Series {
		t := nbplot.Steps(st.Steps, dt)
		out := make([]nbplot.Series, n)
		for i := range out {
			out[i] = nbplot.Series{Name: fmt.Sprintf("neuron %d", i), X: t, Y: nbplot.Column(st.Values, i)}
		}
		return out
	}
	rest, thr := -70.6, -40.0
	if err := w.Raster(m.name+"_raster.png", m.name+": spikes", spikes.Steps, spikes.Elements, n, steps, dt); err != nil {
		return err
	}
	if err := w.Lines(m.name+"_potential.png", m.name+": membrane potential", "time (ms)", "u (mV)",
		series(mons["v"]), []nbplot.HLine{{Name: "rest", Y: rest}, {Name: "threshold", Y: thr}}); err != nil {
		return err
	}
	if err := w.Lines(m.name+"_input.png", m.name+": input current", "time (ms)", "R·I (mV)", series(mons["current"]), nil); err != nil {
		return err
	}
	if m.adaptive {
		if err := w.Lines(m.name+"_adaptation.png", m.name+": adaptation current", "time (ms)", "w", series(mons["w"]), nil); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	out := flag.String("out", "out/integrate_and_fire", "folder for the PNG plots")
	flag.Parse()
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "integrate_and_fire:", err)
		os.Exit(1)
	}
}

func mainErr(out string) error {
	w, err := nbplot.NewWriter(out)
	if err != nil {
		return err
	}
	in, err := input()
	if err != nil {
		return err
	}
	for _, m := range models() {
		if err := run(m, in, w); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
	}
	w.Report()
	return nil
}
