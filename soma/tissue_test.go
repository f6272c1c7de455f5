package soma

import (
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

func newTissue(t *testing.T, s Tissue, env Env) Graded {
	t.Helper()
	m, err := s.New(env)
	if err != nil {
		t.Fatalf("tissue %s: New: %v", s.Form, err)
	}
	g, ok := m.(Graded)
	if !ok {
		t.Fatal("tissue is not Graded")
	}
	return g
}

// The leaky tissue follows d_n = d_{n−1} + (da_n − d_{n−1}/τ)·dt, stepped
// by hand, on an irregular input (current plus jump).
func TestTissueLeakyHandStepped(t *testing.T) {
	const dt, tau = 0.5, 7.0
	m := newTissue(t, LeakyTissue(), Env{N: 1, Batch: 1, Dt: dt})
	cur := []float64{1, 0, 0, 2, -1, 0, 0, 0, 0.25, 0, 3, 0, 0, 0, 0, 0}
	jump := []float64{0, 0.5, 0, 0, 0, 0, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	d := 0.0
	for n := range cur {
		d = d + (cur[n]+jump[n]-d/tau)*dt
		fired := m.Step(int64(n), Input{Current: []float32{float32(cur[n])}, Jump: []float32{float32(jump[n])}}, []uint32{9})
		if len(fired) != 1 || fired[0] != 9 {
			t.Fatalf("Step changed the spike list: %v", fired)
		}
		if got := float64(m.Output()[0]); math.Abs(got-d) > 1e-6*math.Max(1, math.Abs(d)) {
			t.Fatalf("step %d: d = %.9g, want %.9g", n, got, d)
		}
	}
}

// A constant input da drives the leaky tissue to τ·da: Euler as
// d_n = τ·da·(1 − (1 − dt/τ)^n), Exact as d_n = τ·da·(1 − e^{−n·dt/τ}).
// Per-neuron τ, two copies.
func TestTissueLeakyConstant(t *testing.T) {
	const dt = 0.25
	taus := []float64{7, 30}
	for _, integ := range []Integration{Euler, Exact} {
		s := LeakyTissue()
		s.TauMs = param.Array(taus...)
		s.Integration = integ
		m := newTissue(t, s, Env{N: 2, Batch: 2, Dt: dt})
		da := []float32{2, 2, -0.5, -0.5}
		for n := 1; n <= 3000; n++ {
			m.Step(int64(n), Input{Current: da}, nil)
			for e, got := range m.Output() {
				tau := taus[e%2]
				f := 1 - math.Pow(1-dt/tau, float64(n))
				if integ == Exact {
					f = -math.Expm1(-float64(n) * dt / tau)
				}
				want := tau * float64(da[e]) * f
				if math.Abs(float64(got)-want) > 2e-5*math.Max(1, math.Abs(want)) {
					t.Fatalf("%v step %d element %d: d = %.9g, want %.9g", integ, n, e, got, want)
				}
			}
		}
	}
	// The default τ is 7 ms: a one-step input da raises d by da·dt, then d
	// decays by 1 − dt/τ per step.
	m := newTissue(t, LeakyTissue(), Env{N: 1, Batch: 1, Dt: 1})
	m.Step(0, Input{Current: []float32{5}}, nil)
	for n := 1; n < 100; n++ {
		m.Step(int64(n), Input{}, nil)
		want := 5 * math.Pow(1-1.0/7, float64(n))
		if got := float64(m.Output()[0]); math.Abs(got-want) > 1e-6*math.Max(1, want) {
			t.Fatalf("step %d: d = %.9g, want %.9g", n, got, want)
		}
	}
}

func TestTissueImpulse(t *testing.T) {
	m := newTissue(t, ImpulseTissue(), Env{N: 2, Batch: 1, Dt: 0.1})
	for n, da := range [][]float32{{1, 0}, {0, -3}, {0.5, 0.25}, {0, 0}} {
		m.Step(int64(n), Input{Current: da, Jump: []float32{0, 1}}, nil)
		for i, got := range m.Output() {
			want := da[i] + float32(i)
			if got != want {
				t.Errorf("step %d element %d: d = %g, want %g", n, i, got, want)
			}
		}
	}
	if v, ok := m.Var("d"); !ok || &v[0] != &m.Output()[0] {
		t.Error(`Var("d") is not the output`)
	}
	if _, ok := m.Var("v"); ok {
		t.Error(`Var("v") exists`)
	}
	if vs := m.Vars(); len(vs) != 1 || vs[0] != "d" {
		t.Errorf("Vars = %v", vs)
	}
}

// The windowed tissue is the sum of the last K = floor(window/dt) inputs,
// with their magnitudes; once the window has emptied it reads exactly 0.
func TestTissueWindowed(t *testing.T) {
	// A pulse train: amplitude A every P steps, from step 0 to step 59;
	// K = 7 ms / 0.5 ms = 14 steps. Element 1 gets varied magnitudes.
	const dt, K, P, A = 0.5, 14, 3, 0.75
	m := newTissue(t, WindowedTissue(), Env{N: 2, Batch: 1, Dt: dt})
	var hist [2][]float64
	for n := 0; n < 120; n++ {
		da := []float32{0, 0}
		if n%P == 0 && n < 60 {
			da[0] = A
			da[1] = float32(n%7) - 2.5
		}
		m.Step(int64(n), Input{Current: da}, nil)
		for i := range 2 {
			hist[i] = append(hist[i], float64(da[i]))
		}
		// Closed form for element 0: the pulses at steps m ≡ 0 (mod P),
		// n−K < m ≤ n, m < 60.
		pulses := 0
		for s := max(0, n-K+1); s <= n; s++ {
			if s%P == 0 && s < 60 {
				pulses++
			}
		}
		if got, want := float64(m.Output()[0]), A*float64(pulses); got != want {
			t.Fatalf("step %d: d = %g, want %d pulses × %g = %g", n, got, pulses, A, want)
		}
		sum := 0.0
		for s := max(0, n-K+1); s <= n; s++ {
			sum += hist[1][s]
		}
		if got := float64(m.Output()[1]); got != sum {
			t.Fatalf("step %d: element 1: d = %g, want the sum of the window %g", n, got, sum)
		}
	}
	for i, d := range m.Output() {
		if d != 0 {
			t.Errorf("element %d: d = %g after the window emptied, want 0", i, d)
		}
	}
}

// The window in steps: floor(window/dt) with a tolerance (7 ms at
// dt = 0.1 ms is 70 steps, not the 69 of Python's 7 // 0.1), per neuron.
func TestTissueWindowLength(t *testing.T) {
	for _, c := range []struct {
		dt     float64
		window []float64
		want   []int
	}{
		{0.1, []float64{7}, []int{70}},
		{1, []float64{1, 3, 2.5}, []int{1, 3, 2}},
		{0.3, []float64{0.9, 0.3}, []int{3, 1}},
	} {
		s := WindowedTissue()
		s.WindowMs = param.Array(c.window...)
		n := len(c.window)
		m := newTissue(t, s, Env{N: n, Batch: 1, Dt: c.dt})
		one := make([]float32, n)
		for i := range one {
			one[i] = 1
		}
		m.Step(0, Input{Current: one}, nil)
		on := make([]int, n)
		for step := int64(0); step < 200; step++ {
			if step > 0 {
				m.Step(step, Input{}, nil)
			}
			for i, d := range m.Output() {
				if d == 1 {
					on[i]++
				} else if d != 0 {
					t.Fatalf("d = %g, want 0 or 1", d)
				}
			}
		}
		for i := range n {
			if on[i] != c.want[i] {
				t.Errorf("dt = %g, window %g ms: a pulse counts for %d steps, want %d", c.dt, c.window[i], on[i], c.want[i])
			}
		}
	}
}

// Reset restores the initial state: the run after it repeats the first.
func TestTissueReset(t *testing.T) {
	for _, s := range []Tissue{LeakyTissue(), ImpulseTissue(), WindowedTissue()} {
		m := newTissue(t, s, Env{N: 3, Batch: 2, Dt: 0.5})
		run := func() []float32 {
			var out []float32
			for n := range 50 {
				cur := make([]float32, 6)
				for i := range cur {
					cur[i] = float32((n*7+i*3)%5) - 2
				}
				m.Step(int64(n), Input{Current: cur}, nil)
				out = append(out, m.Output()...)
			}
			return out
		}
		first := run()
		m.Reset()
		for i, d := range m.Output() {
			if d != 0 {
				t.Fatalf("%s: after Reset d[%d] = %g", s.Form, i, d)
			}
		}
		second := run()
		for i := range first {
			if first[i] != second[i] {
				t.Fatalf("%s: value %d after Reset: %g, first run %g", s.Form, i, second[i], first[i])
			}
		}
	}
}

// Stepping the parts of a split tissue gives, bit for bit, what stepping
// the whole gives.
func TestTissueSplit(t *testing.T) {
	lw := WindowedTissue()
	lw.WindowMs = param.Uniform(1, 10)
	exact := LeakyTissue()
	exact.Integration = Exact
	exact.TauMs = param.Uniform(2, 20)
	const n = 11
	for _, s := range []Tissue{LeakyTissue(), exact, ImpulseTissue(), WindowedTissue(), lw} {
		env := Env{N: n, Batch: 1, Dt: 0.5, Key: rng.NewKey(4)}
		whole := newTissue(t, s, env)
		base := newTissue(t, s, env)
		bounds := [][2]int{{0, 4}, {4, 5}, {5, n}}
		var parts []Graded
		for _, b := range bounds {
			p, err := base.(Splitter).Split(b[0], b[1])
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, p.(Graded))
		}
		key := rng.NewKey(9)
		cur := make([]float32, n)
		for step := int64(0); step < 500; step++ {
			for i := range cur {
				cur[i] = 0
				if key.Uniform(uint64(step), uint64(i)) < 0.1 {
					cur[i] = float32(10 * key.Uniform(uint64(step), uint64(i+100)))
				}
			}
			whole.Step(step, Input{Current: cur}, nil)
			for k, p := range parts {
				lo, hi := bounds[k][0], bounds[k][1]
				p.Step(step, Input{Current: cur[lo:hi]}, nil)
				for i, d := range p.Output() {
					if w := whole.Output()[lo+i]; d != w {
						t.Fatalf("%s: step %d element %d: part %g, whole %g", s.Form, step, lo+i, d, w)
					}
				}
			}
		}
	}
	m := newTissue(t, LeakyTissue(), Env{N: 4, Batch: 2, Dt: 0.5})
	if _, err := m.(Splitter).Split(0, 2); err == nil || !strings.Contains(err.Error(), "batch of 2") {
		t.Errorf("split of a batch: err = %v", err)
	}
	if _, err := m.(Splitter).Split(2, 5); err == nil {
		t.Error("split beyond the end: no error")
	}
}

func TestTissueErrors(t *testing.T) {
	env := Env{N: 2, Batch: 1, Dt: 0.5}
	leaky := func(f func(*Tissue)) Tissue { s := LeakyTissue(); f(&s); return s }
	cases := []struct {
		s    Tissue
		env  Env
		want string
	}{
		{leaky(func(s *Tissue) { s.TauMs = param.Const(0) }), env, "tau_ms"},
		{leaky(func(s *Tissue) { s.TauMs = param.Const(0.25) }), env, "tau_ms = 0.25: Euler needs tau_ms >= dt = 0.5 ms"},
		{leaky(func(s *Tissue) { s.Integration = 7 }), env, "integration = 7"},
		{Tissue{Form: TissueWindowed}, env, "window_ms"},
		{Tissue{Form: TissueWindowed, WindowMs: param.Const(0.3)}, env, "window_ms = 0.3: must be at least dt = 0.5 ms"},
		{Tissue{Form: 9}, env, "form = 9: unknown"},
		{LeakyTissue(), Env{N: 0, Batch: 1, Dt: 0.5}, "size = 0"},
	}
	for _, c := range cases {
		_, err := c.s.New(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "tissue: ") {
			t.Errorf("%s: err = %v, want it to contain %q", c.s.Form, err, c.want)
		}
	}
	// Exact integration accepts τ < dt.
	s := leaky(func(s *Tissue) { s.TauMs = param.Const(0.25); s.Integration = Exact })
	if _, err := s.New(env); err != nil {
		t.Errorf("exact, τ < dt: %v", err)
	}
	// An input of the wrong length is reported by Err.
	m := newTissue(t, LeakyTissue(), env)
	m.Step(0, Input{Current: []float32{1}}, nil)
	if err := m.(Failer).Err(); err == nil || !strings.Contains(err.Error(), "input current has 1 values, want 2") {
		t.Errorf("bad input: Err = %v", err)
	}
	for _, name := range []string{"leaky", "impulse", "windowed"} {
		f, err := ParseTissueForm(name)
		if err != nil || f.String() != name {
			t.Errorf("ParseTissueForm(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := ParseTissueForm("flat"); err == nil {
		t.Error(`ParseTissueForm("flat"): no error`)
	}
	if k := LeakyTissue().Kind(); k != "tissue" {
		t.Errorf("Kind = %q", k)
	}
}

// The leaky decay ends at exactly zero (values below the smallest normal
// float32 are flushed), after about ln(d0/2^−126)/−ln(1 − dt/τ) steps.
func TestTissueLeakyDecaysToZero(t *testing.T) {
	for _, integ := range []Integration{Euler, Exact} {
		s := LeakyTissue()
		s.Integration = integ
		m := newTissue(t, s, Env{N: 1, Batch: 1, Dt: 1})
		m.Step(0, Input{Current: []float32{-15}}, nil)
		d0 := -float64(m.Output()[0])
		ratio := 1 - 1.0/7
		if integ == Exact {
			ratio = math.Exp(-1.0 / 7)
		}
		want := math.Log(d0/0x1p-126) / -math.Log(ratio)
		n := 0
		for ; m.Output()[0] != 0 && n < 5000; n++ {
			m.Step(int64(n+1), Input{}, nil)
		}
		if math.Abs(float64(n)-want) > 2 {
			t.Errorf("%v: d reached 0 after %d steps, want about %.1f", integ, n, want)
		}
	}
}
