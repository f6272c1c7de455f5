// Package models assembles the benchmark models of Spiral
// (docs/benchmarks.md) with the network builder: CUBA, COBA, Brunel,
// STDP (Song, Miller & Abbott 2000) and the LIF f–I curve. Each function
// returns a built network whose parameters follow the Brian2 scripts of
// the benchmark (bench/brian2; testdata/brian2/README.md describes the
// models exactly); tests run
// them at small sizes and compare rates and CV of ISI with Brian2's.
package models

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// MaxScale bounds Options.Scale (Brunel at 1000 has 12.5 M neurons).
const MaxScale = 1000

// Options are shared by every model.
type Options struct {
	Scale float64 // network scale (model-specific rule); default 1
	Seed  uint64
	DtMs  float64 // default 0.1
	// FixedPoint sums synaptic input in fixed point
	// (network.Config.FixedPoint).
	FixedPoint bool
	// Part, when set, builds only that part of the network
	// (network.Builder.BuildPart): the synapses that end on its neurons.
	Part *network.Part
}

func (o Options) norm() Options {
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.DtMs == 0 {
		o.DtMs = 0.1
	}
	return o
}

func (o Options) check(model string) error {
	if !(o.Scale > 0) || o.Scale > MaxScale {
		return fmt.Errorf("%s: scale = %g: must be > 0 and at most %g", model, o.Scale, float64(MaxScale))
	}
	return nil
}

func ptr(v param.Value) *param.Value { return &v }

// CUBA is the Vogels & Abbott (2005) network with current-based
// exponential synapses (Brette et al. 2007, benchmark 2), as Brian2's CUBA
// example: N = 4000·scale LIF neurons (80 % excitatory, populations "E" and
// "I"), τm = 20 ms, El = −49 mV, threshold −50 mV (strict), reset −60 mV,
// refractory 5 ms (counted from the spike step, as Brian2 does), exact
// integration; exponential currents τe = 5 ms, τi =
// 10 ms; we = 1.62 mV, wi = −9 mV; pairwise Bernoulli connectivity with p =
// 0.02/scale (autapses allowed), no delay (one step); v(0) ~ U[−60, −50).
func CUBA(o Options) (*network.Network, error) { return build(CUBADefinition(o)) }

// CUBADefinition defines CUBA without building it.
func CUBADefinition(o Options) (*network.Builder, Options, error) {
	return vogelsAbbott("cuba", o, vaParams{
		rest: -49, v0: param.Uniform(-60, -50), drive: 0,
		ge: dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5},
		gi: dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 10},
		we: 1.62, wi: -9,
	})
}

// COBA is the conductance-based variant of Brian2's benchmarks: like CUBA
// but El = −60 mV, a constant drive of 20 mV, exponential conductances
// (in units of the leak conductance) with Ee = 0 mV, Ei = −80 mV, we = 0.6,
// wi = 6.7, and v(0) ~ N(−55, 5) mV.
func COBA(o Options) (*network.Network, error) { return build(COBADefinition(o)) }

// COBADefinition defines COBA without building it.
func COBADefinition(o Options) (*network.Builder, Options, error) {
	return vogelsAbbott("coba", o, vaParams{
		rest: -60, v0: param.Normal(-55, 5), drive: 20,
		ge: dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: 5, ReversalMV: 0},
		gi: dendrite.Spec{Kernel: dendrite.ExpConductance, TauMs: 10, ReversalMV: -80},
		we: 0.6, wi: 6.7,
	})
}

// vaParams are what distinguishes CUBA from COBA.
type vaParams struct {
	rest   float64
	v0     param.Value
	drive  float32 // constant input, mV (0: none)
	ge, gi dendrite.Spec
	we, wi float64
}

// vogelsAbbott builds the network shared by CUBA and COBA: N = 4000·scale
// LIF neurons, 80 % excitatory, τm = 20 ms, threshold −50 mV, reset
// −60 mV, refractory 5 ms counted from the spike step (Brian2's
// convention), exact integration, pairwise Bernoulli connectivity with
// p = 0.02/scale (autapses allowed) and no delay (one step).
func vogelsAbbott(model string, o Options, va vaParams) (*network.Builder, Options, error) {
	o = o.norm()
	if err := o.check(model); err != nil {
		return nil, o, err
	}
	n := int(math.Round(4000 * o.Scale))
	ne := int(math.Round(0.8 * float64(n)))
	ni := n - ne
	p := math.Min(1, 0.02/o.Scale)
	b := network.New(network.Config{DtMs: o.DtMs, Seed: o.Seed, FixedPoint: o.FixedPoint})
	neuron := soma.LIF()
	neuron.TauMs = param.Const(20)
	neuron.RestMV = param.Const(va.rest)
	neuron.ThresholdMV = param.Const(-50)
	neuron.ResetMV = ptr(param.Const(-60))
	neuron.RefractoryMs = param.Const(5)
	neuron.RefractoryFromSpike = true // Brian2's convention
	neuron.Integration = soma.Exact
	neuron.V0MV = ptr(va.v0)
	for _, pop := range []struct {
		name string
		n    int
	}{{"E", ne}, {"I", ni}} {
		d := b.Population(pop.name, pop.n, neuron).Receptor("ge", va.ge).Receptor("gi", va.gi)
		if va.drive != 0 {
			d.Stimulus(stimulus.Constant(va.drive))
		}
	}
	for _, c := range []struct {
		from, to, rec string
		w             float64
	}{{"E", "E", "ge", va.we}, {"E", "I", "ge", va.we}, {"I", "E", "gi", va.wi}, {"I", "I", "gi", va.wi}} {
		b.Connect(c.from+c.to, network.Connection{From: c.from, To: c.to, Receptor: c.rec,
			Pattern: connectivity.Bernoulli{P: p}, Autapses: true, Weight: param.Const(c.w)})
	}
	return b, o, nil
}

// BrunelParams are the Brunel (2000) model A parameters (NEST
// brunel_delta defaults).
//
// A field left 0 takes its default, so g = 0 or η = 0 cannot be asked
// for here: write the model as a model file (spiral-node inspect brunel
// --recipe) and edit it.
type BrunelParams struct {
	G, Eta    float64 // relative inhibition, external drive; default 5, 2
	JmV       float64 // excitatory weight; default 0.1 mV
	DelayMs   float64 // default 1.5 ms
	ResetMV   float64 // default 0 mV
	TauMs     float64 // default 20 ms
	ThetaMV   float64 // default 20 mV
	RefractMs float64 // default 2 ms
}

// Brunel is Brunel (2000) model A with NEST's brunel_delta parameters:
// NE = 10000·scale, NI = 2500·scale LIF neurons ("E", "I"), fixed
// in-degree CE = 0.1·NE, CI = 0.1·NI (multapses and autapses allowed),
// delta synapses J = 0.1 mV and −g·J, delay 1.5 ms, τm = 20 ms, θ = 20 mV
// (v ≥ θ), reset 0 mV, refractory 2 ms with input dropped while
// refractory, exact integration, v(0) = 0, and independent external
// Poisson input of rate η·θ/(J·τm) per neuron, each event adding J.
func Brunel(o Options, bp BrunelParams) (*network.Network, error) {
	return build(BrunelDefinition(o, bp))
}

// BrunelDefinition defines Brunel without building it.
func BrunelDefinition(o Options, bp BrunelParams) (*network.Builder, Options, error) {
	o = o.norm()
	if err := o.check("brunel"); err != nil {
		return nil, o, err
	}
	def := func(x *float64, v float64) {
		if *x == 0 {
			*x = v
		}
	}
	def(&bp.G, 5)
	def(&bp.Eta, 2)
	def(&bp.JmV, 0.1)
	def(&bp.DelayMs, 1.5)
	def(&bp.TauMs, 20)
	def(&bp.ThetaMV, 20)
	def(&bp.RefractMs, 2)
	ne := int(math.Round(10000 * o.Scale))
	ni := int(math.Round(2500 * o.Scale))
	ce, ci := int(0.1*float64(ne)), int(0.1*float64(ni))
	rate := bp.Eta * bp.ThetaMV / (bp.JmV * bp.TauMs) * 1000 // Hz, = η·ν_th·CE
	b := network.New(network.Config{DtMs: o.DtMs, Seed: o.Seed, FixedPoint: o.FixedPoint})
	neuron := soma.LIF()
	neuron.TauMs = param.Const(bp.TauMs)
	neuron.RestMV = param.Const(0)
	neuron.ThresholdMV = param.Const(bp.ThetaMV)
	neuron.FireAtThreshold = true
	neuron.ResetMV = ptr(param.Const(bp.ResetMV))
	neuron.RefractoryMs = param.Const(bp.RefractMs)
	neuron.DropRefractoryInput = true
	neuron.Integration = soma.Exact
	out := axon.Spec{DelayMs: param.Const(bp.DelayMs)}
	for _, pop := range []struct {
		name string
		n    int
	}{{"E", ne}, {"I", ni}} {
		b.Population(pop.name, pop.n, neuron).
			Receptor("in", dendrite.Spec{Kernel: dendrite.Delta}).
			Axon("out", out).
			Drive("in", &stimulus.PoissonDrive{RateHz: rate, Weight: bp.JmV})
	}
	for _, c := range []struct {
		from, to string
		k        int
		w        float64
	}{{"E", "E", ce, bp.JmV}, {"E", "I", ce, bp.JmV}, {"I", "E", ci, -bp.G * bp.JmV}, {"I", "I", ci, -bp.G * bp.JmV}} {
		b.Connect(c.from+c.to, network.Connection{From: c.from, To: c.to,
			Pattern: connectivity.FixedInDegree{K: c.k, Multapses: true}, Autapses: true, Weight: param.Const(c.w)})
	}
	return b, o, nil
}

// STDP is Song, Miller & Abbott (2000) as Brian2's STDP example: 1000·scale
// Poisson inputs ("in", 15 Hz) onto one LIF neuron ("out": τm = 10 ms, El =
// −74 mV, threshold −54 mV, reset −60 mV, no refractory period, exact
// integration) through exponential currents (τe = 5 ms, R·I = (Ee − vr)·ge
// = 60 mV·ge), with additive all-to-all STDP (τ± = 20 ms exponential
// traces, A+ = 0.01·gmax, A− = 1.05·A+, gmax = 0.01) and hard bounds
// [0, gmax]; w(0) ~ U[0, gmax). The projection is named "syn".
func STDP(o Options) (*network.Network, error) { return build(STDPDefinition(o)) }

// STDPDefinition defines STDP without building it.
func STDPDefinition(o Options) (*network.Builder, Options, error) {
	o = o.norm()
	if err := o.check("stdp"); err != nil {
		return nil, o, err
	}
	n := int(math.Round(1000 * o.Scale))
	const gmax = 0.01
	b := network.New(network.Config{DtMs: o.DtMs, Seed: o.Seed, FixedPoint: o.FixedPoint})
	b.Population("in", n, encoder.Poisson{RateHz: param.Const(15)})
	neuron := soma.LIF()
	neuron.TauMs = param.Const(10)
	neuron.R = param.Const(60)
	neuron.RestMV = param.Const(-74)
	neuron.ThresholdMV = param.Const(-54)
	neuron.ResetMV = ptr(param.Const(-60))
	neuron.Integration = soma.Exact
	neuron.V0MV = ptr(param.Const(-60))
	b.Population("out", 1, neuron).
		Receptor("ge", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5})
	// Brian's Δw per pair is A+ (A−); the rule multiplies η by dt.
	aplus := 0.01 * gmax
	// Brian decays its traces exactly (e^{−dt/τ}).
	tag := response.Leaky{Tau: param.Const(20), Exact: true}
	// Brian runs on_pre before on_post: a coincident pair potentiates.
	rule := plasticity.STDP{Pre: tag, Post: tag, PreFirst: true,
		LTP: plasticity.ConstRate{Eta: aplus / o.DtMs}, LTD: plasticity.ConstRate{Eta: 1.05 * aplus / o.DtMs}}
	b.Connect("syn", network.Connection{From: "in", To: "out", Receptor: "ge",
		Pattern: connectivity.AllToAll{}, Weight: param.Uniform(0, gmax), Wmin: 0, Wmax: gmax,
		Plasticity: rule})
	return b, o, nil
}

// FI is the f–I curve of unconnected LIF neurons (Brian2's IF_curve_LIF):
// n = 200·scale+1 neurons ("lif"), neuron k gets R·I_k = 20 mV·k/(n−1);
// τm = 10 ms, rest 0, threshold 10 mV (strict), reset 0, refractory 5 ms
// counted from the spike step (Brian2's convention), exact integration,
// v(0) = 0.
func FI(o Options) (*network.Network, []float32, error) {
	b, o, ri, err := fiDefinition(o)
	if err != nil {
		return nil, nil, err
	}
	net, err := b.BuildPart(o.Part)
	return net, ri, err
}

// FIDefinition defines FI without building it.
func FIDefinition(o Options) (*network.Builder, Options, error) {
	b, o, _, err := fiDefinition(o)
	return b, o, err
}

// fiDefinition defines FI and returns the input of each neuron too.
func fiDefinition(o Options) (*network.Builder, Options, []float32, error) {
	o = o.norm()
	if err := o.check("fi"); err != nil {
		return nil, o, nil, err
	}
	n := int(math.Round(200*o.Scale)) + 1
	if n < 2 {
		return nil, o, nil, fmt.Errorf("fi: scale = %g gives %d neuron; need at least 2 (scale >= 0.005)", o.Scale, n)
	}
	ri := make([]float32, n)
	for k := range ri {
		ri[k] = float32(20 * float64(k) / float64(n-1))
	}
	b := network.New(network.Config{DtMs: o.DtMs, Seed: o.Seed, FixedPoint: o.FixedPoint})
	neuron := soma.LIF()
	neuron.TauMs = param.Const(10)
	neuron.RestMV = param.Const(0)
	neuron.ThresholdMV = param.Const(10)
	neuron.ResetMV = ptr(param.Const(0))
	neuron.RefractoryMs = param.Const(5)
	neuron.RefractoryFromSpike = true // Brian2's convention
	neuron.Integration = soma.Exact
	neuron.V0MV = ptr(param.Const(0))
	b.Population("lif", n, neuron).Stimulus(stimulus.PerNeuron(ri))
	return b, o, ri, nil
}

// build builds a defined model, or the part of it that o.Part says.
func build(b *network.Builder, o Options, err error) (*network.Network, error) {
	if err != nil {
		return nil, err
	}
	return b.BuildPart(o.Part)
}
