package response

import (
	"fmt"
	"math"

	"github.com/spiral-sim/spiral/param"
)

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
	l, ok := v.Len()
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
		out[e] = param.Widen(vals[e%l])
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
