// Command distalreward is Izhikevich's (2007) distal reward problem in
// miniature: reward-modulated STDP with eligibility traces
// (plasticity.RSTDP) finds, among many synapses, the one whose pre→post
// pairing is rewarded seconds later.
//
//	go run ./examples/distalreward [-out out/distalreward] [-seconds 1000] [-seed 1]
//
// The network (dt = 1 ms): 50 Poisson inputs ("in", 2 Hz) project all to
// all onto 10 LIF neurons ("out"; τ = 10 ms, threshold 15 mV above rest)
// through 500 plastic delta synapses (weights in mV, initially 0.25 mV,
// bounds [0, 1] mV). A Poisson background drive (200 Hz of 3 mV jumps)
// keeps the neurons firing at about 3.5 Hz, so that one synapse has
// little influence on its neuron and pre→post coincidences happen at
// random. The plastic projection follows the modulator source "dopamine",
// the reference's leaky dopaminergic tissue (soma.LeakyTissue, τ = 7 ms)
// of size 1. Its rule is
//
//	RSTDP{Rule: LeakySTDP(τ+ = τ− = 20 ms, η+ = 0.01, η− = 0.014), TauC: 3000 ms}
//
// with depression slightly dominant, as in Izhikevich's model, and an
// eligibility time constant of 3 s rather than his 1 s, since the rewards
// come 1–3 s late (with τc = 1 s a miniature this size needs far longer
// to separate the chosen synapse from the noise).
//
// One synapse is chosen: input 0 → neuron 0. Every time neuron 0 fires
// within 10 ms after input 0 (a pairing, about one every 10 s), a reward
// — a one-step input of 0.75 into the tissue — is scheduled after a
// random delay of 1–3 s. Meanwhile every synapse keeps pairing at random;
// only the trace of the chosen one is, on average, positive when a reward
// comes. The chosen weight climbs to the upper bound; the others sink.
//
// It prints the weights and writes weights.png (the chosen weight, and
// the mean and the maximum of the others, over time) into -out.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/plot"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

const (
	dt       = 1.0 // ms
	nIn      = 50
	nOut     = 10
	inRateHz = 2.0
	w0, wmax = 0.25, 1.0 // mV
	pre, pst = 0, 0      // the chosen synapse: input pre → neuron pst
	window   = 10        // steps: post within 10 ms after pre is a pairing
	reward   = 0.75      // the tissue's input at a reward step
	every    = 1000      // steps between weight samples
)

// rewarder watches the chosen pair after every step (a stepper monitor)
// and feeds the rewards it scheduled into the dopaminergic tissue (a
// stimulus of that population).
type rewarder struct {
	rnd      *rand.Rand
	lastPre  int64   // the last step at which input pre fired
	due      []int64 // the steps of the pending rewards
	pairings int
	rewards  int
}

// Record implements stepper.Monitor.
func (r *rewarder) Record(step int64, net *network.Network) {
	in, _ := net.Population("in")
	out, _ := net.Population("out")
	if slices.Contains(in.Fired(), pre) {
		r.lastPre = step
	}
	// The input's spike reaches neuron pst one step after it was emitted,
	// so a pairing has post − pre in [1, window].
	if slices.Contains(out.Fired(), pst) && step-r.lastPre >= 1 && step-r.lastPre <= window {
		r.pairings++
		r.due = append(r.due, step+1000+r.rnd.Int64N(2001)) // 1–3 s later
	}
}

// Add implements population.Stimulus: the rewards due at step.
func (r *rewarder) Add(step int64, current []float32) {
	r.due = slices.DeleteFunc(r.due, func(s int64) bool {
		if s == step {
			current[0] += reward
			r.rewards++
			return true
		}
		return false
	})
}

// weights samples the chosen weight and the mean and maximum of the
// others; spikes counts the spikes of "out".
type weights struct {
	proj                      *network.Projection
	k                         int // the chosen synapse
	t, chosen, mean, maxOther []float64
	spikes                    int
}

// Record implements stepper.Monitor.
func (m *weights) Record(step int64, net *network.Network) {
	out, _ := net.Population("out")
	m.spikes += len(out.Fired())
	if step%every != 0 {
		return
	}
	w := m.proj.Runtime.Syn.W
	sum, hi := 0.0, 0.0
	for k, x := range w {
		if k != m.k {
			sum += float64(x)
			hi = max(hi, float64(x))
		}
	}
	m.t = append(m.t, float64(step)*dt/1000)
	m.chosen = append(m.chosen, float64(w[m.k]))
	m.mean = append(m.mean, sum/float64(len(w)-1))
	m.maxOther = append(m.maxOther, hi)
}

func main() {
	out := flag.String("out", "out/distalreward", "folder for the PNG plot")
	seconds := flag.Float64("seconds", 1000, "simulated time, s")
	seed := flag.Uint64("seed", 1, "seed of the network and of the reward delays")
	flag.Parse()
	if err := run(*out, *seconds, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "distalreward:", err)
		os.Exit(1)
	}
}

// outcome is what a simulation learnt.
type outcome struct {
	rw *rewarder
	wm *weights
	k  int       // the chosen synapse
	w  []float32 // final weights
}

func simulate(seconds float64, seed uint64) (*outcome, error) {
	rw := &rewarder{rnd: rand.New(rand.NewPCG(seed, 2007)), lastPre: -1 << 40}

	b := network.New(network.Config{DtMs: dt, Seed: seed})
	b.Population("in", nIn, encoder.Poisson{RateHz: param.Const(inRateHz)})
	lif := soma.LIF()
	lif.RestMV, lif.ThresholdMV = param.Const(-65), param.Const(-50)
	lif.TauMs = param.Const(10)
	lif.Integration = soma.Exact
	b.Population("out", nOut, lif).
		Receptor("syn", dendrite.Spec{Kernel: dendrite.Delta}).
		Drive("syn", &stimulus.PoissonDrive{RateHz: 200, Weight: 3})
	b.Population("dopamine", 1, soma.LeakyTissue()).Stimulus(rw)
	rule := plasticity.RSTDP{Rule: plasticity.LeakySTDP(20, 20, 0.01, 0.014), TauCMs: 3000}
	b.Connect("plastic", network.Connection{From: "in", To: "out", Receptor: "syn",
		Pattern: connectivity.AllToAll{}, Weight: param.Const(w0), Wmin: 0, Wmax: wmax,
		Plasticity: rule, Follow: "dopamine"})
	net, err := b.Build()
	if err != nil {
		return nil, err
	}
	proj, _ := net.Projection("plastic")
	syn := proj.Runtime.Syn
	k := -1
	for e := syn.Ptr[pre]; e < syn.Ptr[pre+1]; e++ {
		if syn.Idx[e] == pst {
			k = int(e)
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("no synapse %d → %d", pre, pst)
	}
	wm := &weights{proj: proj, k: k}
	s := stepper.New(net)
	s.AddMonitor(rw)
	s.AddMonitor(wm)
	if err := s.RunMs(seconds * 1000); err != nil {
		return nil, err
	}
	return &outcome{rw: rw, wm: wm, k: k, w: syn.W}, nil
}

func run(out string, seconds float64, seed uint64) error {
	o, err := simulate(seconds, seed)
	if err != nil {
		return err
	}
	rw, wm, k, w := o.rw, o.wm, o.k, o.w
	others := slices.Delete(slices.Clone(w), k, k+1)
	slices.Sort(others)
	fmt.Printf("%.0f s simulated; neurons fire at %.2f Hz; %d pairings of input %d → neuron %d, %d rewards\n",
		seconds, float64(wm.spikes)/nOut/seconds, rw.pairings, pre, pst, rw.rewards)
	fmt.Printf("chosen synapse: w = %.3f mV (from %.2f, bound %.2f mV)", w[k], w0, wmax)
	for i, x := range wm.chosen {
		if x >= 0.95*wmax {
			fmt.Printf(", within 5%% of the bound from %.0f s", wm.t[i])
			break
		}
	}
	fmt.Println()
	fmt.Printf("the %d others: mean %.3f mV, median %.3f, 99th percentile %.3f, max %.3f\n",
		len(others), wm.mean[len(wm.mean)-1], others[len(others)/2], others[len(others)*99/100], others[len(others)-1])

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(out, "weights.png")
	if err := plotWeights(path, wm); err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return nil
}

// plotWeights draws the chosen weight and the mean and the maximum of the
// others over time, on the weight range [0, 1.1·wmax].
func plotWeights(path string, wm *weights) error {
	f := plot.Figure{Width: 10 * plot.Inch, LegendOutside: true, YLim: plot.Limits{Min: 0, Max: wmax * 1.1}}
	w := plot.Point * 1.5
	return f.Lines(path, fmt.Sprintf("Distal reward: RSTDP with eligibility traces (weights sampled every %g s)", every*dt/1000),
		"time (s)", "weight (mV)", []plot.Series{
			{Name: fmt.Sprintf("chosen synapse (input %d → neuron %d)", pre, pst), X: wm.t, Y: wm.chosen, Color: color.RGBA{R: 200, A: 255}, Width: w},
			{Name: "mean of the others", X: wm.t, Y: wm.mean, Color: color.RGBA{B: 200, A: 255}, Width: w},
			{Name: "max of the others", X: wm.t, Y: wm.maxOther, Color: color.RGBA{R: 120, G: 120, B: 120, A: 255}, Width: w},
		}, []plot.HLine{{Name: "upper bound", Y: wmax}})
}
