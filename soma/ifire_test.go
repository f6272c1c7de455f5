package soma

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

func pv(x float64) *param.Value { v := param.Const(x); return &v }

func mustNew(t *testing.T, s Spec, env Env) Model {
	t.Helper()
	m, err := s.New(env)
	if err != nil {
		t.Fatalf("%s: New: %v", s.Kind(), err)
	}
	return m
}

func fill(n int, x float32) []float32 {
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = x
	}
	return xs
}

func vvar(t *testing.T, m Model, name string) []float32 {
	t.Helper()
	v, ok := m.Var(name)
	if !ok {
		t.Fatalf("no variable %q (have %v)", name, m.Vars())
	}
	return v
}

// ---------------------------------------------------------------------
// Closed forms under constant input.

// Below threshold, Euler gives u_n − rest = (1 − (1 − dt/τ)^n)·R·I and
// exact integration u_n − rest = (1 − e^{−n·dt/τ})·R·I.
func TestLIFSubthresholdClosedForm(t *testing.T) {
	cases := []struct {
		name  string
		integ Integration
		dt    float64
	}{
		{"euler dt=0.1", Euler, 0.1},
		{"euler dt=1", Euler, 1},
		{"exact dt=0.1", Exact, 0.1},
		{"exact dt=2", Exact, 2},
	}
	// Three neurons with different R (a per-neuron parameter); R·I stays
	// below θ − rest = 30.6 mV.
	rs := []float64{0.5, 1, 1.4}
	const I, tau, rest = 20.0, 20.0, -70.6
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := LIF()
			s.R = param.Array(rs...)
			s.Integration = c.integ
			m := mustNew(t, s, Env{N: 3, Batch: 2, Dt: c.dt})
			v := vvar(t, m, "v")
			in := Input{Current: fill(6, I)}
			steps := int(400 / c.dt)
			for n := 1; n <= steps; n++ {
				if f := m.Step(int64(n), in, nil); len(f) != 0 {
					t.Fatalf("step %d: unexpected spikes %v", n, f)
				}
				for e := range v {
					r := rs[e%3]
					var want float64
					if c.integ == Euler {
						want = rest + (1-math.Pow(1-c.dt/tau, float64(n)))*r*I
					} else {
						want = rest + (1-math.Exp(-float64(n)*c.dt/tau))*r*I
					}
					// float32 state: each step rounds u (|u| < 128: half an
					// ulp is 3.8e-6 mV); the recurrence contracts errors by
					// (1 − k) per step, so they stay below 3.8e-6/k.
					k := c.dt / tau
					if c.integ == Exact {
						k = -math.Expm1(-k)
					}
					if d := math.Abs(float64(v[e]) - want); d > 4e-6/k+1e-5 {
						t.Fatalf("step %d element %d: v = %.7g, want %.7g (diff %.3g)", n, e, v[e], want, d)
					}
				}
			}
		})
	}
}

// lifPeriod counts, from the recurrence in float64, the integration steps
// a LIF neuron needs to go from the reset potential vr to above θ under
// constant input (E = rest + R·I), and the smallest margin |u − θ| met.
func lifPeriod(integ Integration, e, vr, th, dt, tau float64) (n int, margin float64) {
	u := vr
	margin = math.Inf(1)
	for n = 1; n < 1e6; n++ {
		if integ == Exact {
			u = e + (u-e)*math.Exp(-dt/tau)
		} else {
			u = u + dt/tau*(e-u)
		}
		margin = math.Min(margin, math.Abs(u-th))
		if u > th {
			return n, margin
		}
	}
	return -1, margin
}

// The spike train under constant input is periodic with period K + n_int
// steps (K = round(t_ref/dt) held steps, n_int integration steps from the
// reset to above θ). For exact integration n_int = ⌊(τ/dt)·ln((E−V_r)/(E−θ))⌋ + 1,
// the discrete form of the analytic period t_ref + τ·ln((E−V_r)/(E−θ)).
func TestLIFFiringPeriod(t *testing.T) {
	const tau, rest, th, dt = 20.0, -70.6, -40.0, 0.1
	cases := []struct {
		integ      Integration
		ri, tref   float64
		reset      float64
		wantK      int
		checkFloor bool
	}{
		{Exact, 35, 0, rest, 0, true},
		{Exact, 50, 2, rest, 20, true},
		{Exact, 80, 5, rest, 50, true},
		{Exact, 50, 2.04, rest, 20, true}, // t_ref rounds to 20 steps
		{Exact, 50, 2.06, -60, 21, true},  // and to 21 steps; reset ≠ rest
		{Euler, 35, 0, rest, 0, false},
		{Euler, 60, 3, -65, 30, false},
	}
	for _, c := range cases {
		s := LIF()
		s.Integration = c.integ
		s.RefractoryMs = param.Const(c.tref)
		s.ResetMV = pv(c.reset)
		s.V0MV = pv(c.reset)
		m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: dt})
		e := rest + c.ri
		nInt, margin := lifPeriod(c.integ, e, c.reset, th, dt, tau)
		if margin < 1e-3 {
			t.Fatalf("%+v: test input too close to threshold (margin %g)", c, margin)
		}
		if c.checkFloor {
			l := tau / dt * math.Log((e-c.reset)/(e-th))
			if got := int(math.Floor(l)) + 1; got != nInt {
				t.Fatalf("%+v: recurrence gives %d steps, formula %d", c, nInt, got)
			}
			// Analytic period vs the discrete one: within one step.
			T := c.tref + tau*math.Log((e-c.reset)/(e-th))
			P := float64(c.wantK+nInt) * dt
			if math.Abs(P-T) > dt+math.Abs(float64(c.wantK)*dt-c.tref)+1e-9 {
				t.Fatalf("%+v: discrete period %g ms, analytic %g ms", c, P, T)
			}
		}
		var spikes []int64
		in := Input{Current: []float32{float32(c.ri)}}
		for n := int64(0); n < 20000; n++ {
			if f := m.Step(n, in, nil); len(f) > 0 {
				spikes = append(spikes, n)
			}
		}
		period := int64(c.wantK + nInt)
		if len(spikes) < 3 {
			t.Fatalf("%+v: only %d spikes", c, len(spikes))
		}
		if spikes[0] != int64(nInt-1) {
			t.Errorf("%+v: first spike at step %d, want %d", c, spikes[0], nInt-1)
		}
		for j := 1; j < len(spikes); j++ {
			if spikes[j]-spikes[j-1] != period {
				t.Fatalf("%+v: ISI %d = %d steps, want %d", c, j, spikes[j]-spikes[j-1], period)
			}
		}
	}
}

// ---------------------------------------------------------------------
// Hand-stepped reference (the Python Spiral's update, as soma/doc.go states it), float64.

type refIF struct {
	dt, tau, r, rest, th, reset float64
	dT, thRH, a, b, tauW        float64
	leak, exp, adapt, textbook  bool
	u, w                        float64
	s                           bool
}

func (p *refIF) step(I float64) {
	up := p.u
	if p.s {
		up = p.reset
		if p.textbook {
			p.w += p.b
		}
	}
	k := p.dt / p.tau
	u := up + k*p.r*I
	if p.leak {
		u -= k * (up - p.rest)
	}
	if p.exp {
		u += k * p.dT * math.Exp((up-p.thRH)/p.dT)
	}
	if p.adapt {
		if p.textbook {
			u -= k * p.r * p.w
		} else {
			u -= p.r * p.w
		}
		s := 0.0
		if p.s && !p.textbook {
			s = 1
		}
		p.w = p.w + p.dt/p.tauW*(p.a*(u-p.rest)-p.w+p.b*p.tauW*s)
	}
	p.u = u
	p.s = u > p.th
}

func TestIFReferenceSequences(t *testing.T) {
	cases := []struct {
		name  string
		spec  IF
		leak  bool
		exp   bool
		adapt bool
		text  bool
		amp   float64 // input I_n = amp + 0.3·amp·sin(0.7·n)
		dt    float64
	}{
		{"if", PerfectIF(), false, false, false, false, 40, 1},
		{"lif", LIF(), true, false, false, false, 45, 1},
		{"lif dt=0.5", LIF(), true, false, false, false, 45, 0.5},
		{"eif", EIF(), true, true, false, false, 35, 1},
		{"aif", AIF(), true, false, true, false, 200, 1},
		{"adex", AdEx(), true, true, true, false, 100, 1},
		{"adex textbook", AdExTextbook(), true, true, true, true, 45, 1},
		{"exp+adaptation, no leak", IF{TauMs: param.Const(20), R: param.Const(1), RestMV: param.Const(-70.6),
			ThresholdMV: param.Const(-40), Terms: []Term{DefaultAdaptation(), DefaultExponential()}}, false, true, true, false, 150, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := mustNew(t, c.spec, Env{N: 1, Batch: 1, Dt: c.dt})
			p := &refIF{dt: c.dt, tau: 20, r: 1, rest: -70.6, th: -40, reset: -70.6,
				dT: 2, thRH: -50.4, a: 4, b: 0.0805, tauW: 144,
				leak: c.leak, exp: c.exp, adapt: c.adapt, textbook: c.text, u: -70.6}
			v := vvar(t, m, "v")
			var w []float32
			if c.adapt {
				w = vvar(t, m, "w")
			}
			nspk := 0
			for n := 0; n < 120; n++ {
				I := c.amp + 0.3*c.amp*math.Sin(0.7*float64(n))
				p.step(I)
				f := m.Step(int64(n), Input{Current: []float32{float32(I)}}, nil)
				if math.Abs(p.u-p.th) < 1e-3 {
					t.Fatalf("step %d: test input too close to threshold", n)
				}
				if (len(f) == 1) != p.s {
					t.Fatalf("step %d: fired %v, reference %v (u = %g)", n, f, p.s, p.u)
				}
				if p.s {
					nspk++
				}
				if d := math.Abs(float64(v[0]) - p.u); d > 1e-4*math.Max(1, math.Abs(p.u)) {
					t.Fatalf("step %d: v = %.7g, reference %.7g", n, v[0], p.u)
				}
				if c.adapt {
					if d := math.Abs(float64(w[0]) - p.w); d > 1e-4*math.Max(1, math.Abs(p.w)) {
						t.Fatalf("step %d: w = %.7g, reference %.7g", n, w[0], p.w)
					}
				}
			}
			if nspk == 0 {
				t.Fatalf("no spike in the sequence: the test exercises no reset")
			}
		})
	}
}

// The reference note of §2.3: with the reference adaptation (−R·w each
// step) a defaults AdEx neuron fires once at I = 100 (dt = 1) and then
// stays silent.
func TestAdExReferenceFiresOnce(t *testing.T) {
	m := mustNew(t, AdEx(), Env{N: 1, Batch: 1, Dt: 1})
	count := 0
	for n := int64(0); n < 1000; n++ {
		count += len(m.Step(n, Input{Current: []float32{100}}, nil))
	}
	if count != 1 {
		t.Fatalf("%d spikes, want 1", count)
	}
	// The textbook form keeps firing.
	m = mustNew(t, AdExTextbook(), Env{N: 1, Batch: 1, Dt: 1})
	count = 0
	for n := int64(0); n < 1000; n++ {
		count += len(m.Step(n, Input{Current: []float32{100}}, nil))
	}
	if count < 10 {
		t.Fatalf("textbook AdEx: %d spikes, want many", count)
	}
}

func TestTermOrderIndependence(t *testing.T) {
	terms := []Term{Leak{}, DefaultExponential(), DefaultAdaptation()}
	orders := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	var ref [][]float32
	for oi, o := range orders {
		s := PerfectIF()
		for _, k := range o {
			s.Terms = append(s.Terms, terms[k])
		}
		if s.Kind() != "adex" {
			t.Fatalf("kind %q", s.Kind())
		}
		m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 0.5})
		var traj [][]float32
		for n := 0; n < 400; n++ {
			m.Step(int64(n), Input{Current: []float32{float32(60 + 40*math.Sin(0.1*float64(n)))}}, nil)
			traj = append(traj, []float32{vvar(t, m, "v")[0], vvar(t, m, "w")[0]})
		}
		if oi == 0 {
			ref = traj
			continue
		}
		for n := range traj {
			if traj[n][0] != ref[n][0] || traj[n][1] != ref[n][1] {
				t.Fatalf("order %v step %d: (v, w) = %v, order %v gives %v", o, n, traj[n], orders[0], ref[n])
			}
		}
	}
}

// ---------------------------------------------------------------------
// Reset, refractoriness, jumps, spike feedback.

// A small LIF whose numbers are easy to follow: rest 0, θ 1, τ 10 ms,
// dt 1 ms, Euler, so u ← u' + 0.1·(I − u').
func smallLIF() IF {
	return IF{TauMs: param.Const(10), R: param.Const(1), RestMV: param.Const(0), ThresholdMV: param.Const(1),
		Terms: []Term{Leak{}}, ResetMV: pv(0.25)}
}

func TestRefractoryAndJumps(t *testing.T) {
	for _, generic := range []bool{false, true} {
		for _, drop := range []bool{false, true} {
			s := smallLIF()
			s.RefractoryMs = param.Const(3) // K = 3 steps
			s.DropRefractoryInput = drop
			if generic {
				// A vanishing exponential term forces the generic path
				// without changing the numbers that matter here.
				s.Terms = append(s.Terms, Exponential{DeltaTMV: param.Const(1), ThetaRHMV: param.Const(1000)})
			}
			m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 1})
			v, rc := vvar(t, m, "v"), vvar(t, m, "refractory")
			cur := []float32{20}
			jump := []float32{0}
			type row struct {
				fired bool
				v, rc float32
			}
			held := float32(0.25)
			if !drop {
				held = 0.25 + 0.5
			}
			// Step 0: 0 + 0.1·20 = 2 > 1: spike. Steps 1-3 held (a jump of
			// 0.5 arrives at step 2), step 4 integrates from the held value.
			want := []row{
				{true, 2, 0},
				{false, 0.25, 2},
				{false, held, 1},
				{false, held, 0},
				{true, held + 0.1*(20-held), 0},
				{false, 0.25, 2},
			}
			for n, w := range want {
				jump[0] = 0
				if n == 2 {
					jump[0] = 0.5
				}
				f := m.Step(int64(n), Input{Current: cur, Jump: jump}, nil)
				if (len(f) == 1) != w.fired || math.Abs(float64(v[0]-w.v)) > 1e-6 || rc[0] != w.rc {
					t.Fatalf("generic=%v drop=%v step %d: fired %v v %g refractory %g, want %+v", generic, drop, n, f, v[0], rc[0], w)
				}
			}
		}
	}
}

// Jumps are added after the membrane update, before the threshold test.
func TestJumpBeforeThreshold(t *testing.T) {
	m := mustNew(t, smallLIF(), Env{N: 2, Batch: 1, Dt: 1})
	f := m.Step(0, Input{Current: []float32{5, 5}, Jump: []float32{0.6, 0.4}}, nil)
	// 0 + 0.1·5 = 0.5, + jump: 1.1 fires, 0.9 does not.
	if !slices.Equal(f, []uint32{0}) {
		t.Fatalf("fired %v, want [0]", f)
	}
	v := vvar(t, m, "v")
	if math.Abs(float64(v[0])-1.1) > 1e-6 || math.Abs(float64(v[1])-0.9) > 1e-6 {
		t.Fatalf("v = %v", v)
	}
}

func TestResetPotential(t *testing.T) {
	s := smallLIF()
	s.ResetMV = pv(-0.5)
	m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 1})
	v := vvar(t, m, "v")
	in := Input{Current: []float32{20}}
	if f := m.Step(0, in, nil); len(f) != 1 || v[0] != 2 {
		t.Fatalf("step 0: fired %v v %g (the supra-threshold value is kept at the spike step)", f, v[0])
	}
	m.Step(1, in, nil)
	if want := -0.5 + 0.1*(20+0.5); math.Abs(float64(v[0])-want) > 1e-6 {
		t.Fatalf("step 1: v = %g, want %g (integrated from the reset potential)", v[0], want)
	}
}

func TestFireAtThreshold(t *testing.T) {
	// Perfect integrator, increments of exactly 0.25: u = 1 = θ at step 3.
	for _, incl := range []bool{false, true} {
		s := IF{TauMs: param.Const(1), R: param.Const(1), RestMV: param.Const(0), ThresholdMV: param.Const(1), FireAtThreshold: incl}
		m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 0.25})
		first := -1
		for n := 0; n < 6 && first < 0; n++ {
			if len(m.Step(int64(n), Input{Current: []float32{1}}, nil)) > 0 {
				first = n
			}
		}
		want := 4
		if incl {
			want = 3
		}
		if first != want {
			t.Errorf("FireAtThreshold=%v: first spike at step %d, want %d", incl, first, want)
		}
	}
}

func TestSetFiredAndRepolarize(t *testing.T) {
	s := smallLIF()
	s.RefractoryMs = param.Const(3)
	m := mustNew(t, s, Env{N: 3, Batch: 1, Dt: 1})
	rp, ok := m.(Repolarizer)
	if !ok {
		t.Fatal("IF model does not implement Repolarizer")
	}
	v := vvar(t, m, "v")
	in := Input{Current: []float32{20, 0, 20}}
	f := m.Step(0, in, nil)
	if !slices.Equal(f, []uint32{0, 2}) {
		t.Fatalf("fired %v", f)
	}
	// A principle removes the spike of 2 (k-WTA) and clamps 1.
	rp.SetFired([]uint32{0, 1})
	rp.Repolarize()
	if v[0] != 0.25 || v[1] != 0.25 || v[2] != 2 {
		t.Fatalf("after Repolarize v = %v, want [0.25 0.25 2]", v)
	}
	f = m.Step(1, in, nil)
	// 0 and 1 are held; 2 was not reset: 2 + 0.1·(20 − 2) = 3.8 fires again.
	if !slices.Equal(f, []uint32{2}) || v[0] != 0.25 || v[1] != 0.25 || math.Abs(float64(v[2])-3.8) > 1e-6 {
		t.Fatalf("step 1: fired %v v %v", f, v)
	}
	m.Step(2, in, nil)
	m.Step(3, in, nil)
	m.Step(4, in, nil)
	// Neuron 1 (clamped at step 0, no input) integrates again at step 4.
	if want := 0.25 + 0.1*(0-0.25); math.Abs(float64(v[1])-want) > 1e-6 {
		t.Fatalf("step 4: v[1] = %g, want %g", v[1], want)
	}
	rp.SetFired([]uint32{7})
	if m.(Failer).Err() == nil {
		t.Fatal("SetFired out of range: no error")
	}
}

func TestInitialPotentialDistribution(t *testing.T) {
	key := rng.NewKey(42, 7)
	s := LIF()
	u := param.Uniform(-70, -50)
	s.V0MV = &u
	m := mustNew(t, s, Env{N: 1000, Batch: 2, Dt: 0.1, Key: key})
	v := vvar(t, m, "v")
	init := slices.Clone(v)
	sum := 0.0
	for _, x := range init {
		if x < -70 || x >= -50 {
			t.Fatalf("initial v %g outside [-70, -50)", x)
		}
		sum += float64(x)
	}
	if mean := sum / 2000; math.Abs(mean+60) > 1 {
		t.Fatalf("mean initial v %g, want about -60", mean)
	}
	if slices.Equal(init[:1000], init[1000:]) {
		t.Fatal("batch copies drew the same initial potentials")
	}
	for n := 0; n < 50; n++ {
		m.Step(int64(n), Input{Current: fill(2000, 40)}, nil)
	}
	m.Reset()
	if !slices.Equal(v, init) {
		t.Fatal("Reset did not restore the same initial potentials")
	}
	m1 := mustNew(t, s, Env{N: 1000, Batch: 1, Dt: 0.1, Key: key})
	if !slices.Equal(vvar(t, m1, "v"), init[:1000]) {
		t.Fatal("copy 0 depends on the batch size")
	}
	m2 := mustNew(t, s, Env{N: 1000, Batch: 1, Dt: 0.1, Key: rng.NewKey(43, 7)})
	if slices.Equal(vvar(t, m2, "v"), init[:1000]) {
		t.Fatal("another key drew the same numbers")
	}
}

func TestResetRestoresState(t *testing.T) {
	for _, s := range []IF{LIF(), AdEx(), AdExTextbook()} {
		s.RefractoryMs = param.Const(1)
		m := mustNew(t, s, Env{N: 4, Batch: 2, Dt: 0.1})
		snap := func() []float32 {
			var out []float32
			for _, name := range m.Vars() {
				out = append(out, vvar(t, m, name)...)
			}
			return out
		}
		init := snap()
		var first []uint32
		for n := 0; n < 300; n++ {
			f := m.Step(int64(n), Input{Current: fill(8, 300)}, nil)
			if n < 100 {
				first = append(first, f...)
			}
		}
		m.Reset()
		if !slices.Equal(snap(), init) {
			t.Fatalf("%s: Reset did not restore the state", s.Kind())
		}
		var again []uint32
		for n := 0; n < 100; n++ {
			again = append(again, m.Step(int64(n), Input{Current: fill(8, 300)}, nil)...)
		}
		if len(first) == 0 || !slices.Equal(first, again) {
			t.Fatalf("%s: spikes after Reset differ (%d vs %d)", s.Kind(), len(first), len(again))
		}
	}
}

// Per-neuron parameters give the same numbers as separate populations, and
// batch copies share them.
func TestPerNeuronParameters(t *testing.T) {
	taus := []float64{10, 20, 40}
	refs := []float64{0, 1, 2.5}
	s := LIF()
	s.Integration = Exact
	s.TauMs = param.Array(taus...)
	s.RefractoryMs = param.Array(refs...)
	const B = 2
	m := mustNew(t, s, Env{N: 3, Batch: B, Dt: 0.1})
	var singles []Model
	for i := range taus {
		si := LIF()
		si.Integration = Exact
		si.TauMs = param.Const(taus[i])
		si.RefractoryMs = param.Const(refs[i])
		singles = append(singles, mustNew(t, si, Env{N: 1, Batch: 1, Dt: 0.1}))
	}
	v := vvar(t, m, "v")
	for n := 0; n < 3000; n++ {
		I := float32(50 + 20*math.Sin(0.01*float64(n)))
		f := m.Step(int64(n), Input{Current: fill(3*B, I), Jump: fill(3*B, 0.01)}, nil)
		var want []uint32
		for b := 0; b < B; b++ {
			for i, si := range singles {
				if b == 0 {
					si.Step(int64(n), Input{Current: []float32{I}, Jump: []float32{0.01}}, nil)
				}
				sv := vvar(t, si, "v")[0]
				if v[b*3+i] != sv {
					t.Fatalf("step %d element %d: v %g, separate model %g", n, b*3+i, v[b*3+i], sv)
				}
				if sv > -40 {
					want = append(want, uint32(b*3+i))
				}
			}
		}
		if !slices.Equal(f, want) {
			t.Fatalf("step %d: fired %v, want %v", n, f, want)
		}
	}
}

func TestExponentialNoOverflow(t *testing.T) {
	for _, th := range []float64{-40, 1e30} {
		s := EIF()
		s.ThresholdMV = param.Const(th)
		m := mustNew(t, s, Env{N: 3, Batch: 1, Dt: 0.1})
		v := vvar(t, m, "v")
		for n := 0; n < 2000; n++ {
			m.Step(int64(n), Input{Current: []float32{1e3, 1e6, 1e20}}, nil)
			for i, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("threshold %g step %d element %d: v = %g", th, n, i, x)
				}
			}
		}
	}
	if got := exp32(1000); math.IsInf(float64(got), 0) || got != exp32(expArgMax) {
		t.Fatalf("exp32(1000) = %g", got)
	}
}

func TestExp32Accuracy(t *testing.T) {
	for x := -0.8; x <= 0.8; x += 0.000731 { // both sides of the small-argument polynomial
		want := float32(math.Exp(float64(float32(x))))
		got := exp32(float32(x))
		if d := math.Abs(float64(got-want)) / float64(want); d > 1.2e-7 {
			t.Fatalf("exp32(%g) = %g, math.Exp %g (rel %g)", x, got, want, d)
		}
	}
	for x := -100.0; x <= 50; x += 0.0137 {
		want := float32(math.Exp(float64(float32(x))))
		got := exp32(float32(x))
		if d := math.Abs(float64(got-want)) / float64(want); d > 1.2e-7 && want > 1e-37 {
			t.Fatalf("exp32(%g) = %g, math.Exp %g (rel %g)", x, got, want, d)
		}
	}
	if exp32(-300) != 0 || !math.IsNaN(float64(exp32(float32(math.NaN())))) {
		t.Fatal("exp32 edge cases")
	}
}

func TestNilCurrentAndBadInput(t *testing.T) {
	m := mustNew(t, LIF(), Env{N: 2, Batch: 1, Dt: 0.1})
	v := vvar(t, m, "v")
	m.Step(0, Input{}, nil) // nil current: no input
	if math.Abs(float64(v[0])+70.6) > 1e-5 {
		t.Fatalf("v = %g after a step without input", v[0])
	}
	before := slices.Clone(v)
	f := m.Step(1, Input{Current: []float32{1, 2, 3}}, []uint32{9})
	if !slices.Equal(f, []uint32{9}) || !slices.Equal(v, before) {
		t.Fatalf("bad input changed the state or the list: %v %v", f, v)
	}
	if err := m.(Failer).Err(); err == nil || !strings.Contains(err.Error(), "3 values, want 2") {
		t.Fatalf("Err = %v", err)
	}
	m.Reset()
	if m.(Failer).Err() != nil {
		t.Fatal("Reset kept the error")
	}
}

func TestIFKind(t *testing.T) {
	for _, c := range []struct {
		s    IF
		want string
	}{
		{PerfectIF(), "if"}, {LIF(), "lif"}, {EIF(), "eif"}, {AIF(), "aif"}, {AdEx(), "adex"},
		{AdExTextbook(), "adex"}, {IF{Terms: []Term{DefaultExponential()}}, "if+exp"},
		{IF{Terms: []Term{&Leak{}, &Exponential{}}}, "eif"},
	} {
		if got := c.s.Kind(); got != c.want {
			t.Errorf("Kind = %q, want %q", got, c.want)
		}
	}
}

func TestPointerTerms(t *testing.T) {
	e := DefaultExponential()
	a := DefaultAdaptation()
	s := PerfectIF()
	s.Terms = []Term{&a, &Leak{}, &e}
	m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 1})
	r := mustNew(t, AdEx(), Env{N: 1, Batch: 1, Dt: 1})
	for n := 0; n < 50; n++ {
		in := Input{Current: []float32{120}}
		m.Step(int64(n), in, nil)
		r.Step(int64(n), in, nil)
		if vvar(t, m, "v")[0] != vvar(t, r, "v")[0] {
			t.Fatalf("step %d: pointer terms give another result", n)
		}
	}
}

func TestIFInvalid(t *testing.T) {
	env := Env{N: 3, Batch: 1, Dt: 0.1}
	mod := func(f func(*IF)) IF { s := AdEx(); f(&s); return s }
	lif := func(f func(*IF)) IF { s := LIF(); f(&s); return s }
	cases := []struct {
		name string
		s    IF
		env  Env
		want string
	}{
		{"tau negative", lif(func(s *IF) { s.TauMs = param.Const(-3) }), env, "lif: tau_ms = -3: must be > 0"},
		{"tau zero value", IF{}, env, "tau_ms = 0: must be > 0"},
		{"tau NaN", lif(func(s *IF) { s.TauMs = param.Const(math.NaN()) }), env, "tau_ms = NaN: must be finite"},
		{"tau array element", lif(func(s *IF) { s.TauMs = param.Array(10, -1, 10) }), env, "tau_ms[1] = -1: must be > 0"},
		{"tau array length", lif(func(s *IF) { s.TauMs = param.Array(10, 20) }), env, "tau_ms: array has 2 values, want 3"},
		{"tau below dt with Euler", lif(func(s *IF) { s.TauMs = param.Const(0.05) }), env, "lif: tau_ms = 0.05: Euler integration of the leak needs tau_ms >= dt = 0.1 ms (it overshoots, then diverges, below); use Exact integration"},
		{"tau below dt with Euler, per neuron", lif(func(s *IF) { s.TauMs = param.Array(10, 0.09, 10) }), env, "tau_ms[1] = 0.09: Euler integration of the leak needs tau_ms >= dt"},
		{"tau below dt with Euler, AdEx", mod(func(s *IF) { s.TauMs = param.Const(0.05) }), env, "adex: tau_ms = 0.05: Euler integration of the leak needs tau_ms >= dt = 0.1 ms (it overshoots, then diverges, below); lower dt_ms"},
		{"r zero", lif(func(s *IF) { s.R = param.Const(0) }), env, "r = 0: must be > 0"},
		{"rest inf", lif(func(s *IF) { s.RestMV = param.Const(math.Inf(1)) }), env, "rest_mV = +Inf: must be finite"},
		{"threshold NaN", lif(func(s *IF) { s.ThresholdMV = param.Const(math.NaN()) }), env, "threshold_mV = NaN"},
		{"reset above threshold", lif(func(s *IF) { s.ResetMV = pv(-30) }), env, "reset_mV = -30: must be < threshold_mV = -40"},
		{"rest above threshold", lif(func(s *IF) { s.RestMV = param.Const(-30) }), env, "rest_mV (the reset potential) = -30"},
		{"reset per neuron", lif(func(s *IF) { v := param.Array(-60, -40, -60); s.ResetMV = &v }), env, "reset_mV[1] = -40"},
		{"refractory negative", lif(func(s *IF) { s.RefractoryMs = param.Const(-1) }), env, "refractory_ms = -1: must be >= 0"},
		{"v0 NaN", lif(func(s *IF) { s.V0MV = pv(math.NaN()) }), env, "v0_mV = NaN"},
		{"v0 needs key source", lif(func(s *IF) { v := param.Array(1, 2); s.V0MV = &v }), env, "v0_mV: array has 2 values"},
		{"delta_t zero", mod(func(s *IF) { s.Terms[1] = Exponential{DeltaTMV: param.Const(0), ThetaRHMV: param.Const(-50)} }), env, "adex: delta_t_mV = 0: must be > 0"},
		{"theta_rh inf", mod(func(s *IF) { s.Terms[1] = Exponential{DeltaTMV: param.Const(2), ThetaRHMV: param.Const(math.Inf(-1))} }), env, "theta_rh_mV = -Inf"},
		{"tau_w zero", mod(func(s *IF) { a := DefaultAdaptation(); a.TauWMs = param.Const(0); s.Terms[2] = a }), env, "tau_w_ms = 0: must be > 0"},
		{"a NaN", mod(func(s *IF) { a := DefaultAdaptation(); a.A = param.Const(math.NaN()); s.Terms[2] = a }), env, "a = NaN"},
		{"b inf", mod(func(s *IF) { a := DefaultAdaptation(); a.B = param.Const(math.Inf(1)); s.Terms[2] = a }), env, "b = +Inf"},
		{"adaptation form", mod(func(s *IF) { a := DefaultAdaptation(); a.Form = 7; s.Terms[2] = a }), env, "adaptation form = 7"},
		{"duplicate term", lif(func(s *IF) { s.Terms = []Term{Leak{}, Leak{}} }), env, "leak appears twice"},
		{"nil term", lif(func(s *IF) { s.Terms = []Term{Leak{}, nil} }), env, "terms[1] is nil"},
		{"typed nil term", lif(func(s *IF) { var e *Exponential; s.Terms = []Term{Leak{}, e} }), env, "terms[1] is nil"},
		{"env dt inf", LIF(), Env{N: 1, Batch: 1, Dt: math.Inf(1)}, "dt = +Inf ms: must be finite"},
		{"exact with exp", mod(func(s *IF) { s.Integration = Exact }), env, "integration = exact: needs the Leak term alone"},
		{"exact without leak", IF{TauMs: param.Const(20), R: param.Const(1), Integration: Exact, ThresholdMV: param.Const(1)}, env, "needs the Leak term alone"},
		{"integration unknown", lif(func(s *IF) { s.Integration = 9 }), env, "integration = 9"},
		{"env size", LIF(), Env{N: 0, Batch: 1, Dt: 0.1}, "size = 0"},
		{"env batch", LIF(), Env{N: 1, Batch: 0, Dt: 0.1}, "batch = 0"},
		{"env dt", LIF(), Env{N: 1, Batch: 1, Dt: 0}, "dt = 0 ms"},
	}
	for _, c := range cases {
		m, err := c.s.New(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New = %v, %v; want an error containing %q", c.name, m, err, c.want)
		}
	}
}

// The unrolled scalar loops agree bit for bit with the plain per-element
// loops, spikes included (N = 103: unrolled body and remainder).
func TestFastLoopsAgree(t *testing.T) {
	const n = 103
	src := rng.NewKey(1).Stream()
	v := make([]float32, n)
	in := make([]float32, n)
	j := make([]float32, n)
	for i := range v {
		v[i] = float32(-70 + 35*src.Float64())
		in[i] = float32(60 * src.Float64())
		j[i] = float32(src.Float64() - 0.5)
	}
	const k, e, g, th = 0.05, -70.6, 0.05, -40
	for _, withJump := range []bool{false, true} {
		v1, v2 := slices.Clone(v), slices.Clone(v)
		var f1, f2 []uint32
		if withJump {
			f1 = lifScalarJump(v1, in, j, k, e, g, th, nil)
			f2 = lifArraysJump(v2, in, j, fill(n, k), fill(n, e), fill(n, g), fill(n, th), nil)
		} else {
			f1 = lifScalar(v1, in, k, e, g, th, nil)
			f2 = lifArrays(v2, in, fill(n, k), fill(n, e), fill(n, g), fill(n, th), nil)
		}
		if !slices.Equal(v1, v2) || !slices.Equal(f1, f2) || len(f1) < 10 || f1[len(f1)-1] < 100 {
			t.Fatalf("jump=%v: scalar loop fired %v, array loop %v", withJump, f1, f2)
		}
	}
}

func TestModelsContract(t *testing.T) {
	env := Env{N: 3, Batch: 2, Dt: 0.1}
	for _, s := range []Spec{PerfectIF(), LIF(), EIF(), AIF(), AdEx(), IzhikevichRS(), TraubMiles(), RateUnit(Tanh)} {
		m := mustNew(t, s, env)
		if m.Len() != env.Len() {
			t.Errorf("%s: Len %d", s.Kind(), m.Len())
		}
		for _, name := range m.Vars() {
			if x := vvar(t, m, name); len(x) != env.Len() {
				t.Errorf("%s: %s has %d values", s.Kind(), name, len(x))
			}
		}
		if _, ok := m.Var("nope"); ok {
			t.Errorf("%s: unknown variable accepted", s.Kind())
		}
		f, ok := m.(Failer)
		if !ok {
			t.Errorf("%s: not a Failer", s.Kind())
			continue
		}
		m.Step(0, Input{Current: make([]float32, 5)}, nil)
		m.Step(0, Input{Jump: make([]float32, 7)}, nil)
		if f.Err() == nil {
			t.Errorf("%s: wrong input lengths not reported", s.Kind())
		}
		_, graded := m.(Graded)
		_, rep := m.(Repolarizer)
		switch s.(type) {
		case Rate:
			if !graded {
				t.Errorf("rate unit is not Graded")
			}
		case IF, Izhikevich:
			if !rep || graded {
				t.Errorf("%s: Repolarizer %v, Graded %v", s.Kind(), rep, graded)
			}
		}
	}
}

// Euler's bound on τ concerns the leak: a perfect integrator (no Leak
// term) takes a τ below dt, and τ = dt passes whatever dt's float32
// rounding (dt 0.7 ms rounds down in float32).
func TestEulerTauBound(t *testing.T) {
	perfect := IF{TauMs: param.Const(0.05), R: param.Const(1), RestMV: param.Const(0), ThresholdMV: param.Const(1)}
	if _, err := perfect.New(Env{N: 3, Batch: 1, Dt: 0.1}); err != nil {
		t.Errorf("a perfect integrator with tau 0.05 ms at dt 0.1 ms: %v", err)
	}
	for _, dt := range []float64{0.7, 0.9, 1.3, 0.01, 0.02, 0.1} {
		s := LIF()
		s.TauMs = param.Const(dt)
		if _, err := s.New(Env{N: 3, Batch: 1, Dt: dt}); err != nil {
			t.Errorf("tau = dt = %g ms: %v", dt, err)
		}
	}
}
