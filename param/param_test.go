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
