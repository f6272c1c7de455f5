package stimulus

import (
	"math"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

func env(n, batch int, seed uint64) soma.Env {
	return soma.Env{N: n, Batch: batch, Dt: 1, Key: rng.NewKey(seed, 4)}
}

// values returns what s adds at step for a population of n neurons × batch.
func values(s Stimulus, step int64, n, batch int) []float32 {
	out := make([]float32, n*batch)
	s.Add(step, out)
	return out
}

func TestSimpleStimuli(t *testing.T) {
	pulse := SquarePulse{Low: 0, High: 150, Period: 100, Width: 50, Phase: 50}
	cases := []struct {
		name string
		s    Stimulus
		step int64
		want []float32 // N = 3, batch 2
	}{
		{"constant", Constant(2.5), 7, []float32{2.5, 2.5, 2.5, 2.5, 2.5, 2.5}},
		{"per neuron", PerNeuron{1, 2, 3}, 0, []float32{1, 2, 3, 1, 2, 3}},
		{"sum", Sum{Constant(1), PerNeuron{0, 1, 0}}, 0, []float32{1, 2, 1, 1, 2, 1}},
		{"per copy", PerCopy{Constant(4), nil}, 0, []float32{4, 4, 4, 0, 0, 0}},
		{"gain", &Gain{S: Constant(10), Factors: []float32{1, 1.2, 0}}, 0, []float32{10, 12, 0, 10, 12, 0}},
		{"step current before", StepCurrent(5, 10, 20), 9, []float32{0, 0, 0, 0, 0, 0}},
		{"step current on", StepCurrent(5, 10, 20), 10, []float32{5, 5, 5, 5, 5, 5}},
		{"step current after", StepCurrent(5, 10, 20), 20, []float32{0, 0, 0, 0, 0, 0}},
		{"pulse low", pulse, 49, []float32{0, 0, 0, 0, 0, 0}},
		{"pulse high", pulse, 50, []float32{150, 150, 150, 150, 150, 150}},
		{"pulse high end", pulse, 99, []float32{150, 150, 150, 150, 150, 150}},
		{"pulse low again", pulse, 100, []float32{0, 0, 0, 0, 0, 0}},
		{"pulse, negative step", pulse, -1, []float32{150, 150, 150, 150, 150, 150}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Bind(c.s, env(3, 2, 1)); err != nil {
				t.Fatal(err)
			}
			got := values(c.s, c.step, 3, 2)
			for i := range got {
				if math.Abs(float64(got[i]-c.want[i])) > 1e-6 {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestBindErrors(t *testing.T) {
	cases := []struct {
		name string
		s    Stimulus
	}{
		{"per neuron length", PerNeuron{1, 2}},
		{"per copy count", PerCopy{Constant(1)}},
		{"gain length", &Gain{S: Constant(1), Factors: []float32{1}}},
		{"gain without stimulus", &Gain{Factors: []float32{1, 1, 1}}},
		{"window reversed", Window{S: Constant(1), From: 5, To: 2}},
		{"pulse period", SquarePulse{Period: 0}},
		{"pulse width", SquarePulse{Period: 5, Width: 6}},
		{"sum part", Sum{Constant(1), PerNeuron{1}}},
		{"sequence empty", Sequence{}},
		{"sequence ragged", Sequence{Frames: [][]float32{{1, 2, 3}, {1}}}},
		{"sequence size", Sequence{Frames: [][]float32{{1, 2}}}},
		{"sequence hold", Sequence{Frames: [][]float32{{1, 2, 3}}, Hold: -1}},
		{"generator sd", &FunctionGenerator{Noise: map[int64]float64{0: -1}}},
		{"generator key", &FunctionGenerator{Baseline: map[int64]float64{-3: 1}}},
		{"generator NaN", &FunctionGenerator{Slope: map[int64]float64{0: math.NaN()}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Bind(c.s, env(3, 2, 1))
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
		})
	}
}

func TestFunctionGeneratorBaselineAndSlope(t *testing.T) {
	// Keys given in any order; segments run to the next key; before the
	// first key every term is 0.
	g := &FunctionGenerator{
		Baseline: map[int64]float64{70: 130, 2: 20, 85: 0},
		Slope:    map[int64]float64{8: 0.5, 0: 1, 5: -2},
	}
	baseline := func(t int64) float64 {
		switch {
		case t < 2:
			return 0
		case t < 70:
			return 20
		case t < 85:
			return 130
		}
		return 0
	}
	// Slope by hand: t on [0, 5]; f(5) = 5, then 5 − 2(t−5) (f(7) = 1,
	// f(8) = f(7) − 2 = −1), then −1 + 0.5(t−8) (f(10) = 0, f(100) = 45).
	slope := func(t int64) float64 {
		switch {
		case t < 5:
			return float64(t)
		case t < 8:
			return 5 - 2*float64(t-5)
		}
		return -1 + 0.5*float64(t-8)
	}
	for _, t0 := range []int64{0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 69, 70, 84, 85, 100} {
		if got, want := float64(g.Value(t0, 0, 0)), baseline(t0)+slope(t0); math.Abs(got-want) > 1e-5 {
			t.Errorf("step %d: %g, want %g", t0, got, want)
		}
	}
	// A first slope key after 0: zero until then, and continuous.
	h := &FunctionGenerator{Slope: map[int64]float64{3: 2, 6: 0}}
	want := []float32{0, 0, 0, 0, 2, 4, 6, 6, 6}
	out, err := h.Generate(len(want), 2)
	if err != nil {
		t.Fatal(err)
	}
	for s, row := range out {
		if row[0] != want[s] || row[1] != want[s] {
			t.Errorf("step %d: %v, want %g", s, row, want[s])
		}
	}
}

func TestFunctionGeneratorNoiseStatistics(t *testing.T) {
	const steps, n = 20000, 8
	g := &FunctionGenerator{
		Baseline:        map[int64]float64{0: 10},
		Noise:           map[int64]float64{0: 2},
		PopulationNoise: map[int64]float64{0: 0, 100: 3},
	}
	if err := g.Bind(env(n, 1, 1)); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, n)
	var shared []float64
	perNeuron := make([][]float64, n)
	for s := int64(0); s < steps; s++ {
		clear(x)
		g.Add(s, x)
		sh := g.Shared(s, 0)
		if s < 100 {
			// No population noise yet: all neurons share the value.
			for i := range x {
				if x[i] != x[0] {
					t.Fatalf("step %d: neurons differ without population noise: %v", s, x)
				}
			}
		}
		shared = append(shared, sh-10)
		for i := range x {
			perNeuron[i] = append(perNeuron[i], float64(x[i])-sh)
		}
	}
	checkNormal(t, "shared noise", shared, 2)
	for i := range perNeuron {
		checkNormal(t, "population noise", perNeuron[i][100:], 3)
	}
	// Population noise is independent across neurons: correlation of two
	// neurons ~ N(0, 1/steps).
	a, b := perNeuron[0][100:], perNeuron[1][100:]
	var sab float64
	for k := range a {
		sab += a[k] * b[k]
	}
	if r := sab / float64(len(a)) / 9; math.Abs(r) > 5/math.Sqrt(float64(len(a))) {
		t.Errorf("neurons 0 and 1 correlate: r = %g", r)
	}
}

// checkNormal tests mean 0 (± 5·sd/√n) and variance sd² (± 5·sd²·√(2/n)).
func checkNormal(t *testing.T, name string, xs []float64, sd float64) {
	t.Helper()
	n := float64(len(xs))
	var s, s2 float64
	for _, x := range xs {
		s += x
		s2 += x * x
	}
	mean := s / n
	v := s2/n - mean*mean
	if math.Abs(mean) > 5*sd/math.Sqrt(n) {
		t.Errorf("%s: mean %g, want 0 ± %g", name, mean, 5*sd/math.Sqrt(n))
	}
	if tol := 5 * sd * sd * math.Sqrt(2/n); math.Abs(v-sd*sd) > tol {
		t.Errorf("%s: variance %g, want %g ± %g", name, v, sd*sd, tol)
	}
}

// The value at (step, neuron) depends on nothing else: not on the steps
// computed before, not on N, not on the copy (unless IndependentCopies).
func TestFunctionGeneratorKeyed(t *testing.T) {
	mk := func(indep bool) *FunctionGenerator {
		return &FunctionGenerator{Noise: map[int64]float64{0: 1}, PopulationNoise: map[int64]float64{0: 1}, IndependentCopies: indep}
	}
	big, small := mk(false), mk(false)
	if err := big.Bind(env(50, 2, 9)); err != nil {
		t.Fatal(err)
	}
	if err := small.Bind(env(5, 1, 9)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []int64{0, 1, 2} {
		values(big, s, 50, 2) // earlier steps computed on big only
	}
	vb := values(big, 77, 50, 2)
	vs := values(small, 77, 5, 1)
	if !slices.Equal(vb[:5], vs) {
		t.Errorf("N = 50 gives %v, N = 5 gives %v", vb[:5], vs)
	}
	if !slices.Equal(vb[:50], vb[50:]) {
		t.Error("copies differ without IndependentCopies")
	}
	ind := mk(true)
	if err := ind.Bind(env(50, 2, 9)); err != nil {
		t.Fatal(err)
	}
	vi := values(ind, 77, 50, 2)
	if !slices.Equal(vi[:50], vb[:50]) || slices.Equal(vi[:50], vi[50:]) {
		t.Error("IndependentCopies: copy 0 should match, copy 1 differ")
	}
	other := mk(false)
	other.Stream = 1
	if err := other.Bind(env(50, 2, 9)); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(values(other, 77, 50, 2), vb) {
		t.Error("another stream gives the same noise")
	}
	// Generate agrees with Add.
	gen, err := small.Generate(80, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gen[77], vs) {
		t.Errorf("Generate %v, Add %v", gen[77], vs)
	}
}

func TestSequenceCyclic(t *testing.T) {
	frames := [][]float32{{1, 2}, {3, 4}, {5, 6}}
	cases := []struct {
		hold int
		want []int // frame index per step 0..
	}{
		{0, []int{0, 1, 2, 0, 1, 2, 0}},
		{1, []int{0, 1, 2, 0, 1, 2, 0}},
		{2, []int{0, 0, 1, 1, 2, 2, 0, 0, 1}},
	}
	for _, c := range cases {
		s := Sequence{Frames: frames, Hold: c.hold}
		if err := s.Bind(env(2, 2, 1)); err != nil {
			t.Fatal(err)
		}
		for step, k := range c.want {
			got := values(s, int64(step), 2, 2)
			f := frames[k]
			if !slices.Equal(got, []float32{f[0], f[1], f[0], f[1]}) {
				t.Errorf("hold %d step %d: %v, want frame %d", c.hold, step, got, k)
			}
		}
	}
	// Per-element frames (N·Batch values) drive the copies differently.
	s := Sequence{Frames: [][]float32{{1, 2, 3, 4}, {5, 6, 7, 8}}}
	if err := s.Bind(env(2, 2, 1)); err != nil {
		t.Fatal(err)
	}
	if got := values(s, 3, 2, 2); !slices.Equal(got, []float32{5, 6, 7, 8}) {
		t.Errorf("per element: %v", got)
	}
}
