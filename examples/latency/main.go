// Command latency learns conduction latencies: ten input neurons fire a
// staggered volley (neuron i at 2·i ms into every 50 ms period), a
// teacher fires 23 ms into the period and makes the target neuron fire
// when its spike arrives, and the
// latency rule Align (package latency) moves the learnt latency of each
// input's synapse until all ten spikes arrive at the target together, at
// the step it fires.
//
//	go run ./examples/latency [-out DIR] [-periods N]
//
// The input synapses are weak (they do not make the target fire); the
// teacher alone does. Every input has an axonal latency of 1 ms + one
// step; the learnt part starts at 0 and may grow to 25 ms. With η = 0.3
// the misalignment of each input shrinks by the factor 0.7 per period, so
// after 20 periods every input arrives at the step of the target's spike:
// the teacher's spike and the inputs' share the axonal latency, so neuron
// i's learnt latency becomes 23 − 2·i ms, to the step.
//
// It prints the learnt latencies against that prediction and writes
// arrivals.png (each input's arrival relative to the target's spike, per
// period) and latencies.png (learnt latency against firing time) to DIR.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/latency"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plot"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// Model parameters.
const (
	dt       = 0.1  // ms
	inputs   = 10   // input neurons
	spacing  = 2.0  // ms between the inputs' spikes in a volley
	period   = 50.0 // ms
	teachAt  = 23.0 // ms into the period: the teacher fires
	axonalMs = 1.0  // axonal delay of inputs and teacher (latency 1 ms + 1 step)
	eta      = 0.3
	windowMs = 25.0
	maxMs    = 25.0
)

// result is what a run learnt.
type result struct {
	// Offsets[p][i]: arrival of input i minus the target's spike, in ms,
	// in period p (NaN if the target did not fire).
	Offsets [][]float64
	// Learnt latency of each input's synapse at the end, ms.
	Latency []float64
	// Fired is the number of target spikes; Periods the number run.
	Fired, Periods int
}

// build makes the network.
func build(periods int) (*network.Network, error) {
	var in encoder.SpikeArray
	var teach encoder.SpikeArray
	for p := 0; p < periods; p++ {
		t0 := float64(float64(p) * period)
		for i := 0; i < inputs; i++ {
			in.Neurons = append(in.Neurons, i)
			in.TimesMs = append(in.TimesMs, t0+float64(spacing*float64(i)))
		}
		teach.Neurons = append(teach.Neurons, 0)
		teach.TimesMs = append(teach.TimesMs, t0+teachAt)
	}
	b := network.New(network.Config{DtMs: dt, Seed: 1})
	b.Population("in", inputs, in).Axon("out", axon.Spec{DelayMs: param.Const(axonalMs)})
	b.Population("teacher", 1, teach).Axon("out", axon.Spec{DelayMs: param.Const(axonalMs)})
	target := soma.LIF()
	target.RestMV, target.ThresholdMV = param.Const(0), param.Const(10)
	target.TauMs = param.Const(10)
	target.Integration = soma.Exact
	b.Population("target", 1, target).Receptor("in", dendrite.Spec{Kernel: dendrite.Delta})
	// The teacher alone fires the target (a 20 mV jump over a 10 mV
	// threshold) at the step its spike arrives.
	b.Connect("teach", network.Connection{From: "teacher", To: "target", Pattern: connectivity.AllToAll{}, Weight: param.Const(20)})
	b.Connect("in-target", network.Connection{From: "in", To: "target", Pattern: connectivity.AllToAll{}, Weight: param.Const(0.1),
		Latency: latency.Align{Eta: eta, WindowMs: windowMs, Max: maxMs}})
	return b.Build()
}

// run simulates the given number of periods.
func run(periods int) (*result, error) {
	net, err := build(periods)
	if err != nil {
		return nil, err
	}
	s := stepper.New(net)
	spikes, err := monitor.NewSpikes(net, "target")
	if err != nil {
		return nil, err
	}
	s.AddMonitor(spikes)
	proj, _ := net.Projection("in-target")
	lat := proj.Runtime.Latencies()
	steps := int(math.Round(period / dt))
	axSteps := axon.DelaySteps(axonalMs, dt) + 1
	res := &result{Periods: periods}
	for p := 0; p < periods; p++ {
		// The arrivals of this period, with the latencies it starts with
		// (they change only when spikes pair, after the arrivals).
		arr := make([]int64, inputs)
		for i := 0; i < inputs; i++ {
			fire := int64(p*steps) + int64(math.Round(spacing*float64(i)/dt))
			arr[i] = fire + int64(axSteps) + int64(latency.Steps(lat[i]))
		}
		before := len(spikes.Steps)
		if err := s.Run(steps); err != nil {
			return nil, err
		}
		off := make([]float64, inputs)
		if len(spikes.Steps) == before {
			for i := range off {
				off[i] = math.NaN()
			}
		} else {
			S := spikes.Steps[before]
			for i := range off {
				off[i] = float64(arr[i]-S) * dt
			}
		}
		res.Offsets = append(res.Offsets, off)
	}
	res.Fired = len(spikes.Steps)
	for _, l := range lat {
		res.Latency = append(res.Latency, float64(latency.Steps(l))*dt)
	}
	return res, nil
}

// predicted is the learnt latency (ms) that makes input i arrive at the
// step the target fires: the teacher's spike and input i's share the
// axonal latency, so input i needs teachAt − spacing·i.
func predicted(i int) float64 { return teachAt - spacing*float64(i) }

func main() {
	out := flag.String("out", "out/latency", "folder for the PNG plots")
	periods := flag.Int("periods", 20, "training periods of 50 ms")
	flag.Parse()
	if *periods < 1 {
		fmt.Fprintf(os.Stderr, "latency: -periods = %d: must be ≥ 1\n", *periods)
		os.Exit(2)
	}
	res, err := run(*periods)
	if err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
	fmt.Printf("target spikes: %d in %d periods\n", res.Fired, res.Periods)
	fmt.Println("input  fires at  learnt latency  predicted  last arrival − target spike")
	last := res.Offsets[len(res.Offsets)-1]
	for i, l := range res.Latency {
		fmt.Printf("%5d  %6.1f ms  %11.1f ms  %6.1f ms  %+10.1f ms\n", i, spacing*float64(i), l, predicted(i), last[i])
	}
	if err := plots(*out, res); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
	fmt.Println("plots in", *out)
}

// plots writes arrivals.png and latencies.png into dir.
func plots(dir string, res *result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var arrivals []plot.Series
	for i := 0; i < inputs; i++ {
		s := plot.Series{Name: fmt.Sprintf("input %d (fires at %g ms)", i, spacing*float64(i))}
		for k, off := range res.Offsets {
			s.X = append(s.X, float64(k))
			s.Y = append(s.Y, off[i])
		}
		arrivals = append(arrivals, s)
	}
	f := plot.Figure{Width: 8 * plot.Inch, Height: 4 * plot.Inch, LegendOutside: true}
	if err := f.Lines(filepath.Join(dir, "arrivals.png"), "Arrival at the target relative to its spike",
		fmt.Sprintf("training period (%g ms each)", period), "arrival − target spike (ms)", arrivals, nil); err != nil {
		return err
	}

	got := plot.Series{Name: "learnt", Markers: true, Color: color.Black}
	want := plot.Series{Name: "aligned with the target's spike", Dashed: true, Color: color.Gray{Y: 100}}
	for i, l := range res.Latency {
		x := spacing * float64(i)
		got.X, got.Y = append(got.X, x), append(got.Y, l)
		want.X, want.Y = append(want.X, x), append(want.Y, predicted(i))
	}
	g := plot.Figure{Width: 6 * plot.Inch, Height: 4 * plot.Inch}
	return g.Lines(filepath.Join(dir, "latencies.png"), "Learnt latency against firing time in the volley",
		"input firing time in the period (ms)", "learnt latency (ms)", []plot.Series{want, got}, nil)
}
