// Package param holds model parameters that may differ per neuron (or per
// terminal, or per synapse): a constant, an explicit array, or a
// distribution drawn deterministically from the run's random streams.
//
// A Value is a description; Expand turns it into one float32 per element
// and checks every element against a constraint, so a bad parameter is an
// error at build time that names the value, never a NaN later.
package param

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Value is a parameter: a constant (the zero Value is the constant 0), an
// array with one entry per element, or a distribution.
type Value struct {
	kind  kind
	c     float64
	arr   []float64
	dist  func(src rand.Source) distuv.Rander
	label string
	// family and args name a built-in distribution (Uniform, Normal) and
	// its parameters, so that the value can be written out as data
	// (Family); empty for Dist.
	family string
	args   []float64
	// bounded: draws outside [lo, hi] are redrawn (Within).
	bounded bool
	lo, hi  float64
}

// MaxRedraws bounds the redraws of one element of a bounded distribution
// (Within): a distribution that lies (almost) entirely outside its bounds
// is an error, not an endless loop.
const MaxRedraws = 1000

type kind uint8

const (
	kindConst kind = iota
	kindArray
	kindDist
)

// Const is the same value for every element.
func Const(x float64) Value { return Value{kind: kindConst, c: x} }

// Array gives one value per element; its length must equal the number of
// elements when expanded.
func Array(xs ...float64) Value { return Value{kind: kindArray, arr: xs} }

// Array32 is Array for float32 data.
func Array32(xs []float32) Value {
	a := make([]float64, len(xs))
	for i, x := range xs {
		a[i] = float64(x)
	}
	return Array(a...)
}

// Uniform draws every element independently from U[lo, hi): lo + (hi −
// lo)·u for u uniform in [0, 1), so that hi < lo draws from (hi, lo] (a
// model file asks for lo < hi). lo and hi must be finite (Expand reports
// them otherwise).
func Uniform(lo, hi float64) Value {
	return Value{kind: kindDist, label: fmt.Sprintf("uniform(%g, %g)", lo, hi), family: "uniform", args: []float64{lo, hi},
		dist: func(src rand.Source) distuv.Rander { return distuv.Uniform{Min: lo, Max: hi, Src: src} }}
}

// Normal draws every element independently from N(mean, sd²); mean must
// be finite and sd finite and >= 0 (Expand reports them otherwise).
func Normal(mean, sd float64) Value {
	return Value{kind: kindDist, label: fmt.Sprintf("normal(%g, %g)", mean, sd), family: "normal", args: []float64{mean, sd},
		dist: func(src rand.Source) distuv.Rander { return distuv.Normal{Mu: mean, Sigma: sd, Src: src} }}
}

// Dist draws every element from any gonum distribution; mk must build the
// distribution on the given source (so draws are reproducible).
func Dist(label string, mk func(src rand.Source) distuv.Rander) Value {
	return Value{kind: kindDist, dist: mk, label: label}
}

// Within bounds v to [lo, hi] (either may be infinite): a distribution
// redraws every element that falls outside, as NEST redraws a delay
// below its minimum (a truncated distribution); a constant or an array
// must lie within the bounds or Expand reports the element. The redraws
// come from the same source, right after the rejected draw, so the
// values stay a pure function of the source. lo and hi must not be NaN
// and lo must be <= hi (Expand reports it otherwise).
func (v Value) Within(lo, hi float64) Value {
	v.bounded, v.lo, v.hi = true, lo, hi
	if v.kind == kindDist {
		v.label += " within " + boundsString(lo, hi)
	}
	return v
}

// familyErr checks the arguments of a named family: uniform needs
// finite bounds, normal a finite mean and a finite sd >= 0.
func (v Value) familyErr() error {
	switch v.family {
	case "uniform":
		if lo, hi := v.args[0], v.args[1]; lo-lo != 0 || hi-hi != 0 {
			return fmt.Errorf("%s: want finite bounds", v.label)
		}
	case "normal":
		if m, sd := v.args[0], v.args[1]; !(sd >= 0) || math.IsInf(sd, 0) || math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("%s: want a finite mean and a finite sd >= 0", v.label)
		}
	}
	return nil
}

// Bounds returns the bounds of Within and whether v has them.
func (v Value) Bounds() (lo, hi float64, ok bool) { return v.lo, v.hi, v.bounded }

func boundsString(lo, hi float64) string {
	return fmt.Sprintf("[%g, %g]", lo, hi)
}

// Family returns the name and parameters of a built-in distribution —
// "uniform" with [lo, hi], "normal" with [mean, sd] — and whether v is one;
// a constant, an array or a Dist is not.
func (v Value) Family() (name string, args []float64, ok bool) {
	if v.family == "" {
		return "", nil, false
	}
	return v.family, append([]float64(nil), v.args...), true
}

// Elements returns a copy of an array value's elements (nil for others).
func (v Value) Elements() []float64 {
	if v.kind != kindArray {
		return nil
	}
	return append([]float64(nil), v.arr...)
}

// IsConst reports whether v is a constant, and its value.
func (v Value) IsConst() (float64, bool) { return v.c, v.kind == kindConst }

// Len returns the length of an array value, and whether v is an array.
func (v Value) Len() (int, bool) { return len(v.arr), v.kind == kindArray }

// String describes the value for error messages.
func (v Value) String() string {
	switch v.kind {
	case kindArray:
		return fmt.Sprintf("array[%d]", len(v.arr))
	case kindDist:
		return v.label
	}
	return fmt.Sprintf("%g", v.c)
}

// Check validates one element; it returns a description of what would be
// valid, or "" if x is fine.
type Check func(x float64) string

// Positive accepts x > 0.
func Positive(x float64) string {
	if !(x > 0) {
		return "must be > 0"
	}
	return ""
}

// NonNegative accepts x >= 0.
func NonNegative(x float64) string {
	if !(x >= 0) {
		return "must be >= 0"
	}
	return ""
}

// Probability accepts 0 <= x <= 1.
func Probability(x float64) string {
	if !(x >= 0 && x <= 1) {
		return "must lie in [0, 1]"
	}
	return ""
}

// Finite accepts any finite number.
func Finite(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "must be finite"
	}
	return ""
}

// Error is a parameter that failed its check.
type Error struct {
	Name  string // parameter name, e.g. "tau_ms"
	Index int    // element index, -1 for a constant
	Value float64
	Want  string
}

func (e *Error) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s = %g: %s", e.Name, e.Value, e.Want)
	}
	return fmt.Sprintf("%s[%d] = %g: %s", e.Name, e.Index, e.Value, e.Want)
}

// Expand returns n float32 values for v, drawing distributions from src
// (which may be nil only for constants and arrays), and checks each with
// every check (Finite is always applied). name labels errors.
func (v Value) Expand(name string, n int, src rand.Source, checks ...Check) ([]float32, error) {
	out := make([]float32, n)
	if err := v.ExpandInto(out, name, src, checks...); err != nil {
		return nil, err
	}
	return out, nil
}

// ExpandInto is Expand writing the len(out) values into out instead of a
// new slice, for callers that fill part of a larger array (the weights of
// one row of a projection). The values are those Expand returns. On an
// error out holds the values before the bad one and garbage after it.
func (v Value) ExpandInto(out []float32, name string, src rand.Source, checks ...Check) error {
	if v.bounded && (math.IsNaN(v.lo) || math.IsNaN(v.hi) || v.lo > v.hi) {
		return fmt.Errorf("%s: bounds %s: want min <= max, neither NaN", name, boundsString(v.lo, v.hi))
	}
	check := func(i int, x float64) error {
		if w := Finite(x); w != "" {
			return &Error{Name: name, Index: i, Value: x, Want: w}
		}
		if v.bounded && v.kind != kindDist && (x < v.lo || x > v.hi) {
			return &Error{Name: name, Index: i, Value: x, Want: "must lie within " + boundsString(v.lo, v.hi)}
		}
		for _, c := range checks {
			if w := c(x); w != "" {
				return &Error{Name: name, Index: i, Value: x, Want: w}
			}
		}
		return nil
	}
	switch v.kind {
	case kindConst:
		if err := check(-1, v.c); err != nil {
			return err
		}
		for i := range out {
			out[i] = float32(v.c)
		}
	case kindArray:
		if len(v.arr) != len(out) {
			return fmt.Errorf("%s: array has %d values, want %d (one per element)", name, len(v.arr), len(out))
		}
		for i, x := range v.arr {
			if err := check(i, x); err != nil {
				return err
			}
			out[i] = float32(x)
		}
	case kindDist:
		if src == nil {
			return fmt.Errorf("%s: distribution %s needs a random source", name, v.label)
		}
		if err := v.familyErr(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		d := v.dist(src)
		for i := range out {
			x := d.Rand()
			for try := 0; v.bounded && !(x >= v.lo && x <= v.hi); try++ {
				if try == MaxRedraws {
					return fmt.Errorf("%s drawn from %s: %d draws in a row outside the bounds: the distribution lies (almost) entirely outside them", name, v.label, MaxRedraws)
				}
				x = d.Rand()
			}
			// x-x is 0 for a finite x, NaN for an infinite or NaN one: the
			// common case costs no call.
			if x-x != 0 || len(checks) > 0 {
				if err := check(i, x); err != nil {
					return fmt.Errorf("%s drawn from %s: %w", name, v.label, err)
				}
			}
			out[i] = float32(x)
		}
	}
	return nil
}

// Scalar returns the constant value, checked, or an error if v is not a
// constant (for parameters that must be the same for all elements).
func (v Value) Scalar(name string, checks ...Check) (float64, error) {
	if v.kind != kindConst {
		return 0, fmt.Errorf("%s = %s: must be a single number", name, v)
	}
	if w := Finite(v.c); w != "" {
		return 0, &Error{Name: name, Index: -1, Value: v.c, Want: w}
	}
	if v.bounded && !(v.c >= v.lo && v.c <= v.hi) {
		return 0, &Error{Name: name, Index: -1, Value: v.c, Want: "must lie within " + boundsString(v.lo, v.hi)}
	}
	for _, c := range checks {
		if w := c(v.c); w != "" {
			return 0, &Error{Name: name, Index: -1, Value: v.c, Want: w}
		}
	}
	return v.c, nil
}

// Uniform32 reports whether all elements of xs are equal.
func Uniform32(xs []float32) bool {
	for _, x := range xs {
		if x != xs[0] {
			return false
		}
	}
	return true
}
