// Command axon ports part of notebook 2 of the Python Spiral (2.axon): three
// adaptive exponential LIF neurons (AdEx, the reference's AELIF, defaults)
// driven by square pulses 0/150 every 50 steps (neuron 1 × 1.2), dt = 1 ms,
// 200 steps, with several axons on the same population:
//
//   - plain: one terminal, no delay;
//   - per_terminal: two terminals with delays [0, 2] ms;
//   - per_row: two terminals with per-neuron, per-terminal delays
//     [[2, 3], [0, 0], [6, 9]] ms;
//   - leaky: one terminal with a leaky release (τ = 5 ms).
//
// The reference's axon holds a neurotransmitter signal per terminal; this
// axon emits events instead. To see what each terminal releases, every axon
// row feeds (one-to-one, weight 1) its own neuron of a probe population
// through an exponential-current receptor so short (τ = 0.1 ms) that the
// probe's input current at a step is what arrived at that step. A spike at
// step n arrives at step n + 1 + delay. It writes the input, the raster, and
// one plot of the arrivals per axon.
//
//	go run ./examples/notebooks/axon [-out out/axon]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/examples/notebooks/internal/nbplot"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

const (
	n     = 3
	steps = 200
	dt    = 1.0
)

type variant struct {
	name  string
	spec  axon.Spec
	title string
}

func variants() []variant {
	return []variant{
		{"plain", axon.Spec{}, "no delay"},
		{"per_terminal", axon.Spec{Terminals: 2, DelayMs: param.Array(0, 2)}, "2 terminals, delays [0, 2] ms"},
		{"per_row", axon.Spec{Terminals: 2, DelayMs: param.Array(2, 3, 0, 0, 6, 9)}, "delays [[2,3],[0,0],[6,9]] ms"},
		{"leaky", axon.Spec{Response: response.Leaky{Tau: param.Const(5)}}, "leaky release, τ = 5 ms"},
	}
}

func main() {
	out := flag.String("out", "out/axon", "folder for the PNG plots")
	flag.Parse()
	if err := mainErr(*out); err != nil {
		fmt.Fprintln(os.Stderr, "axon:", err)
		os.Exit(1)
	}
}

// build makes the network: the AdEx neurons A with one axon per variant,
// each axon's arrivals landing on a probe population of its own.
func build(vs []variant) (*network.Network, error) {
	b := network.New(network.Config{DtMs: dt, Seed: 2})
	pulses := stimulus.SquarePulse{Low: 0, High: 150, Period: 100, Width: 50, Phase: 50}
	src := b.Population("A", n, soma.AdEx()).
		Stimulus(&stimulus.Gain{S: pulses, Factors: []float32{1, 1.2, 1}})
	for _, v := range vs {
		src.Axon(v.name, v.spec)
		t := max(1, v.spec.Terminals)
		probe := "probe_" + v.name
		b.Population(probe, n*t, soma.LIF()).
			Receptor("nt", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 0.1})
		b.Connect(v.name, network.Connection{From: "A", Axon: v.name, To: probe, Receptor: "nt",
			Pattern: connectivity.OneToOne{}, Weight: param.Const(1)})
	}
	return b.Build()
}

func mainErr(out string) error {
	vs := variants()
	net, err := build(vs)
	if err != nil {
		return err
	}
	s := stepper.New(net)
	sp, err := monitor.NewSpikes(net, "A")
	if err != nil {
		return err
	}
	in, err := monitor.NewState(net, "A", "current", nil, 1)
	if err != nil {
		return err
	}
	s.AddMonitor(sp)
	s.AddMonitor(in)
	probes := make([]*monitor.State, len(vs))
	for k, v := range vs {
		probes[k], err = monitor.NewState(net, "probe_"+v.name, "current", nil, 1)
		if err != nil {
			return err
		}
		s.AddMonitor(probes[k])
	}
	if err := s.Run(steps); err != nil {
		return err
	}

	w, err := nbplot.NewWriter(out)
	if err != nil {
		return err
	}
	fmt.Println("spikes of A at steps:", sp.Times())
	if err := w.Raster("raster.png", "AdEx neurons: spikes", sp.Steps, sp.Elements, n, steps, dt); err != nil {
		return err
	}
	t := nbplot.Steps(in.Steps, dt)
	var inS []nbplot.Series
	for i := 0; i < n; i++ {
		inS = append(inS, nbplot.Series{Name: fmt.Sprintf("neuron %d", i), X: t, Y: nbplot.Column(in.Values, i)})
	}
	if err := w.Lines("input.png", "input current", "time (ms)", "R·I (mV)", inS, nil); err != nil {
		return err
	}
	for k, v := range vs {
		terms := max(1, v.spec.Terminals)
		var ser []nbplot.Series
		for r := 0; r < n*terms; r++ {
			name := fmt.Sprintf("neuron %d", r/terms)
			if terms > 1 {
				name += fmt.Sprintf(", terminal %d", r%terms)
			}
			// Rows are stacked: row r is drawn around r·1.5.
			y := nbplot.Column(probes[k].Values, r)
			for j := range y {
				y[j] += float64(1.5 * float64(r))
			}
			ser = append(ser, nbplot.Series{Name: fmt.Sprintf("row %d: %s", r, name), X: t, Y: y})
		}
		if err := w.Lines("axon_"+v.name+".png", "axon "+v.name+": arrivals ("+v.title+")",
			"time (ms)", "arrival (rows stacked by 1.5)", ser, nil); err != nil {
			return err
		}
	}
	w.Report()
	return nil
}
