package soma

import (
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
)

func TestRateTransfer(t *testing.T) {
	inputs := []float64{-3, -0.5, 0, 0.2, 1, 2.5, 40}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	cases := []struct {
		name string
		s    Rate
		f    func(I float64) float64
	}{
		{"identity", RateUnit(Linear), func(I float64) float64 { return I }},
		{"linear gain bias", func() Rate { r := RateUnit(Linear); r.Gain = param.Const(2); r.Bias = param.Const(0.5); return r }(),
			func(I float64) float64 { return 2*I + 0.5 }},
		{"relu", func() Rate { r := RateUnit(ReLU); r.Bias = param.Const(-0.3); return r }(),
			func(I float64) float64 { return math.Max(0, I-0.3) }},
		{"sigmoid", func() Rate { r := RateUnit(Sigmoid); r.Gain = param.Const(4); r.Threshold = param.Const(1); return r }(),
			func(I float64) float64 { return sig(4 * (I - 1)) }},
		{"tanh", func() Rate { r := RateUnit(Tanh); r.Gain = param.Const(0.5); return r }(),
			func(I float64) float64 { return math.Tanh(0.5 * I) }},
		{"threshold-linear", func() Rate {
			r := RateUnit(ThresholdLinear)
			r.Gain, r.Threshold, r.Max = param.Const(3), param.Const(0.1), pv(2)
			return r
		}(), func(I float64) float64 { return math.Min(2, math.Max(0, 3*(I-0.1))) }},
		{"threshold-linear unbounded", func() Rate { r := RateUnit(ThresholdLinear); r.Threshold = param.Const(1); return r }(),
			func(I float64) float64 { return math.Max(0, I-1) }},
		{"custom", CustomRate(func(x float32) float32 { return x * x }), func(I float64) float64 { return I * I }},
	}
	for _, c := range cases {
		n := len(inputs)
		m := mustNew(t, c.s, Env{N: n, Batch: 1, Dt: 0.1})
		g, ok := m.(Graded)
		if !ok {
			t.Fatal("rate unit is not Graded")
		}
		cur := make([]float32, n)
		for i, x := range inputs {
			cur[i] = float32(x)
		}
		fired := m.Step(0, Input{Current: cur}, []uint32{5})
		if len(fired) != 1 || fired[0] != 5 {
			t.Fatalf("%s: Step changed the spike list: %v", c.name, fired)
		}
		for i, x := range inputs {
			want := c.f(x)
			if d := math.Abs(float64(g.Output()[i]) - want); d > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: f(%g) = %g, want %g", c.name, x, g.Output()[i], want)
			}
		}
	}
}

// τ·dr/dt = −r + f under constant input: exact integration follows
// r(t) = f + (r0 − f)·e^{−t/τ}; Euler follows r_n = f + (r0 − f)·(1 − dt/τ)^n.
func TestRateClosedForm(t *testing.T) {
	for _, integ := range []Integration{Exact, Euler} {
		s := RateUnit(Linear)
		s.TauMs = param.Array(5, 20)
		s.Integration = integ
		s.R0 = param.Const(0.3)
		const dt = 0.5
		m := mustNew(t, s, Env{N: 2, Batch: 2, Dt: dt}).(Graded)
		in := Input{Current: []float32{2, 2, -1, -1}, Jump: []float32{0, 0, 0.5, 0.5}}
		for n := 1; n <= 200; n++ {
			m.Step(int64(n), in, nil)
			for e, r := range m.Output() {
				tau := []float64{5, 20}[e%2]
				f := 2.0
				if e >= 2 {
					f = -0.5 // the jump adds to the input of the step
				}
				decay := math.Exp(-float64(n) * dt / tau)
				if integ == Euler {
					decay = math.Pow(1-dt/tau, float64(n))
				}
				want := f + (0.3-f)*decay
				if math.Abs(float64(r)-want) > 1e-5 {
					t.Fatalf("%v step %d element %d: r = %g, want %g", integ, n, e, r, want)
				}
			}
		}
		m.Reset()
		if m.Output()[0] != 0.3 {
			t.Fatalf("Reset: r = %g, want 0.3", m.Output()[0])
		}
	}
}

func TestRateInstantaneous(t *testing.T) {
	m := mustNew(t, RateUnit(ReLU), Env{N: 1, Batch: 1, Dt: 1}).(Graded)
	for _, x := range []float32{3, -2, 1e8, 0.5} {
		m.Step(0, Input{Current: []float32{x}}, nil)
		if want := max(x, 0); m.Output()[0] != want {
			t.Fatalf("r = %g, want %g", m.Output()[0], want)
		}
	}
	if r, ok := m.Var("r"); !ok || &r[0] != &m.Output()[0] {
		t.Fatal(`Var("r") is not the output`)
	}
}

func TestRateInvalid(t *testing.T) {
	env := Env{N: 2, Batch: 1, Dt: 0.1}
	mod := func(f func(*Rate)) Rate { s := RateUnit(Sigmoid); f(&s); return s }
	cases := []struct {
		s    Rate
		want string
	}{
		{Rate{}, "rate: gain = 0: must be nonzero"},
		{mod(func(s *Rate) { s.TauMs = param.Const(-1) }), "tau_ms = -1: must be >= 0"},
		{mod(func(s *Rate) { s.TauMs = param.Const(0.05); s.Integration = Euler }), "tau_ms = 0.05: Euler needs tau_ms >= dt"},
		{mod(func(s *Rate) { s.Threshold = param.Const(math.NaN()) }), "threshold = NaN"},
		{mod(func(s *Rate) { s.Bias = param.Array(1) }), "bias: array has 1 values, want 2"},
		{mod(func(s *Rate) { s.Max = pv(1) }), "max is set but transfer = sigmoid"},
		{func() Rate { s := RateUnit(ThresholdLinear); s.Max = pv(0); return s }(), "max = 0: must be > 0"},
		{RateUnit(Custom), "transfer = custom: Func must be set"},
		{mod(func(s *Rate) { s.Func = func(x float32) float32 { return x } }), "Func is set but transfer = sigmoid"},
		{mod(func(s *Rate) { s.Transfer = 42 }), "transfer = 42: unknown"},
		{mod(func(s *Rate) { s.Integration = 3 }), "integration = 3"},
		{mod(func(s *Rate) { s.R0 = param.Const(math.Inf(1)) }), "r0 = +Inf"},
	}
	for _, c := range cases {
		if _, err := c.s.New(env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New = %v, want an error containing %q", err, c.want)
		}
	}
	for _, name := range []string{"linear", "relu", "sigmoid", "tanh", "threshold_linear", "custom"} {
		f, err := ParseTransfer(name)
		if err != nil || f.String() != name {
			t.Errorf("ParseTransfer(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := ParseTransfer("softplus"); err == nil {
		t.Error("ParseTransfer accepted an unknown name")
	}
}
