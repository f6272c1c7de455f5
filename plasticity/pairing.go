package plasticity

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/response"
)

// Pairing says which earlier spikes a trace remembers, and so which pairs
// of spikes interact in a trace rule (STDP, Triplet).
type Pairing uint8

const (
	// AllToAll: a spike adds its value to the trace (r ← x + a·r), so
	// every earlier spike counts, each decayed by its own age. The
	// default.
	AllToAll Pairing = iota
	// Nearest: a spike resets the trace to its value (r ← x) instead of
	// adding to it, so only the nearest earlier spike counts (Morrison,
	// Diesmann & Gerstner 2008, "symmetric nearest-spike" pairing: a
	// postsynaptic spike pairs with the last presynaptic spike before it,
	// a presynaptic spike with the last postsynaptic spike before it).
	// Both traces are reset this way. For STDP it needs leaky tags (see
	// STDP.Pairing).
	Nearest
)

// String returns "all-to-all" or "nearest".
func (p Pairing) String() string {
	switch p {
	case AllToAll:
		return "all-to-all"
	case Nearest:
		return "nearest"
	}
	return fmt.Sprintf("Pairing(%d)", uint8(p))
}

// check reports an unknown pairing.
func (p Pairing) check(name string) error {
	if p != AllToAll && p != Nearest {
		return fmt.Errorf("%s: Pairing = %d: must be AllToAll (%d) or Nearest (%d)", name, uint8(p), uint8(AllToAll), uint8(Nearest))
	}
	return nil
}

// newPairedTag builds the tag s for n elements under the pairing: the
// tag itself for all-to-all, a nearest-spike trace with the same decay
// for nearest (leaky tags only).
func newPairedTag(s response.Spec, pairing Pairing, n int, dt float64) (response.Function, error) {
	if pairing == AllToAll {
		return newTag(s, n, dt)
	}
	switch s.(type) {
	case response.Leaky, *response.Leaky:
	default:
		return nil, fmt.Errorf("nearest pairing needs a leaky tag (response.Leaky), got %s: the trace is reset to the spike's value at each spike, which is defined only for an exponential trace; use a leaky tag or Pairing: AllToAll", s.Kind())
	}
	f, err := newTag(s, n, dt)
	if err != nil {
		return nil, err
	}
	// The per-step decay factor of every element, exactly as the leaky
	// function computes it: its response one step after a unit impulse.
	one := make([]float32, n)
	for e := range one {
		one[e] = 1
	}
	r := make([]float32, n)
	f.Step(one, r)
	f.Step(make([]float32, n), r)
	t := &nearestTrace{a: r, s: make([]float32, n)}
	t.a0 = r[0]
	t.uniform = true
	for _, a := range r {
		if a != t.a0 {
			t.uniform = false
			break
		}
	}
	return t, nil
}

// nearestTrace is a leaky trace reset at every non-zero input:
// r_n = x_n if x_n ≠ 0, a·r_{n−1} otherwise.
type nearestTrace struct {
	a       []float32 `state:"-"` // decay factor per element
	a0      float32   `state:"-"`
	uniform bool      `state:"-"`
	s       []float32 `state:"elements"`
	// before, when not nil, receives a·r_{n−1} (the trace just before the
	// reset) at every element reset this step. STDP.PreFirst reads it.
	before []float32 `state:"-"`
}

// Step implements response.Function.
func (t *nearestTrace) Step(x, r []float32) {
	s := t.s
	n := len(s)
	x, r = x[:n], r[:n]
	if t.before != nil {
		for e, v := range x {
			if v != 0 {
				t.before[e] = float32(t.a[e] * s[e])
			}
		}
	}
	if t.uniform {
		a := t.a0
		for e, v := range x {
			d := float32(a * s[e]) // no FMA fusion: the same result on every CPU
			if v != 0 {
				d = v
			}
			s[e] = d
			r[e] = d
		}
		return
	}
	a := t.a[:n]
	for e, v := range x {
		d := float32(a[e] * s[e])
		if v != 0 {
			d = v
		}
		s[e] = d
		r[e] = d
	}
}

func (t *nearestTrace) Reset()           { clear(t.s) }
func (t *nearestTrace) Len() int         { return len(t.s) }
func (t *nearestTrace) Memoryless() bool { return false }

// decay returns the per-step factor of a leaky trace with time constant
// tau (ms): 1 − dt/τ, or e^{−dt/τ} when exact.
func decay(tau, dt float64, exact bool) float32 {
	if exact {
		return float32(math.Exp(-dt / tau))
	}
	return float32(1 - dt/tau)
}

// checkTraceTau checks the time constant of a trace: > 0 and finite, and
// at least dt unless the exact factor e^{−dt/τ} is used.
func checkTraceTau(what, field string, tau, dt float64, exact bool) error {
	if exact {
		if !(tau > 0) || math.IsInf(tau, 0) {
			return fmt.Errorf("%s: %s = %g ms: must be > 0 and finite", what, field, tau)
		}
		return nil
	}
	err := checkTau(what, field, tau, dt)
	if err != nil && tau > 0 && tau < dt {
		return fmt.Errorf("%w; or set Exact for the factor e^{−dt/τ}", err)
	}
	return err
}

// stepTrace advances a trace of uniform decay a with input x: r ← x + a·r
// (all-to-all) or r ← x where x ≠ 0 and a·r elsewhere (nearest).
func stepTrace(r, x []float32, a float32, nearest bool) {
	x = x[:len(r)]
	if nearest {
		for e, v := range x {
			d := float32(a * r[e])
			if v != 0 {
				d = v
			}
			r[e] = d
		}
		return
	}
	for e, v := range x {
		r[e] = v + float32(a*r[e])
	}
}
