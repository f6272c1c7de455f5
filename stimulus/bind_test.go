package stimulus

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

func TestBindRejectsNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name string
		s    Stimulus
		want string
	}{
		{"constant NaN", Constant(nan), "constant stimulus: value = NaN: must be finite"},
		{"constant Inf", Constant(-inf), "constant stimulus: value = -Inf: must be finite"},
		{"step current", StepCurrent(nan, 0, 10), "constant stimulus: value = NaN"},
		{"sum", Sum{Constant(1), Constant(inf)}, "sum: part 1: constant stimulus: value = +Inf"},
		{"per copy", PerCopy{Constant(1), Constant(nan)}, "per-copy stimulus: copy 1: constant stimulus: value = NaN"},
		{"per neuron", PerNeuron{1, nan, 3}, "per-neuron stimulus: value[1] = NaN: must be finite"},
		{"sequence", Sequence{Frames: [][]float32{{1, 2, 3}, {4, 5, inf}}}, "sequence: frame 1: value[2] = +Inf: must be finite"},
		{"pulse high", SquarePulse{High: nan, Period: 2, Width: 1}, "square pulse: high = NaN"},
		{"pulse low", SquarePulse{Low: -inf, Period: 2, Width: 1}, "square pulse: low = -Inf"},
		{"gain factor", &Gain{S: Constant(1), Factors: []float32{1, inf, 1}}, "gain: factor[1] = +Inf: must be finite"},
		{"generator baseline", &FunctionGenerator{Baseline: map[int64]float64{0: 1, 5: 1e39}}, "baseline[5] = 1e+39"},
		{"generator ramp", &FunctionGenerator{Slope: map[int64]float64{0: 1e38, 10: 0}}, "ramp reaches 1e+39 at step 10"},
		{"generator noise", &FunctionGenerator{Noise: map[int64]float64{3: math.Inf(1)}}, "noise[3] = +Inf: must be finite"},
	}
	for _, c := range cases {
		err := Bind(c.s, env(3, 2, 1))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	// Finite values still bind.
	for _, s := range []Stimulus{Constant(-2), PerNeuron{1, -1, 0}, Sequence{Frames: [][]float32{{1, 2, 3}}},
		SquarePulse{Low: -1, High: 1, Period: 2, Width: 1}, &FunctionGenerator{Baseline: map[int64]float64{0: 3e38}}} {
		if err := Bind(s, env(3, 2, 1)); err != nil {
			t.Errorf("%T: %v", s, err)
		}
	}
}

func TestFunctionGeneratorAddBeforeBind(t *testing.T) {
	g := &FunctionGenerator{Baseline: map[int64]float64{0: 5}}
	x := []float32{1, 2, 3}
	g.Add(4, x)
	if !slices.Equal(x, []float32{1, 2, 3}) {
		t.Errorf("Add before Bind changed the input to %v", x)
	}
	err := g.Err()
	if err == nil || !strings.Contains(err.Error(), "before Bind") || !strings.Contains(err.Error(), "step 4") {
		t.Fatalf("Err = %v, want Add at step 4 before Bind", err)
	}
	if err := g.Bind(env(3, 1, 1)); err != nil {
		t.Fatal(err)
	}
	g.Add(4, x)
	if !slices.Equal(x, []float32{6, 7, 8}) {
		t.Errorf("after Bind: %v, want [6 7 8]", x)
	}
	if g.Err() != err {
		t.Errorf("the first error was replaced by %v", g.Err())
	}

	// Invalid maps: Value and Shared give 0 and record the problem
	// instead of panicking.
	bad := &FunctionGenerator{Noise: map[int64]float64{0: -1}}
	if v := bad.Value(3, 0, 0); v != 0 {
		t.Errorf("Value on invalid maps = %g, want 0", v)
	}
	if v := bad.Shared(3, 0); v != 0 {
		t.Errorf("Shared on invalid maps = %g, want 0", v)
	}
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "noise[0] = -1") {
		t.Errorf("Err = %v, want the invalid noise", err)
	}
}

func TestBindOneObjectPerPopulation(t *testing.T) {
	key := rng.NewKey(1, 4)
	e50 := soma.Env{N: 50, Batch: 1, Dt: 0.1, Key: key}
	cases := []struct {
		name  string
		other soma.Env
		want  string
	}{
		{"size", soma.Env{N: 100, Batch: 1, Dt: 0.1, Key: key}, "already bound to a population of 50 neurons; use one object per population"},
		{"batch", soma.Env{N: 50, Batch: 2, Dt: 0.1, Key: key}, "already bound to another population of 50 neurons (batch 1, not 2); use one object per population"},
		{"dt", soma.Env{N: 50, Batch: 1, Dt: 1, Key: key}, "(dt 0.1 ms, not 1 ms)"},
		{"key", soma.Env{N: 50, Batch: 1, Dt: 0.1, Key: rng.NewKey(1, 5)}, "(another random key)"},
	}
	for _, c := range cases {
		g := &FunctionGenerator{Baseline: map[int64]float64{0: 2}}
		gain := &Gain{S: Constant(1), Factors: make([]float32, 50)}
		for _, s := range []Binder{g, gain} {
			if err := s.Bind(e50); err != nil {
				t.Fatal(err)
			}
			if err := s.Bind(e50); err != nil {
				t.Errorf("%s: %T: binding again to the same population: %v", c.name, s, err)
			}
			err := s.Bind(c.other)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %T: error %v, want it to contain %q", c.name, s, err, c.want)
			}
		}
		// The failed Bind left the generator bound to 50 neurons.
		x := make([]float32, 50)
		g.Add(0, x)
		if x[0] != 2 || x[49] != 2 || g.Err() != nil {
			t.Errorf("%s: after the refused Bind: %v, %v", c.name, x[:3], g.Err())
		}
	}
	// One generator in two copies of PerCopy: the same environment twice.
	g := &FunctionGenerator{Baseline: map[int64]float64{0: 1}}
	if err := Bind(PerCopy{g, g}, env(3, 2, 1)); err != nil {
		t.Errorf("shared by the copies: %v", err)
	}
}
