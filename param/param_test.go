package param

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/rng"
)

func TestExpandConstAndArray(t *testing.T) {
	c, err := Const(2.5).Expand("tau_ms", 3, nil, Positive)
	if err != nil || len(c) != 3 || c[0] != 2.5 || c[2] != 2.5 {
		t.Fatalf("const: %v, %v", c, err)
	}
	a, err := Array(1, 2, 3).Expand("x", 3, nil)
	if err != nil || a[1] != 2 {
		t.Fatalf("array: %v, %v", a, err)
	}
	if n, ok := Array(1, 2).Len(); !ok || n != 2 {
		t.Errorf("Len of an array = %d, %v", n, ok)
	}
	if _, ok := Const(1).Len(); ok {
		t.Error("a constant claims to be an array")
	}
}

func TestExpandErrorsNameTheValue(t *testing.T) {
	cases := []struct {
		v     Value
		check Check
		want  string
	}{
		{Const(-3), Positive, "tau_ms = -3: must be > 0"},
		{Array(1, -1, 2), NonNegative, "tau_ms[1] = -1: must be >= 0"},
		{Array(0.5, 1.5), Probability, "tau_ms[1] = 1.5: must lie in [0, 1]"},
		{Const(math.NaN()), nil, "must be finite"},
		{Array(1, 2), nil, "array has 2 values, want 3"},
		{Normal(0, 1), nil, "needs a random source"},
	}
	for _, c := range cases {
		var checks []Check
		if c.check != nil {
			checks = append(checks, c.check)
		}
		n := 3
		if _, ok := c.v.Len(); ok && c.want != "array has 2 values, want 3" {
			n, _ = c.v.Len()
		}
		_, err := c.v.Expand("tau_ms", n, nil, checks...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", c.v, err, c.want)
		}
	}
	var pe *Error
	_, err := Const(-1).Expand("r", 1, nil, Positive)
	if !errors.As(err, &pe) || pe.Name != "r" || pe.Value != -1 || pe.Index != -1 {
		t.Errorf("error is not a *param.Error naming the value: %#v", err)
	}
}

func TestDistributionsAreReproducibleAndChecked(t *testing.T) {
	key := rng.NewKey(1)
	a, err := Uniform(-60, -50).Expand("v0", 1000, key.Stream(1))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Uniform(-60, -50).Expand("v0", 1000, key.Stream(1))
	var mean float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same stream, different draws")
		}
		if a[i] < -60 || a[i] >= -50 {
			t.Fatalf("draw %g outside [-60, -50)", a[i])
		}
		mean += float64(a[i]) / 1000
	}
	// U[-60,-50): mean -55, sd 10/sqrt(12) ≈ 2.89; standard error 0.091.
	if math.Abs(mean+55) > 5*0.0913 {
		t.Errorf("mean %g, want -55", mean)
	}
	if _, err := Normal(1, 1).Expand("tau_ms", 1000, key.Stream(2), Positive); err == nil ||
		!strings.Contains(err.Error(), "tau_ms drawn from normal(1, 1)") {
		t.Errorf("a negative draw of a positive parameter: %v", err)
	}
}

func TestScalar(t *testing.T) {
	if x, err := Const(4).Scalar("k", Positive); err != nil || x != 4 {
		t.Errorf("Scalar = %g, %v", x, err)
	}
	if _, err := Array(1).Scalar("k"); err == nil || !strings.Contains(err.Error(), "must be a single number") {
		t.Errorf("array as scalar: %v", err)
	}
	if _, err := Const(0).Scalar("k", Positive); err == nil {
		t.Error("0 accepted as positive")
	}
}

// TestWithinRedraws checks the truncated distribution against its
// definition: every value lies within the bounds; each element is the
// first in-bounds draw of the same source at or after its turn (the draws
// of an unbounded copy on an identical source, with the out-of-bounds ones
// removed); and the fraction rejected matches the normal distribution's
// mass below the bound, Φ((lo−μ)/σ).
func TestWithinRedraws(t *testing.T) {
	const n = 200000
	mu, sd, lo := 1.5, 0.75, 0.05
	v := Normal(mu, sd).Within(lo, math.Inf(1))
	got, err := v.Expand("delay_ms", n, rng.NewKey(7).Stream(1))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Normal(mu, sd).Expand("delay_ms", 2*n, rng.NewKey(7).Stream(1))
	if err != nil {
		t.Fatal(err)
	}
	k, rejected := 0, 0
	for i, x := range got {
		if !(float64(x) >= lo) {
			t.Fatalf("element %d = %g below the bound %g", i, x, lo)
		}
		for float64(raw[k]) < lo {
			k++
			rejected++
		}
		if x != raw[k] {
			t.Fatalf("element %d = %g, want the next in-bounds draw %g", i, x, raw[k])
		}
		k++
	}
	// Rejected draws per accepted one: p/(1−p), p = Φ((lo−μ)/σ).
	p := 0.5 * math.Erfc(-(lo-mu)/sd/math.Sqrt2)
	want := p / (1 - p) * n
	if sdCount := math.Sqrt(want); math.Abs(float64(rejected)-want) > 5*sdCount {
		t.Errorf("%d draws rejected, want %.0f ± %.0f (5 sd)", rejected, want, 5*sdCount)
	}
	if !strings.Contains(v.String(), "within [0.05, +Inf]") {
		t.Errorf("String() = %q, want the bounds named", v.String())
	}
}

func TestWithinErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		v    Value
		want string
	}{
		{"const below", Const(0.01).Within(0.05, 1), "x = 0.01: must lie within [0.05, 1]"},
		{"array above", Array(0.5, 2).Within(0, 1), "x[1] = 2: must lie within [0, 1]"},
		{"reversed", Normal(1, 1).Within(2, 1), "x: bounds [2, 1]: want min <= max"},
		{"nan", Normal(1, 1).Within(math.NaN(), 1), "want min <= max, neither NaN"},
		{"unreachable", Normal(0, 1).Within(50, math.Inf(1)), "1000 draws in a row outside the bounds"},
	} {
		n := 2
		if _, isConst := c.v.IsConst(); isConst {
			n = 1
		}
		_, err := c.v.Expand("x", n, rng.NewKey(1).Stream(0))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Expand error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := Const(3).Within(0, 2).Scalar("x"); err == nil || !strings.Contains(err.Error(), "must lie within [0, 2]") {
		t.Errorf("Scalar out of bounds: error %v", err)
	}
	if x, err := Const(1).Within(0, 2).Scalar("x"); err != nil || x != 1 {
		t.Errorf("Scalar in bounds = %g, %v", x, err)
	}
}

// TestExpandInto checks that ExpandInto writes what Expand returns, and
// reports the same errors.
func TestExpandInto(t *testing.T) {
	key := rng.NewKey(4)
	for _, v := range []Value{Const(1.5), Array(1, 2, 3, 4, 5), Uniform(0, 1), Normal(-2, 3)} {
		want, err := v.Expand("x", 5, key.Stream(1))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float32, 5)
		if err := v.ExpandInto(got, "x", key.Stream(1)); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("%v: ExpandInto[%d] = %g, Expand %g", v, i, got[i], want[i])
			}
		}
	}
	for _, v := range []Value{Const(math.NaN()), Array(1, math.Inf(1)), Normal(1, 1)} {
		_, want := v.Expand("tau_ms", 2, key.Stream(2), Positive, NonNegative)
		got := v.ExpandInto(make([]float32, 2), "tau_ms", key.Stream(2), Positive, NonNegative)
		if (want == nil) != (got == nil) || want != nil && want.Error() != got.Error() {
			t.Errorf("%v: ExpandInto error %v, Expand %v", v, got, want)
		}
	}
}

// The named families refuse arguments that define no distribution:
// uniform needs finite bounds, normal a finite mean and sd >= 0. A
// uniform with hi < lo draws from (hi, lo].
func TestFamilyArguments(t *testing.T) {
	for _, c := range []struct {
		v    Value
		want string
	}{
		{Uniform(0, math.Inf(1)), "uniform(0, +Inf): want finite bounds"},
		{Uniform(math.NaN(), 1), "want finite bounds"},
		{Normal(1, -1), "normal(1, -1): want a finite mean and a finite sd >= 0"},
		{Normal(math.NaN(), 1), "want a finite mean"},
	} {
		if _, err := c.v.Expand("w", 3, rng.NewKey(1).Stream(0)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.v, err, c.want)
		}
	}
	if _, err := Normal(1, 0).Expand("w", 3, rng.NewKey(1).Stream(0)); err != nil {
		t.Errorf("normal with sd 0: %v", err)
	}
	xs, err := Uniform(-0.5, -1.5).Expand("w", 1000, rng.NewKey(1).Stream(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		if !(x >= -1.5 && x <= -0.5) { // float32 may round a draw to the bound
			t.Fatalf("uniform(-0.5, -1.5) drew %g, outside [-1.5, -0.5]", x)
		}
	}
}
