package response

import (
	"fmt"
	"math"
	"strconv"

	"github.com/spiral-sim/spiral/param"
)

// stepTol is the tolerance used when a duration is converted into a whole
// number of steps: 1.5 ms / 0.1 ms is 14.999999999999998 in floating point
// and must count as 15 steps. A duration within stepTol steps below a
// multiple of dt counts as that multiple.
const stepTol = 1e-9

// arrayLen reports whether v is an array (param.Array) and its length.
func arrayLen(v param.Value) (int, bool) { return v.Len() }

// widen returns the float64 that a float32 parameter value most likely
// came from: the shortest decimal that rounds to x. param.Value.Expand
// hands out float32, and 0.7 as float32 is 0.69999999; divided by dt =
// 0.1 that would floor to 6 steps instead of 7.
func widen(x float32) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
	if err != nil {
		return float64(x)
	}
	return f
}

// broadcast expands a per-element parameter of a response function to n
// elements: a constant applies to all, an array of length L applies value
// e mod L to element e (L must divide n). Every value is checked (finite
// and each check). Errors name the kind and the field.
func broadcast(kind, name string, v param.Value, n int, checks ...param.Check) ([]float64, error) {
	if c, ok := v.IsConst(); ok {
		if _, err := v.Scalar(name, checks...); err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		out := make([]float64, n)
		for i := range out {
			out[i] = c
		}
		return out, nil
	}
	l, ok := arrayLen(v)
	if !ok {
		return nil, fmt.Errorf("%s: %s = %s: response parameters must be a constant or an array (draw a distribution into an array first)", kind, name, v)
	}
	if l == 0 || n%l != 0 {
		return nil, fmt.Errorf("%s: %s has %d values, which does not divide %d elements (give one value per element, or a repeating suffix such as one per terminal)", kind, name, l, n)
	}
	vals, err := v.Expand(name, l, nil, checks...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	out := make([]float64, n)
	for e := range out {
		out[e] = widen(vals[e%l])
	}
	return out, nil
}

// checkDt validates the time step.
func checkDt(kind string, dt float64) error {
	if !(dt > 0) || math.IsInf(dt, 0) {
		return fmt.Errorf("%s: dt = %g ms: must be > 0 and finite", kind, dt)
	}
	return nil
}

// checkN validates the number of elements.
func checkN(kind string, n int) error {
	if n <= 0 {
		return fmt.Errorf("%s: n = %d elements: must be > 0", kind, n)
	}
	return nil
}

// uniform32 returns the common value of xs, if all are equal.
func uniform32(xs []float32) (float32, bool) {
	if len(xs) == 0 || !param.Uniform32(xs) {
		return 0, false
	}
	return xs[0], true
}
