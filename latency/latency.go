package latency

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/synapse"
)

// Synapses is what a rule is bound to: the synapses of one projection
// (their structure; weights are not read), the time step, and the learnt
// latencies it changes.
type Synapses struct {
	Syn *synapse.CSR `state:"-"`
	Dt  float64      `state:"-"` // ms
	// L is the learnt latency of each synapse in steps (CSR order), a
	// continuous value in [0, Max]; the rule changes it in place and the
	// projection delays synapse k by round(L[k]) steps.
	L   []float32 `state:"-"`
	Max int       `state:"-"` // largest learnt latency, steps
}

// Validate checks the fields.
func (s Synapses) Validate() error {
	switch {
	case s.Syn == nil:
		return fmt.Errorf("latency: no synapses (nil CSR)")
	case !(s.Dt > 0) || math.IsInf(s.Dt, 0):
		return fmt.Errorf("latency: dt = %g ms: must be > 0 and finite", s.Dt)
	case len(s.L) != s.Syn.Len():
		return fmt.Errorf("latency: %d learnt latencies for %d synapses: need one per synapse", len(s.L), s.Syn.Len())
	case s.Max < 0:
		return fmt.Errorf("latency: largest learnt latency = %d steps: must be ≥ 0", s.Max)
	}
	for k, l := range s.L {
		if !(l >= 0 && l <= float32(s.Max)) {
			return fmt.Errorf("latency: synapse %d: learnt latency %g steps outside [0, %d]", k, l, s.Max)
		}
	}
	return nil
}

// Spec describes a latency rule. A Spec is a value that may be bound to
// many projections; every Rule it returns owns its own state.
type Spec interface {
	Kind() string
	// Initial is the learnt latency of every synapse at the start, in
	// ms: a constant, an array with one value per synapse (CSR order), or
	// a distribution (one draw per synapse).
	Initial() param.Value
	// MaxMs is the largest learnt latency, in ms.
	MaxMs() float64
	// New binds the rule to a projection's synapses.
	New(s Synapses) (Rule, error)
}

// Rule is a latency rule bound to one projection. The projection calls
// Schedule as it hands each synapse's input to the target, and Step once
// per step after the target population stepped.
type Rule interface {
	// Schedule records that synapse k's input reaches its target neuron
	// at step (after both the axonal and the learnt latency).
	Schedule(k uint32, step int64)
	// Step runs after the target stepped at step: fired lists the
	// target's spikes of step − 1 (as plasticity rules see them), and the
	// arrivals scheduled for step have been delivered. With learn false
	// the rule keeps track of spikes and arrivals but leaves L unchanged.
	Step(step int64, fired []uint32, learn bool)
	// Reset forgets spikes and arrivals; L is kept (learning continues
	// from the current latencies, as weights do).
	Reset()
}

// Steps returns the learnt latency, in whole steps, that a continuous
// latency l (steps, ≥ 0) delays by: l rounded to the nearest step.
func Steps(l float32) uint32 { return uint32(l + 0.5) }

// Init draws the initial learnt latencies of n synapses for s, in steps at
// time step dt, and the largest learnt latency in steps. Draws come from
// src (a distribution draws once per synapse, in CSR order).
func Init(s Spec, n int, dt float64, src rand.Source) (l []float32, max int, err error) {
	maxMs := s.MaxMs()
	if !(maxMs >= 0) || math.IsInf(maxMs, 0) {
		return nil, 0, fmt.Errorf("latency %s: max = %g ms: must be ≥ 0 and finite", s.Kind(), maxMs)
	}
	max = param.Steps(maxMs, dt)
	if max > math.MaxUint16 {
		return nil, 0, fmt.Errorf("latency %s: max = %g ms is %d steps: at most %d steps", s.Kind(), maxMs, max, math.MaxUint16)
	}
	ms, err := s.Initial().Expand("initial latency (ms)", n, src)
	if err != nil {
		return nil, 0, fmt.Errorf("latency %s: %w", s.Kind(), err)
	}
	for k, v := range ms {
		if !(v >= 0 && float64(v) <= maxMs) {
			return nil, 0, fmt.Errorf("latency %s: synapse %d: initial latency %g ms outside [0, max = %g ms]", s.Kind(), k, v, maxMs)
		}
		ms[k] = float32(float64(v) / dt)
	}
	return ms, max, nil
}
