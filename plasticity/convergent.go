package plasticity

import (
	"fmt"
	"math"
)

// Convergent relaxes every weight toward C with time constant Tau,
// whatever the activity: Δw = −(w − C)·dt/τ each step, so that
// w_n − C = (w_0 − C)·(1 − dt/τ)^n while nothing else acts. C = 0 is plain
// weight decay. Tau must be at least dt. (The reference's
// ConvergentSynapticPlasticity; its defaults are τ = 250 ms, C = 0.)
type Convergent struct {
	TauMs float64 // ms
	C     float64 // the weight every synapse converges to
}

// Kind returns "convergent".
func (Convergent) Kind() string { return "convergent" }

// New binds the rule to p.
func (s Convergent) New(p *Synapses) (Rule, error) {
	const name = "plasticity: convergent"
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkTau(name, "Tau", s.TauMs, p.Dt); err != nil {
		return nil, err
	}
	if math.IsNaN(s.C) || math.IsInf(s.C, 0) {
		return nil, fmt.Errorf("%s: C = %g: must be finite", name, s.C)
	}
	return &convergentRule{w: p.Syn.W, a: float32(p.Dt / s.TauMs), c: float32(s.C)}, nil
}

type convergentRule struct {
	w    []float32 `state:"-"`
	a, c float32   `state:"-"` // dt/τ, target
}

// Step implements Rule: a dense update of every synapse.
func (r *convergentRule) Step(_ *StepData, acc *Delta) {
	acc.Dense = true
	dw := acc.DW[:len(r.w)]
	a, c := r.a, r.c
	for k, w := range r.w {
		dw[k] += float32((c - w) * a) // no FMA fusion: the same result on every CPU
	}
}

// Reset implements Rule (the rule has no state).
func (r *convergentRule) Reset() {}
