package response

import (
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
)

// run feeds the input sequence xs (one value per step, the same for every
// element) through f and returns the response of element e at each step.
func run(t *testing.T, f Function, xs []float32, e int) []float32 {
	t.Helper()
	n := f.Len()
	x := make([]float32, n)
	r := make([]float32, n)
	out := make([]float32, len(xs))
	for s, v := range xs {
		for i := range x {
			x[i] = v
		}
		f.Step(x, r)
		out[s] = r[e]
	}
	return out
}

func build(t *testing.T, s Spec, n int, dt float64) Function {
	t.Helper()
	f, err := s.New(n, dt)
	if err != nil {
		t.Fatalf("%s.New(%d, %g): %v", s.Kind(), n, dt, err)
	}
	if f.Len() != n {
		t.Fatalf("%s: Len = %d, want %d", s.Kind(), f.Len(), n)
	}
	return f
}

func impulse(steps int) []float32 {
	xs := make([]float32, steps)
	xs[0] = 1
	return xs
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func expectSeq(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !near(float64(got[i]), want[i]) {
			t.Errorf("%s: step %d = %.9g, want %.9g\n got %v\nwant %v", what, i, got[i], want[i], got, want)
			return
		}
	}
}

func TestLeakyImpulseResponse(t *testing.T) {
	for _, tc := range []struct {
		tau, dt float64
		exact   bool
	}{
		{tau: 5, dt: 1}, {tau: 15, dt: 1}, {tau: 1, dt: 1}, {tau: 10, dt: 0.1},
		{tau: 5, dt: 1, exact: true}, {tau: 0.5, dt: 1, exact: true}, {tau: 10, dt: 0.1, exact: true},
	} {
		f := build(t, Leaky{Tau: param.Const(tc.tau), Exact: tc.exact}, 3, tc.dt)
		a := 1 - tc.dt/tc.tau
		if tc.exact {
			a = math.Exp(-tc.dt / tc.tau)
		}
		want := make([]float64, 30)
		for k := range want {
			want[k] = math.Pow(a, float64(k))
		}
		expectSeq(t, "leaky impulse", run(t, f, impulse(30), 2), want)
		if f.Memoryless() {
			t.Error("leaky reports memoryless")
		}
	}
}

func TestLeakyPerElementTau(t *testing.T) {
	// Per-terminal tau [1, 6] ms at dt = 1 ms (notebook 2), over 3 neurons ×
	// 2 terminals: elements alternate between the two decays.
	f := build(t, Leaky{Tau: param.Array(1, 6)}, 6, 1)
	x := []float32{1, 1, 1, 1, 1, 1}
	r := make([]float32, 6)
	f.Step(x, r)
	zero := make([]float32, 6)
	for k := 1; k < 5; k++ {
		f.Step(zero, r)
		for e := range r {
			want := math.Pow(1-1.0/[]float64{1, 6}[e%2], float64(k))
			if !near(float64(r[e]), want) {
				t.Fatalf("step %d element %d = %g, want %g", k, e, r[e], want)
			}
		}
	}
}

func TestLeakyReset(t *testing.T) {
	f := build(t, Leaky{Tau: param.Const(4)}, 1, 1)
	run(t, f, []float32{1, 1, 1}, 0)
	f.Reset()
	expectSeq(t, "after reset", run(t, f, impulse(3), 0), []float64{1, 0.75, 0.5625})
}

func TestFlatCumulative(t *testing.T) {
	f := build(t, Flat{}, 2, 1)
	xs := []float32{1, 0, 0, 2, 0, 1, 0.5, 0}
	want := []float64{1, 1, 1, 3, 3, 4, 4.5, 4.5}
	expectSeq(t, "flat", run(t, f, xs, 1), want)
	f.Reset()
	expectSeq(t, "flat after reset", run(t, f, []float32{0, 1}, 0), []float64{0, 1})
}

func TestWindowSteps(t *testing.T) {
	for _, tc := range []struct {
		t, dt float64
		ref   bool
		want  int
	}{
		{10, 1, false, 10}, {10, 1, true, 11},
		{1.5, 0.1, false, 15}, {1.5, 0.1, true, 16},
		{0.7, 0.1, false, 7}, {0.3, 0.1, true, 4},
		{0, 1, false, 1}, {0, 1, true, 1},
		{0.4, 1, false, 1}, {0.4, 1, true, 1},
		{2.5, 1, false, 3}, {2.4, 1, false, 2}, {2.6, 1, true, 3},
		{30, 1, false, 30}, {30, 1, true, 31},
	} {
		if got := WindowSteps(tc.t, tc.dt, tc.ref); got != tc.want {
			t.Errorf("WindowSteps(%g, %g, %v) = %d, want %d", tc.t, tc.dt, tc.ref, got, tc.want)
		}
	}
}

// windowSum is the definition: the sum of xs[s-w+1 .. s].
func windowSum(xs []float32, w int) []float64 {
	out := make([]float64, len(xs))
	for s := range xs {
		for k := 0; k < w && s-k >= 0; k++ {
			out[s] += float64(xs[s-k])
		}
	}
	return out
}

func TestLimitedFlatWindowSums(t *testing.T) {
	xs := []float32{1, 0, 2, 0, 0, 1, 1, 0, 0, 0, 3, 0}
	// By hand, window 3: each output sums the last three inputs.
	want3 := []float64{1, 1, 3, 2, 2, 1, 2, 2, 1, 0, 3, 3}
	expectSeq(t, "definition", f64to32(windowSum(xs, 3)), want3)

	f := build(t, LimitedFlat{Duration: param.Const(3)}, 2, 1)
	expectSeq(t, "T=3 dt=1", run(t, f, xs, 0), want3)

	// Reference mode: floor(3/1)+1 = 4 steps.
	want4 := []float64{1, 1, 3, 3, 2, 3, 2, 2, 2, 1, 3, 3}
	expectSeq(t, "definition, 4 steps", f64to32(windowSum(xs, 4)), want4)
	f = build(t, LimitedFlat{Duration: param.Const(3), Reference: true}, 2, 1)
	expectSeq(t, "reference T=3 dt=1", run(t, f, xs, 1), want4)

	// T = 0.3 ms at dt = 0.1 ms is 3 steps, not 2.
	f = build(t, LimitedFlat{Duration: param.Const(0.3)}, 1, 0.1)
	expectSeq(t, "T=0.3 dt=0.1", run(t, f, xs, 0), want3)

	// T = 0: each input for its own step only.
	f = build(t, LimitedFlat{Duration: param.Const(0)}, 1, 1)
	expectSeq(t, "T=0", run(t, f, xs, 0), windowSum(xs, 1))
}

func TestLimitedFlatPerElementWindows(t *testing.T) {
	xs := []float32{1, 0, 2, 0, 0, 1, 1, 0, 0, 0, 3, 0, 0, 0, 0}
	wins := []int{1, 3, 5}
	f := build(t, LimitedFlat{Duration: param.Array(1, 3, 5)}, 6, 1)
	for e := range 6 {
		f.Reset()
		expectSeq(t, "per-element window", run(t, f, xs, e), windowSum(xs, wins[e%3]))
	}
}

func TestLimitedFlatEmptiesExactly(t *testing.T) {
	// Graded inputs that do not cancel exactly in float arithmetic still
	// leave an exact zero once they have left the window.
	f := build(t, LimitedFlat{Duration: param.Const(2)}, 1, 1)
	got := run(t, f, []float32{0.1, 0.7, 0.3, 0, 0, 0}, 0)
	if got[4] != 0 || got[5] != 0 {
		t.Errorf("window should be exactly empty: %v", got)
	}
	if !near(float64(got[2]), 1.0) {
		t.Errorf("step 2 = %g, want 1.0", got[2])
	}
}

func TestScalingPerTerminal(t *testing.T) {
	f := build(t, Scaling{Scale: param.Array(4, 2)}, 6, 1)
	x := []float32{1, 1, 0, 1, 0.5, 0.5}
	r := make([]float32, 6)
	f.Step(x, r)
	want := []float32{4, 2, 0, 2, 2, 1}
	for e := range want {
		if r[e] != want[e] {
			t.Fatalf("scaling = %v, want %v", r, want)
		}
	}
	f = build(t, Scaling{Scale: param.Const(4)}, 3, 1)
	f.Step(x[:3], r[:3])
	if r[0] != 4 || r[1] != 4 || r[2] != 0 {
		t.Errorf("constant scaling = %v", r[:3])
	}
}

func TestIdentityInPlace(t *testing.T) {
	for _, s := range []Spec{Identity{}, Scaling{Scale: param.Const(2)}, Leaky{Tau: param.Const(2)}, Flat{}, LimitedFlat{Duration: param.Const(2)}} {
		f := build(t, s, 3, 1)
		x := []float32{1, 2, 3}
		f.Step(x, x) // r aliases x
		g := build(t, s, 3, 1)
		y := []float32{1, 2, 3}
		r := make([]float32, 3)
		g.Step(y, r)
		for e := range x {
			if x[e] != r[e] {
				t.Errorf("%s in place: %v, want %v", s.Kind(), x, r)
				break
			}
		}
	}
}

// square is a memoryless but nonlinear test function, to show that a
// composite applies its functions in list order.
type square struct{}

func (square) Kind() string { return "square" }
func (square) New(n int, dt float64) (Function, error) {
	return &sq{n}, nil
}

type sq struct{ n int }

func (f *sq) Step(x, r []float32) {
	for e, v := range x[:f.n] {
		r[e] = v * v
	}
}
func (f *sq) Reset()           {}
func (f *sq) Len() int         { return f.n }
func (f *sq) Memoryless() bool { return true }

func TestCompositeOrder(t *testing.T) {
	two := Scaling{Scale: param.Const(2)}
	a := build(t, Composite{Functions: []Spec{two, square{}}}, 1, 1)
	b := build(t, Composite{Functions: []Spec{square{}, two}}, 1, 1)
	expectSeq(t, "scale then square", run(t, a, []float32{3}, 0), []float64{36})
	expectSeq(t, "square then scale", run(t, b, []float32{3}, 0), []float64{18})
}

func TestCompositeLinearCommutes(t *testing.T) {
	xs := []float32{1, 0, 0, 1, 0, 0, 0, 2, 0, 0}
	leaky := Leaky{Tau: param.Const(2)} // a = 1/2
	box := LimitedFlat{Duration: param.Const(2)}
	scale := Scaling{Scale: param.Array(4, 2)}

	// Leaky (a = 1/2) then a window of 2 steps, by hand, for an impulse:
	// leaky 1, 1/2, 1/4, 1/8 → window sums 1, 3/2, 3/4, 3/8.
	lb := build(t, Composite{Functions: []Spec{leaky, box}}, 2, 1)
	expectSeq(t, "leaky→window impulse", run(t, lb, impulse(4), 0), []float64{1, 1.5, 0.75, 0.375})

	// Linear time-invariant functions commute.
	orders := [][]Spec{
		{leaky, box, scale}, {box, leaky, scale}, {scale, leaky, box}, {scale, box, leaky},
	}
	ref := build(t, Composite{Functions: orders[0]}, 2, 1)
	want := run(t, ref, xs, 1)
	for _, o := range orders[1:] {
		f := build(t, Composite{Functions: o}, 2, 1)
		expectSeq(t, "reordered", run(t, f, xs, 1), f32to64(want))
	}
	// And element 1 (scale 2) is twice the leaky→window response.
	lb.Reset()
	base := run(t, lb, xs, 1)
	for i := range base {
		base[i] *= 2
	}
	expectSeq(t, "scaled", want, f32to64(base))
}

func TestMemoryless(t *testing.T) {
	id, sc := Identity{}, Scaling{Scale: param.Const(3)}
	for _, tc := range []struct {
		s    Spec
		want bool
	}{
		{id, true}, {sc, true},
		{Composite{Functions: []Spec{id, sc}}, true},
		{Composite{Functions: []Spec{sc, Composite{Functions: []Spec{sc}}}}, true},
		{Leaky{Tau: param.Const(5)}, false},
		{Flat{}, false},
		{LimitedFlat{Duration: param.Const(0)}, false},
		{Composite{Functions: []Spec{sc, Leaky{Tau: param.Const(5)}}}, false},
	} {
		if got := build(t, tc.s, 2, 1).Memoryless(); got != tc.want {
			t.Errorf("%s: Memoryless = %v, want %v", tc.s.Kind(), got, tc.want)
		}
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Spec
		n    int
		dt   float64
		want []string
	}{
		{"tau zero", Leaky{}, 3, 1, []string{"leaky", "tau_ms = 0", "> 0"}},
		{"tau negative", Leaky{Tau: param.Const(-2)}, 3, 1, []string{"leaky", "tau_ms = -2"}},
		{"tau element", Leaky{Tau: param.Array(5, 0, 1)}, 3, 1, []string{"leaky", "tau_ms[1] = 0"}},
		{"tau below dt", Leaky{Tau: param.Const(0.5)}, 3, 1, []string{"leaky", "tau_ms[0] = 0.5", "dt = 1", "Exact"}},
		{"tau NaN", Leaky{Tau: param.Const(math.NaN())}, 3, 1, []string{"leaky", "tau_ms = NaN", "finite"}},
		{"leaky dt zero", Leaky{Tau: param.Const(5)}, 3, 0, []string{"leaky", "dt = 0"}},
		{"leaky dt negative", Leaky{Tau: param.Const(5)}, 3, -1, []string{"leaky", "dt = -1"}},
		{"flat dt NaN", Flat{}, 3, math.NaN(), []string{"flat", "dt = NaN"}},
		{"identity dt", Identity{}, 3, 0, []string{"identity", "dt = 0"}},
		{"identity n", Identity{}, 0, 1, []string{"identity", "n = 0"}},
		{"window negative", LimitedFlat{Duration: param.Const(-1)}, 3, 1, []string{"limited_flat", "duration_ms = -1", ">= 0"}},
		{"window element", LimitedFlat{Duration: param.Array(1, -3)}, 4, 1, []string{"limited_flat", "duration_ms[1] = -3"}},
		{"window huge", LimitedFlat{Duration: param.Const(1e12)}, 1, 1, []string{"limited_flat", "duration_ms[0] = 1e+12", "limit"}},
		{"window dt", LimitedFlat{Duration: param.Const(1)}, 1, 0, []string{"limited_flat", "dt = 0"}},
		{"scale length", Scaling{Scale: param.Array(1, 2, 3, 4)}, 6, 1, []string{"scaling", "scale has 4 values", "6 elements"}},
		{"scale inf", Scaling{Scale: param.Const(math.Inf(1))}, 6, 1, []string{"scaling", "scale = +Inf"}},
		{"scale distribution", Scaling{Scale: param.Uniform(0, 1)}, 6, 1, []string{"scaling", "uniform(0, 1)", "array"}},
		{"composite empty", Composite{}, 3, 1, []string{"composite", "no functions"}},
		{"composite nil", Composite{Functions: []Spec{Identity{}, nil}}, 3, 1, []string{"composite", "function 1 is nil"}},
		{"composite child", Composite{Functions: []Spec{Flat{}, Leaky{Tau: param.Const(-1)}}}, 3, 1, []string{"composite: function 1: leaky: tau_ms = -1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.s.New(tc.n, tc.dt)
			if err == nil {
				t.Fatalf("no error, got %T", f)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNoAllocation(t *testing.T) {
	specs := []Spec{
		Identity{}, Scaling{Scale: param.Array(1, 2)}, Leaky{Tau: param.Array(2, 3)},
		Flat{}, LimitedFlat{Duration: param.Array(2, 5)},
		Composite{Functions: []Spec{Leaky{Tau: param.Const(3)}, Scaling{Scale: param.Const(2)}}},
	}
	for _, s := range specs {
		f := build(t, s, 100, 1)
		x := make([]float32, 100)
		r := make([]float32, 100)
		x[3] = 1
		if a := testing.AllocsPerRun(50, func() { f.Step(x, r) }); a != 0 {
			t.Errorf("%s: %g allocations per step", s.Kind(), a)
		}
	}
}

func f64to32(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x)
	}
	return out
}

func f32to64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func BenchmarkLeakyStep(b *testing.B) {
	f, _ := Leaky{Tau: param.Const(5)}.New(100000, 1)
	x := make([]float32, 100000)
	r := make([]float32, 100000)
	for b.Loop() {
		f.Step(x, r)
	}
}

func BenchmarkLimitedFlatStep(b *testing.B) {
	f, _ := LimitedFlat{Duration: param.Const(10)}.New(100000, 1)
	x := make([]float32, 100000)
	r := make([]float32, 100000)
	for b.Loop() {
		f.Step(x, r)
	}
}
