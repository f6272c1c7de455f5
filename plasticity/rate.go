package plasticity

import (
	"fmt"
	"math"
)

// Rate is a learning rate bound to one use in one rule (its state, if any,
// is its own). The rule evaluates it per synapse with At during a step and
// calls Advance once at the end of every step, learning on or off.
type Rate interface {
	// At returns the rate of this step for a synapse of weight w, with
	// the projection's bounds [wmin, wmax].
	At(w, wmin, wmax float32) float32
	// Uniform returns the rate of this step and true when it is the same
	// for every synapse (it does not depend on w); rules then skip the
	// per-synapse evaluation.
	Uniform() (eta float32, ok bool)
	// Advance moves to the next step.
	Advance()
	// Reset returns to the state after New.
	Reset()
}

// RateSpec describes a learning rate; New builds it for time step dt (ms).
type RateSpec interface {
	Kind() string
	New(dt float64) (Rate, error)
}

// BoundsChecker is implemented by rate specs that are defined only for
// some weight bounds (SoftBoundRate needs finite ones, UpperBoundRate a
// finite Wmax, LowerBoundRate a finite Wmin). A rule that takes a
// RateSpec calls CheckBounds with its projection's bounds when it binds the
// rate, and fails to bind on an error.
type BoundsChecker interface {
	CheckBounds(wmin, wmax float32) error
}

// ConstRate is a constant rate η.
//
// A negative η is allowed: it reverses the sign of the term it scales
// (anti-Hebbian STDP, for example).
type ConstRate struct {
	Eta float64
}

// Kind returns "const".
func (ConstRate) Kind() string { return "const" }

// New builds the rate.
func (s ConstRate) New(dt float64) (Rate, error) {
	if err := checkEta(s.Kind(), "Eta", s.Eta); err != nil {
		return nil, err
	}
	return &constRate{eta: float32(s.Eta)}, nil
}

type constRate struct {
	eta float32 `state:"-"`
}

func (r *constRate) At(_, _, _ float32) float32 { return r.eta }
func (r *constRate) Uniform() (float32, bool)   { return r.eta, true }
func (r *constRate) Advance()                   {}
func (r *constRate) Reset()                     {}

// SoftBoundRate is the weight-dependent rate η·(wmax − w)·(w − wmin): zero
// at both bounds, largest, η·((wmax − wmin)/2)², at the midpoint. Weights
// slow down as they approach a bound and a weight sitting exactly on a
// bound no longer changes through this rate. (The reference's
// WeightDependentRate, with the bounds the right way round.)
type SoftBoundRate struct {
	Eta float64
}

// Kind returns "soft-bound".
func (SoftBoundRate) Kind() string { return "soft-bound" }

// CheckBounds implements BoundsChecker: both bounds must be finite. With an
// infinite bound the rate is infinite away from it and Inf·0 = NaN on the
// other bound, so the weights would turn NaN.
func (s SoftBoundRate) CheckBounds(wmin, wmax float32) error {
	if math.IsInf(float64(wmin), 0) || math.IsInf(float64(wmax), 0) {
		return fmt.Errorf("%s rate η·(wmax − w)·(w − wmin) needs finite weight bounds, the projection has [%g, %g] (an infinite bound makes it Inf or Inf·0 = NaN); give finite Wmin and Wmax or use a constant rate",
			s.Kind(), wmin, wmax)
	}
	return nil
}

// New builds the rate.
func (s SoftBoundRate) New(dt float64) (Rate, error) {
	if err := checkEta(s.Kind(), "Eta", s.Eta); err != nil {
		return nil, err
	}
	return &softBoundRate{eta: float32(s.Eta)}, nil
}

type softBoundRate struct {
	eta float32 `state:"-"`
}

func (r *softBoundRate) At(w, wmin, wmax float32) float32 { return r.eta * (wmax - w) * (w - wmin) }
func (r *softBoundRate) Uniform() (float32, bool)         { return 0, false }
func (r *softBoundRate) Advance()                         {}
func (r *softBoundRate) Reset()                           {}

// DescendingRate decays once per step: η_k = η0·(1 − dt/τ)^k at the k-th
// step since New or Reset (k = 0, 1, ...), the same for every synapse.
// Tau must be at least dt. (The reference's DescendingSynapticPlasticityRate;
// its default τ is 1000 ms.)
type DescendingRate struct {
	Eta0  float64
	TauMs float64 // ms
}

// Kind returns "descending".
func (DescendingRate) Kind() string { return "descending" }

// New builds the rate.
func (s DescendingRate) New(dt float64) (Rate, error) {
	if err := checkEta(s.Kind(), "Eta0", s.Eta0); err != nil {
		return nil, err
	}
	if err := checkTau(s.Kind()+" rate", "Tau", s.TauMs, dt); err != nil {
		return nil, err
	}
	r := &descendingRate{eta0: s.Eta0, f: 1 - dt/s.TauMs}
	r.Reset()
	return r, nil
}

type descendingRate struct {
	eta0, f float64 `state:"-"`
	k       int64   `state:"shared"` // steps since New or Reset
	eta     float32 `state:"shared"` // η_k
}

func (r *descendingRate) At(_, _, _ float32) float32 { return r.eta }
func (r *descendingRate) Uniform() (float32, bool)   { return r.eta, true }
func (r *descendingRate) Advance() {
	r.k++
	r.eta = float32(r.eta0 * math.Pow(r.f, float64(r.k)))
}
func (r *descendingRate) Reset() { r.k = 0; r.eta = float32(r.eta0) }

func checkEta(kind, field string, eta float64) error {
	if math.IsNaN(eta) || math.IsInf(eta, 0) {
		return fmt.Errorf("%s rate: %s = %g: must be finite", kind, field, eta)
	}
	return nil
}

// checkTau checks a time constant used as a per-step factor 1 − dt/τ,
// which must lie in [0, 1).
func checkTau(what, field string, tau, dt float64) error {
	if !(tau > 0) || math.IsInf(tau, 0) {
		return fmt.Errorf("%s: %s = %g ms: must be > 0 and finite", what, field, tau)
	}
	if tau < dt {
		return fmt.Errorf("%s: %s = %g ms is shorter than dt = %g ms (the per-step factor 1 − dt/τ would be negative)", what, field, tau, dt)
	}
	return nil
}

// rateEval evaluates a Rate for one step without an interface call per
// synapse for the rates of this package.
type rateEval struct {
	mode   uint8 // rateUniform, rateSoft, rateUpper, rateLower, rateOther
	eta    float32
	lo, hi float32
	r      Rate
}

const (
	rateUniform = iota
	rateSoft
	rateUpper // η·(hi − w)
	rateLower // η·(w − lo)
	rateOther
)

func (e *rateEval) prepare(r Rate, lo, hi float32) {
	e.r, e.lo, e.hi = r, lo, hi
	if eta, ok := r.Uniform(); ok {
		e.mode, e.eta = rateUniform, eta
		return
	}
	switch s := r.(type) {
	case *softBoundRate:
		e.mode, e.eta = rateSoft, s.eta
		return
	case *upperBoundRate:
		e.mode, e.eta = rateUpper, s.eta
		return
	case *lowerBoundRate:
		e.mode, e.eta = rateLower, s.eta
		return
	}
	e.mode = rateOther
}

// zero reports whether the rate is zero for every synapse this step.
func (e *rateEval) zero() bool { return e.mode != rateOther && e.eta == 0 }

func (e *rateEval) at(w float32) float32 {
	switch e.mode {
	case rateUniform:
		return e.eta
	case rateSoft:
		return e.eta * (e.hi - w) * (w - e.lo)
	case rateUpper:
		return e.eta * (e.hi - w)
	case rateLower:
		return e.eta * (w - e.lo)
	}
	return e.r.At(w, e.lo, e.hi)
}
