package main

import (
	"math"
	"testing"
)

// The first volley arrives with the axonal latency only, input i
// teachAt − spacing·i ms before the target's spike; the misalignment then
// shrinks by the factor 1 − η per period (to the step), so that after 20
// periods (0.7^20·23 ms < dt/2) every input arrives at the target's spike.
func TestLatenciesAlign(t *testing.T) {
	res, err := run(20)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fired != 20 {
		t.Fatalf("target fired %d times in 20 periods, want once per period (the teacher's)", res.Fired)
	}
	for i := 0; i < inputs; i++ {
		if got, want := res.Offsets[0][i], -predicted(i); math.Abs(got-want) > 1e-9 {
			t.Errorf("input %d, first period: arrival − spike = %g ms, want %g", i, got, want)
		}
		// After p periods the misalignment is 0.7^p of the first, give
		// or take the rounding of one step per period.
		for p := 1; p < 20; p++ {
			want := -predicted(i) * math.Pow(1-eta, float64(p))
			if got := res.Offsets[p][i]; math.Abs(got-want) > float64(p)*dt {
				t.Errorf("input %d, period %d: arrival − spike = %g ms, want %g ± %g", i, p, got, want, float64(p)*dt)
			}
		}
		if got := res.Offsets[19][i]; math.Abs(got) > dt/2 {
			t.Errorf("input %d, last period: arrival − spike = %g ms, want 0", i, got)
		}
		if got, want := res.Latency[i], predicted(i); math.Abs(got-want) > dt/2 {
			t.Errorf("input %d: learnt latency %g ms, want %g", i, got, want)
		}
	}
}
