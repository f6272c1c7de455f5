package param

import (
	"math"
	"strconv"
)

// StepTol is the tolerance of the conversions of a duration to steps
// (Steps, RoundSteps): a quotient ms/dt within StepTol below an integer
// (or, for RoundSteps, below a half) counts as reaching it. 1.5 ms / 0.1 ms
// is 14.999999999999998 in floating point and must count as 15 steps.
const StepTol = 1e-9

// Steps converts a duration of ms milliseconds into whole steps of dt ms,
// rounding down: floor(ms/dt + StepTol). It is the project's rule for
// delays (axon.DelaySteps) and floor-style windows (the reference's
// LimitedFlat window is Steps + 1). 1.5 ms at dt = 0.1 ms is 15 steps.
//
// Callers validate ms and dt first. A quotient beyond the range of int
// saturates at math.MaxInt or math.MinInt, and NaN gives 0, so the result
// can be compared against a limit without overflow.
func Steps(ms, dt float64) int {
	return floorInt(ms/dt + StepTol)
}

// RoundSteps converts a duration of ms milliseconds into the nearest whole
// number of steps of dt ms, halves rounding up: floor(ms/dt + 0.5 +
// StepTol). 0.25 ms at dt = 0.1 ms (2.4999999999999996 in floating point)
// is 3 steps. Saturation as for Steps.
func RoundSteps(ms, dt float64) int {
	return floorInt(ms/dt + 0.5 + StepTol)
}

// StepsRel converts a duration of ms milliseconds into whole steps of dt
// ms with a relative tolerance: floor(ms/dt·(1 + 1e-9)) (the encoders'
// coding windows and the k-WTA window; 0.3 ms at dt = 0.1 ms is 3 steps).
// Saturation as for Steps.
func StepsRel(ms, dt float64) int {
	return floorInt(ms / dt * (1 + 1e-9))
}

// floorInt returns floor(q) as an int, saturating outside the range of int
// and giving 0 for NaN.
func floorInt(q float64) int {
	f := math.Floor(q)
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt: // the float64 2^63 (or 2^31): out of range
		return math.MaxInt
	case f < math.MinInt:
		return math.MinInt
	}
	return int(f)
}

// Widen returns the float64 that a float32 parameter value most likely
// came from: the shortest decimal that rounds to x. Value.Expand hands out
// float32, and 0.7 as float32 is 0.69999999; divided by dt = 0.1 ms that
// would floor to 6 steps instead of 7. Widen it before converting it to
// steps.
func Widen(x float32) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
	if err != nil {
		return float64(x)
	}
	return f
}
