package main

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// The model's parameters, from the maintainers' PyNEST implementation ("the
// PyNEST model": https://github.com/INM-6/microcircuit-PD14-model,
// PyNEST/src/microcircuit/network_params.py, stimulus_params.py, helpers.py)
// of Potjans & Diesmann (2014), doi:10.1093/cercor/bhs358.
// Population order: L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I (even = excitatory).
var (
	popNames = [8]string{"L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"}
	// Full-scale population sizes (the PyNEST model).
	fullN = [8]int{20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948}
	// connProb[target][source] (the PyNEST model).
	connProb = [8][8]float64{
		{0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0},
		{0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0},
		{0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0},
		{0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0},
		{0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0},
		{0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0},
		{0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252},
		{0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443},
	}
	// External (cortico-cortical) in-degrees (the PyNEST model).
	kExt = [8]float64{1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100}
	// Optimized initial membrane potentials, mean and sd in mV (the PyNEST model).
	v0Mean = [8]float64{-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43}
	v0Std  = [8]float64{5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48}
	// full_mean_rates (spikes/s): the maintainers' full-scale NEST run with
	// Poisson background (the PyNEST model). Used for the DC compensation under
	// K scaling and as the reference the rates are compared with.
	nestRates = [8]float64{0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829}
)

// Neuron, synapse and input constants (the PyNEST model).
const (
	dtMs       = 0.1
	cmPF       = 250.0 // C_m, pF
	tauMMs     = 10.0  // tau_m, ms
	tauSynMs   = 0.5   // tau_syn_ex = tau_syn_in, ms
	tRefMs     = 2.0
	eLMV       = -65.0
	vThMV      = -50.0
	vResetMV   = -65.0
	pspMeanMV  = 0.15 // excitatory PSP amplitude
	g          = -4.0 // relative inhibitory strength
	wRelStd    = 0.1
	delayEMs   = 1.5
	delayIMs   = 0.75
	delayRel   = 0.5
	delayMinMs = dtMs - 0.5*dtMs // redraw below this (NEST: 0.05 ms)
	bgRateHz   = 8.0
)

func excitatory(x int) bool { return x%2 == 0 }

// Config is one variant of the model.
type Config struct {
	// NScale is the fraction of neurons (N_scaling), KScale the fraction
	// of the in-degrees (K_scaling); 1, 1 is the full model.
	NScale, KScale float64
	// Poisson selects Poisson background input; false is DC (the
	// reference's current default).
	Poisson bool
	Seed    uint64
	// FixedPoint sums the synaptic input in fixed point
	// (network.Config.FixedPoint): the same spikes on every engine and
	// device.
	FixedPoint bool
}

// popSize returns round(N_full · N_scaling).
func (c Config) popSize(y int) int { return int(math.Round(float64(fullN[y]) * c.NScale)) }

// fullQ returns the full-scale, unrounded synapse count of projection
// x → y (the PyNEST model): Q = ln(1−C) / ln((Nx·Ny − 1)/(Nx·Ny)), in float64
// with the full-scale sizes, written as in helpers.py.
func fullQ(y, x int) float64 {
	c := connProb[y][x]
	if c == 0 {
		return 0
	}
	nn := float64(float64(fullN[x]) * float64(fullN[y]))
	return math.Log(1-c) / math.Log((nn-1)/nn)
}

// synapseCount returns round(Q · N_scaling · K_scaling), rounding half to
// even as numpy does.
func (c Config) synapseCount(y, x int) int {
	return int(math.RoundToEven(fullQ(y, x) * c.NScale * c.KScale))
}

// pscOverPSP is the PSC amplitude (pA) giving a 1 mV PSP peak for
// iaf_psc_exp (the PyNEST model): 585.38996 pA/mV.
func pscOverPSP() float64 {
	a := 1 / (tauSynMs - tauMMs)
	pre := tauMMs * tauSynMs * a / cmPF
	f := math.Pow(tauMMs/tauSynMs, a)
	return 1 / (pre * (math.Pow(f, tauMMs) - math.Pow(f, tauSynMs)))
}

// pscMean returns the mean PSC amplitude (pA, signed) of projection
// x → y at full scale, before K scaling: 87.81 pA from E sources (doubled
// for L4E → L23E), −351.23 pA from I sources.
func pscMean(y, x int) float64 {
	w := float64(pspMeanMV * pscOverPSP())
	if !excitatory(x) {
		return g * w
	}
	if y == 0 && x == 2 {
		return 2 * w
	}
	return w
}

// muLocal returns the mean local input current of population y at full
// scale (the PyNEST model): 0.001·τs·Σx Î_yx·K_yx·ν_x, in pA.
func muLocal(y int) float64 {
	s := 0.0
	for x := range 8 {
		s += float64(pscMean(y, x) * fullQ(y, x) / float64(fullN[y]) * nestRates[x])
	}
	return float64(0.001 * tauSynMs * s)
}

// DC returns the constant current of population y (pA), with the DC
// compensation of K scaling (the PyNEST model).
func (c Config) DC(y int) float64 {
	ext := float64(0.001 * tauSynMs * pspMeanMV * pscOverPSP() * kExt[y] * bgRateHz)
	comp := 1 - math.Sqrt(c.KScale)
	if c.Poisson {
		return comp * (muLocal(y) + ext)
	}
	return ext + float64(comp*muLocal(y))
}

// delay returns the delays of the synapses from population x: normal
// with the source type's mean and relative sd 0.5, redrawn below
// dt/2 = 0.05 ms (NEST's bound), one draw per synapse; rounded to the
// nearest step by the projection (axon.Nearest, as NEST does).
func delay(x int) param.Value {
	mean := delayEMs
	if !excitatory(x) {
		mean = delayIMs
	}
	return param.Normal(mean, delayRel*mean).Within(delayMinMs, math.Inf(1))
}

// weight returns the weights of the synapses x → y: normal with the
// sheet's PSC mean (× 1/√kscale) and relative sd 0.1, redrawn when the
// sign flips (excitatory weights ≥ 0, inhibitory ≤ 0), as NEST redraws
// them.
func (c Config) weight(y, x int) param.Value {
	mean := pscMean(y, x) * (1 / math.Sqrt(c.KScale))
	v := param.Normal(mean, wRelStd*math.Abs(mean))
	if mean < 0 {
		return v.Within(math.Inf(-1), 0)
	}
	return v.Within(0, math.Inf(1))
}

// projName names the projection x → y.
func projName(y, x int) string { return popNames[x] + "-" + popNames[y] }

// neuron returns iaf_psc_exp with the PyNEST model's parameters and the
// optimized initial potentials of population y.
func neuron(y int) soma.IF {
	lif := soma.LIF()
	lif.TauMs = param.Const(tauMMs)
	lif.R = param.Const(tauMMs / cmPF) // 0.04 mV/pA = 40 MΩ
	lif.RestMV = param.Const(eLMV)
	reset := param.Const(vResetMV)
	lif.ResetMV = &reset
	lif.ThresholdMV = param.Const(vThMV)
	lif.FireAtThreshold = true // NEST: V ≥ V_th
	lif.RefractoryMs = param.Const(tRefMs)
	lif.Integration = soma.Exact
	v0 := param.Normal(v0Mean[y], v0Std[y])
	lif.V0MV = &v0
	return lif
}

// Build builds the network.
func Build(c Config) (*network.Network, error) { return BuildPart(c, nil) }

// BuildPart builds a part of the network (network.Builder.BuildPart; nil
// is the whole): the synapses that end on the part's neurons, as Build
// draws them. Worker processes (-workers) build so.
func BuildPart(c Config, part *network.Part) (*network.Network, error) {
	if !(c.NScale > 0 && c.NScale <= 1) || !(c.KScale > 0 && c.KScale <= 1) {
		return nil, fmt.Errorf("microcircuit: scale = %g, kscale = %g: both must lie in (0, 1]", c.NScale, c.KScale)
	}
	b := network.New(network.Config{DtMs: dtMs, Seed: c.Seed, FixedPoint: c.FixedPoint})
	// The weights are the sheet's PSC amplitudes (K-scaled): the
	// receptor integrates the exponential PSC exactly, as iaf_psc_exp
	// does (dendrite.Exact, the default: its gain P21/P20 = 0.90619
	// with the Exact LIF).
	wGain := 1 / math.Sqrt(c.KScale)
	for y := range 8 {
		n := c.popSize(y)
		lif := neuron(y)
		p := b.Population(popNames[y], n, lif).
			Receptor("syn", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: tauSynMs})
		// The DC (zero in Poisson mode at full K, then no stimulus at
		// all: the membrane loop reads no current).
		if dc := c.DC(y); dc != 0 {
			p.Stimulus(stimulus.Constant(float32(dc)))
		}
		if c.Poisson {
			k := math.Round(kExt[y] * c.KScale)
			p.Drive("syn", &stimulus.PoissonDrive{RateHz: bgRateHz * k, Weight: pspMeanMV * pscOverPSP() * wGain})
		}
	}
	for y := range 8 {
		for x := range 8 {
			k := c.synapseCount(y, x)
			if k == 0 {
				continue
			}
			// Each synapse has its own delay (the axon's is 0).
			b.Connect(projName(y, x), network.Connection{
				From: popNames[x], To: popNames[y], Receptor: "syn",
				Pattern:       connectivity.FixedTotal{N: k, Multapses: true},
				Autapses:      true,
				Weight:        c.weight(y, x),
				DelayMs:       delay(x),
				DelayRounding: axon.Nearest,
			})
		}
	}
	return b.BuildPart(part)
}
