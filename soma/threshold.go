package soma

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/param"
)

// Products that feed a sum are converted to their own type, as in
// x + float32(k*(e-x)): the conversion rounds the product, so arm64 cannot
// fuse it into a multiply-add and computes the bits amd64 does
// (docs/model-core.md, "Across machines"; .ci/run checks it).

// AdaptiveThreshold is a spike-triggered threshold adaptation (threshold
// homeostasis) for the integrate-and-fire family, as in Diehl & Cook
// (2015) and the "threshold adaptation" of the Allen Institute's GLIF
// models (Teeter et al. 2018): the neuron fires on u > θ + θa, where the
// adaptation θa jumps by Δθ at every spike of the neuron and decays to 0
// with τθ.
//
// One step n, with s_{n−1} = 1 if the neuron fired at step n−1:
//
//	θa_n = (θa_{n−1} + Δθ·s_{n−1})·d        d = 1 − dt/τθ (Euler), e^{−dt/τθ} (Exact)
//	s_n  = u_n > θ + θa_n                   (u_n ≥ θ + θa_n with FireAtThreshold)
//
// The jump is applied with the reset, at the start of the step after the
// spike (so SetFired decides which spikes raise the threshold), and the
// step's decay then applies to it, as the step's integration applies to
// the reset potential; the threshold tested at that step is therefore
// θ + (θa + Δθ)·d. This is Brian's order, the simulator of Diehl & Cook's
// model (the reset adds Δθ, the next step's state update decays θ, then
// the threshold is tested). Between spikes θa_{n+k} = θa_n·d^k. θa keeps decaying while the
// neuron is refractory, and starts at 0 (Reset restores 0).
//
// The decay factor follows the family: Euler's 1 − dt/τθ, like the leak
// and the adaptation current, or the exact e^{−dt/τθ} when Exact is set or
// the IF uses Exact integration. With Euler τθ must be ≥ dt (a smaller τθ
// would make d negative). θa is kept in float64: thresholds adapt on time
// scales (Diehl & Cook: τθ = 10⁷ ms) whose per-step factor 1 − dt/τθ is 1
// in float32. Var("theta") is a float32 view of θa (mV), refreshed at
// every step; a value written into it is taken as the new θa at the next
// step.
type AdaptiveThreshold struct {
	DeltaMV param.Value // Δθ, the jump of the threshold at each spike, mV (>= 0)
	TauMs   param.Value // τθ, the decay time constant, ms (> 0)
	Exact   bool        // decay by e^{−dt/τθ} rather than 1 − dt/τθ
}

// DiehlCookThreshold returns the adaptive threshold of Diehl & Cook
// (2015)'s excitatory neurons: Δθ = 0.05 mV, τθ = 10⁷ ms, exact decay (as
// Brian integrates a linear equation).
func DiehlCookThreshold() AdaptiveThreshold {
	return AdaptiveThreshold{DeltaMV: param.Const(0.05), TauMs: param.Const(1e7), Exact: true}
}

// thresholdState is the built adaptive threshold of an ifModel. It keeps
// the model's threshold test values th at θ + θa (or the float32 just
// below it with FireAtThreshold), which the stepping loops read.
type thresholdState struct {
	base   []float32 `state:"-"`        // θ
	delta  []float64 `state:"-"`        // Δθ
	decay  []float64 `state:"-"`        // d
	a      []float64 `state:"elements"` // the adaptation θa
	view   []float32 `state:"elements"` // float32(θa), Var("theta")
	fireAt bool      `state:"-"`
}

// build expands the parameters (per neuron, shared by the copies) and
// returns the state with θa = 0. th is θ per element.
func (s AdaptiveThreshold) build(b *builder, th []float32, fireAt, exact bool) *thresholdState {
	delta := b.per("theta_delta_mV", s.DeltaMV, param.NonNegative)
	tau := b.per("tau_theta_ms", s.TauMs, param.Positive)
	if b.err != nil {
		return nil
	}
	n := len(th)
	t := &thresholdState{base: th, fireAt: fireAt,
		delta: make([]float64, n), decay: make([]float64, n), a: make([]float64, n), view: make([]float32, n)}
	dt := b.env.Dt
	for i := range t.decay {
		tt := param.Widen(tau[i])
		t.delta[i] = param.Widen(delta[i])
		if s.Exact || exact {
			t.decay[i] = math.Exp(-dt / tt)
			continue
		}
		if tt < dt {
			idx := ""
			if !param.Uniform32(tau[:b.env.N]) {
				idx = fmt.Sprintf("[%d]", i%b.env.N)
			}
			b.fail("tau_theta_ms%s = %g < dt = %g ms: the Euler factor 1 − dt/τθ would be negative; use a larger tau_theta_ms or Exact", idx, tt, dt)
			return nil
		}
		t.decay[i] = 1 - dt/tt
	}
	return t
}

// spiked adds Δθ to θa for the elements that fired at the last step.
func (t *thresholdState) spiked(last []uint32) {
	a, view, delta := t.a, t.view, t.delta
	for _, i := range last {
		if view[i] != float32(a[i]) { // written through Var
			a[i] = float64(view[i])
		}
		a[i] += delta[i]
		view[i] = float32(a[i])
	}
}

// advance decays θa over the step and writes the threshold test values
// θ + θa into th.
func (t *thresholdState) advance(th []float32) {
	n := len(t.a)
	a, view, decay, base := t.a, t.view[:n], t.decay[:n], t.base[:n]
	th = th[:n]
	for i := range a {
		x := a[i]
		if view[i] != float32(x) { // written through Var
			x = float64(view[i])
		}
		x = float64(x * decay[i])
		a[i] = x
		view[i] = float32(x)
		th[i] = float32(float64(base[i]) + x)
	}
	if t.fireAt {
		for i, x := range th {
			th[i] = below(x)
		}
	}
}

// reset sets θa to 0 and th to the base threshold.
func (t *thresholdState) reset(th []float32) {
	clear(t.a)
	clear(t.view)
	for i, x := range t.base {
		if t.fireAt {
			x = below(x)
		}
		th[i] = x
	}
}

// split returns the state of elements [lo, hi), sharing memory with t;
// nil for nil.
func (t *thresholdState) split(lo, hi int) *thresholdState {
	if t == nil {
		return nil
	}
	return &thresholdState{base: sub(t.base, lo, hi), delta: sub64(t.delta, lo, hi), decay: sub64(t.decay, lo, hi),
		a: sub64(t.a, lo, hi), view: sub(t.view, lo, hi), fireAt: t.fireAt}
}

func sub64(x []float64, lo, hi int) []float64 {
	if x == nil {
		return nil
	}
	return x[lo:hi:hi]
}
