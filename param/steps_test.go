package param

import (
	"math"
	"testing"
)

func TestSteps(t *testing.T) {
	cases := []struct {
		ms, dt float64
		want   int
	}{
		{0, 0.1, 0},
		{1.5, 0.1, 15}, // 14.999999999999998 in floating point
		{0.7, 0.1, 7},  // 6.999999999999999
		{1.49, 0.1, 14},
		{6553.6, 0.1, 65536},
		{2.9, 1, 2},
		{1e300, 1, math.MaxInt},
		{-1e300, 1, math.MinInt},
		{math.NaN(), 1, 0},
		{math.Inf(1), 1, math.MaxInt},
	}
	for _, c := range cases {
		if got := Steps(c.ms, c.dt); got != c.want {
			t.Errorf("Steps(%g, %g) = %d, want %d", c.ms, c.dt, got, c.want)
		}
	}
}

func TestRoundSteps(t *testing.T) {
	cases := []struct {
		ms, dt float64
		want   int
	}{
		{0, 1, 0},
		{0.25, 0.1, 3}, // 2.4999999999999996: a half, rounds up
		{0.24, 0.1, 2},
		{0.35, 0.1, 4}, // 3.4999999999999996
		{1.5, 1, 2},
		{2.5, 1, 3}, // half up, not to even
		{2.49, 1, 2},
		{-0.5, 1, 0}, // half up, not away from zero
		{1e300, 1, math.MaxInt},
	}
	for _, c := range cases {
		if got := RoundSteps(c.ms, c.dt); got != c.want {
			t.Errorf("RoundSteps(%g, %g) = %d, want %d", c.ms, c.dt, got, c.want)
		}
	}
}

func TestStepsRel(t *testing.T) {
	cases := []struct {
		ms, dt float64
		want   int
	}{
		{0.3, 0.1, 3}, // 2.9999999999999996
		{1, 1, 1},
		{0.99999, 1, 0},
		{25, 10, 2},
		{1e300, 1, math.MaxInt},
	}
	for _, c := range cases {
		if got := StepsRel(c.ms, c.dt); got != c.want {
			t.Errorf("StepsRel(%g, %g) = %d, want %d", c.ms, c.dt, got, c.want)
		}
	}
}

func TestWiden(t *testing.T) {
	if got := Widen(float32(0.7)); got != 0.7 {
		t.Errorf("Widen(float32(0.7)) = %.17g, want 0.7", got)
	}
	if got := Widen(float32(1) / 3); got != 0.33333334 {
		t.Errorf("Widen(1/3) = %.17g, want 0.33333334", got)
	}
	if got := Widen(float32(math.Inf(-1))); !math.IsInf(got, -1) {
		t.Errorf("Widen(-Inf) = %g", got)
	}
	// Widened, 0.7 ms at 0.1 ms is 7 steps; unwidened, 6.
	if got := Steps(Widen(0.7), 0.1); got != 7 {
		t.Errorf("Steps(Widen(0.7), 0.1) = %d, want 7", got)
	}
	if got := Steps(float64(float32(0.7)), 0.1); got != 6 {
		t.Errorf("float32 0.7 unwidened gives %d steps; the test premise is wrong", got)
	}
}
