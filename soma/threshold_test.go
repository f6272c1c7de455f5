package soma

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

// perfectUnit is a perfect integrator with τ = dt = 1 ms, R = 1, rest = 0
// and θ = 10: each step adds the current to the potential exactly.
func perfectUnit() IF {
	return IF{TauMs: param.Const(1), R: param.Const(1), RestMV: param.Const(0), ThresholdMV: param.Const(10)}
}

func thresholdOf(delta, tau float64) *AdaptiveThreshold {
	return &AdaptiveThreshold{DeltaMV: param.Const(delta), TauMs: param.Const(tau)}
}

// A hand-stepped sequence. Perfect integrator (u_n = u' + 3), θ = 10,
// Δθ = 8 mV, τθ = 4 ms at dt = 1 ms (Euler: d = 1 − 1/4 = 3/4). At each
// step n: a_n = (a_{n−1} + 8·s_{n−1})·3/4, then the neuron fires if
// u_n > 10 + a_n; after a spike u' = 0.
//
//	n   u    a                                    θ + a        spike
//	0   3    0                                    10
//	1   6    0                                    10
//	2   9    0                                    10
//	3   12   0                                    10           yes (12 > 10)
//	4   3    (0 + 8)·3/4 = 6                      16
//	5   6    4.5                                  14.5
//	6   9    3.375                                13.375
//	7   12   2.53125                              12.53125     no (12 < 12.53)
//	8   15   1.8984375                            11.8984375   yes
//	9   3    (1.8984375 + 8)·3/4 = 7.423828125    17.42
//	10  6    5.56787109375
//	11  9    4.1759033203125
//	12  12   3.131927490234375                    13.13        no
//	13  15   2.34894561767578125                  12.35        yes
//	14  3    (2.34894561767578125 + 8)·3/4 = 7.7617092132568359375
//	15  6    5.821281909942626953125
//	16  9    4.36596143245697021484375
//	17  12   3.2744710743427276611328125                       no
//	18  15   2.455853305757045745849609375                     yes
//
// Without adaptation the neuron fires every 4 steps (3, 7, 11, ...); the
// adaptive threshold stretches the interval to 5 steps. Neuron 1 has
// Δθ = 0 and keeps the 4-step period; copy 1 gets no input.
func TestAdaptiveThresholdHandStepped(t *testing.T) {
	s := perfectUnit()
	s.AdaptiveThreshold = &AdaptiveThreshold{DeltaMV: param.Array(8, 0), TauMs: param.Const(4)}
	m := mustNew(t, s, Env{N: 2, Batch: 2, Dt: 1})
	v, theta := vvar(t, m, "v"), vvar(t, m, "theta")
	wantA := []float64{0, 0, 0, 0, 6, 4.5, 3.375, 2.53125, 1.8984375,
		7.423828125, 5.56787109375, 4.1759033203125, 3.131927490234375, 2.34894561767578125,
		7.7617092132568359375, 5.821281909942626953125, 4.36596143245697021484375,
		3.2744710743427276611328125, 2.455853305757045745849609375}
	wantU := []float32{3, 6, 9, 12, 3, 6, 9, 12, 15, 3, 6, 9, 12, 15, 3, 6, 9, 12, 15}
	spikes0 := []int{3, 8, 13, 18}
	spikes1 := []int{3, 7, 11, 15}
	in := Input{Current: []float32{3, 3, 0, 0}}
	for n := range wantA {
		f := m.Step(int64(n), in, nil)
		var want []uint32
		if slices.Contains(spikes0, n) {
			want = append(want, 0)
		}
		if slices.Contains(spikes1, n) {
			want = append(want, 1)
		}
		if !slices.Equal(f, want) {
			t.Fatalf("step %d: fired %v, want %v", n, f, want)
		}
		if v[0] != wantU[n] || theta[0] != float32(wantA[n]) {
			t.Fatalf("step %d: u = %g, theta = %.10g; want %g, %.10g", n, v[0], theta[0], wantU[n], wantA[n])
		}
		if theta[1] != 0 || theta[2] != 0 || theta[3] != 0 || v[2] != 0 {
			t.Fatalf("step %d: theta %v, v %v: neuron 1 and copy 1 must not adapt", n, theta, v)
		}
	}
	// Reset returns a to 0 and the threshold to θ: the first spike is
	// again at step 3.
	m.Reset()
	for n := range 4 {
		f := m.Step(int64(n), in, nil)
		if theta[0] != 0 || (n == 3) != slices.Contains(f, 0) {
			t.Fatalf("after Reset, step %d: fired %v, theta %g", n, f, theta[0])
		}
	}
}

// isiPrediction returns the spike steps of a LIF neuron with an adaptive
// threshold under constant input, from the closed form of the trajectory:
// after the reset to V_r (and K held steps) the potential j integration
// steps later is u_j = E + (V_r − E)·q^j, with q = e^{−dt/τ} (exact) or
// 1 − dt/τ (Euler) and E = rest + R·I, and the threshold k steps after a
// spike at which the adaptation was a is θ + (a + Δθ)·d^k. It also returns
// the smallest distance |u − θ_eff| met, so that the test can refuse
// parameters that float32 rounding might flip.
func isiPrediction(q, d, e, vr, rest, th, delta float64, k, spikes int) (steps []int, margin float64) {
	margin = math.Inf(1)
	// The first spike: from u = rest, a = 0, no reset.
	var j int
	for j = 1; ; j++ {
		u := e + (rest-e)*math.Pow(q, float64(j))
		margin = math.Min(margin, math.Abs(u-th))
		if u > th {
			break
		}
	}
	step := j - 1 // steps are counted from 0
	steps = append(steps, step)
	a := 0.0
	for len(steps) < spikes {
		for j = 1; ; j++ {
			u := e + (vr-e)*math.Pow(q, float64(j))
			theta := th + (a+delta)*math.Pow(d, float64(k+j))
			margin = math.Min(margin, math.Abs(u-theta))
			if u > theta {
				break
			}
		}
		a = (a + delta) * math.Pow(d, float64(k+j))
		step += k + j
		steps = append(steps, step)
	}
	return steps, margin
}

func TestAdaptiveThresholdISIsLengthen(t *testing.T) {
	const tau, rest, th, dt, ri = 20.0, -70.6, -40.0, 0.1, 40.0
	for _, c := range []struct {
		integ       Integration
		exact       bool // exact threshold decay with Euler membrane
		delta, tauT float64
		tref        float64
		reset       float64
	}{
		{Exact, false, 2.5, 200, 0, -65},
		{Exact, false, 4, 100, 1, rest},
		{Euler, false, 2, 100, 0, rest},
		{Euler, false, 2.5, 100, 2, rest},
		{Euler, true, 2.5, 150, 0, -60},
	} {
		s := LIF()
		s.Integration = c.integ
		s.RefractoryMs = param.Const(c.tref)
		s.ResetMV = pv(c.reset)
		s.AdaptiveThreshold = &AdaptiveThreshold{DeltaMV: param.Const(c.delta), TauMs: param.Const(c.tauT), Exact: c.exact}
		m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: dt})

		q, d := 1-dt/tau, 1-dt/c.tauT
		if c.integ == Exact {
			q = math.Exp(-dt / tau)
		}
		if c.integ == Exact || c.exact {
			d = math.Exp(-dt / c.tauT)
		}
		K := int(math.Round(c.tref / dt))
		const spikes = 12
		want, margin := isiPrediction(q, d, rest+ri, c.reset, rest, th, c.delta, K, spikes)
		if margin < 2.5e-3 {
			t.Fatalf("%+v: parameters too close to threshold for float32 (margin %g mV)", c, margin)
		}
		// The prediction itself lengthens: the first interval is longer
		// than without adaptation, and the intervals grow.
		var isi []int
		for j := 1; j < len(want); j++ {
			isi = append(isi, want[j]-want[j-1])
		}
		plain := K + int(math.Floor(math.Log((rest+ri-c.reset)/(rest+ri-th))/-math.Log(q))) + 1
		if !(isi[0] > plain && isi[len(isi)-1] > isi[0]) {
			t.Fatalf("%+v: predicted intervals %v do not lengthen beyond %d", c, isi, plain)
		}
		for j := 1; j < len(isi); j++ {
			if isi[j] < isi[j-1] {
				t.Fatalf("%+v: predicted intervals %v shrink", c, isi)
			}
		}

		var got []int
		in := Input{Current: []float32{ri}}
		for n := 0; len(got) < spikes && n < want[spikes-1]+10; n++ {
			if f := m.Step(int64(n), in, nil); len(f) > 0 {
				got = append(got, n)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: spikes at %v, want %v (intervals %v)", c, got, want, isi)
		}
	}
}

func TestAdaptiveThresholdFireAtThreshold(t *testing.T) {
	// u = 5.25, 10.5 (spike, > 10), 5.25, 10.5, ...; Δθ = 2, τθ = 2 ms
	// (d = 1/2): at step 3 a = (0 + 2)/2/2 = 1/2, so u = 10.5 = θ + a
	// exactly. FireAtThreshold fires there; otherwise the neuron fires at
	// step 4 (u = 15.75 > 10 + 1/4).
	for _, incl := range []bool{false, true} {
		s := perfectUnit()
		s.FireAtThreshold = incl
		s.AdaptiveThreshold = thresholdOf(2, 2)
		m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 1})
		var got []int
		for n := range 5 {
			if len(m.Step(int64(n), Input{Current: []float32{5.25}}, nil)) > 0 {
				got = append(got, n)
			}
		}
		want := []int{1, 4}
		if incl {
			want = []int{1, 3}
		}
		if !slices.Equal(got, want) {
			t.Errorf("FireAtThreshold=%v: spikes at %v, want %v", incl, got, want)
		}
	}
}

func TestAdaptiveThresholdRefractoryAndSetFired(t *testing.T) {
	// Δθ = 4, τθ = 2 ms (d = 1/2), refractory 3 steps: a keeps decaying
	// while the neuron is held: 2, 1, 0.5 over the held steps.
	s := perfectUnit()
	s.RefractoryMs = param.Const(3)
	s.AdaptiveThreshold = thresholdOf(4, 2)
	m := mustNew(t, s, Env{N: 2, Batch: 1, Dt: 1})
	theta := vvar(t, m, "theta")
	in := Input{Jump: []float32{11, 0}}
	if f := m.Step(0, in, nil); !slices.Equal(f, []uint32{0}) {
		t.Fatalf("step 0 fired %v", f)
	}
	in.Jump[0] = 0
	for n, want := range []float32{2, 1, 0.5, 0.25} {
		if f := m.Step(int64(1+n), in, nil); len(f) != 0 || theta[0] != want {
			t.Fatalf("step %d: fired %v, theta %g; want none, %g", 1+n, f, theta[0], want)
		}
	}

	// SetFired decides which spikes raise the threshold: a spike removed
	// by a principle does not, one added by a clamp does.
	m.Reset()
	rp := m.(Repolarizer)
	m.Step(0, Input{Jump: []float32{11, 0}}, nil)
	rp.SetFired([]uint32{1})
	m.Step(1, Input{Jump: []float32{-5, 0}}, nil) // neuron 0, not reset, falls to 6
	if theta[0] != 0 || theta[1] != 2 {
		t.Fatalf("after SetFired([1]): theta = %v, want [0 2]", theta)
	}

	// A value written into Var("theta") is the new a.
	theta[0] = 6
	m.Step(2, Input{}, nil)
	if theta[0] != 3 || theta[1] != 1 {
		t.Fatalf("after writing theta[0] = 6: theta = %v, want [3 1]", theta)
	}
}

func TestAdaptiveThresholdConductancePath(t *testing.T) {
	// LIF, rest 0, θ = 10, dt/τ = 0.1, driven to E = 200 through the
	// current (R·I = 200) or a conductance (GE = 200, G = 0): u = 20 at
	// each step after a reset, 38 two steps after. Δθ = 15, τθ = 2 ms
	// (d = 1/2): step 1 tests θ + 7.5 (spike), step 2 θ + 11.25 = 21.25 >
	// 20 (none), step 3 θ + 5.625 < 38 (spike).
	s := LIF()
	s.TauMs, s.RestMV, s.ThresholdMV = param.Const(10), param.Const(0), param.Const(10)
	s.AdaptiveThreshold = thresholdOf(15, 2)
	for _, cond := range []bool{false, true} {
		m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 1})
		var got []int
		for n := range 4 {
			in := Input{Current: []float32{200}}
			if cond {
				in = Input{G: []float32{0}, GE: []float32{200}}
			}
			if len(m.Step(int64(n), in, nil)) > 0 {
				got = append(got, n)
			}
		}
		if err := m.(Failer).Err(); err != nil {
			t.Fatal(err)
		}
		if want := []int{0, 1, 3}; !slices.Equal(got, want) {
			t.Errorf("conductance=%v: spikes at %v, want %v", cond, got, want)
		}
	}
}

func TestAdaptiveThresholdSlowDecay(t *testing.T) {
	// Diehl & Cook's τθ = 10⁷ ms at dt = 0.1 ms: a per-step factor that
	// is 1 in float32. a is kept in float64, so after one spike and n
	// steps it reads Δθ·e^{−n·dt/τθ}.
	s := LIF()
	at := DiehlCookThreshold()
	s.AdaptiveThreshold = &at
	m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 0.1})
	theta := vvar(t, m, "theta")
	if f := m.Step(0, Input{Jump: []float32{100}}, nil); len(f) != 1 {
		t.Fatal("no spike")
	}
	const n = 100000
	for i := 1; i <= n; i++ {
		m.Step(int64(i), Input{}, nil)
	}
	want := 0.05 * math.Exp(-n*0.1/1e7)
	if math.Abs(float64(theta[0])-want) > 1e-8 || theta[0] == 0.05 {
		t.Errorf("theta after %d steps = %.9g, want %.9g", n, theta[0], want)
	}
}

// Stepping the parts of a split model with the slices of the input gives,
// bit for bit, what stepping the whole gives, theta included.
func TestAdaptiveThresholdSplit(t *testing.T) {
	lif := LIF()
	lif.RefractoryMs = param.Const(2)
	lif.V0MV = ptrValue(param.Uniform(-70, -45))
	lif.AdaptiveThreshold = &AdaptiveThreshold{DeltaMV: param.Uniform(0.5, 4), TauMs: param.Uniform(20, 200)}
	exact := LIF()
	exact.Integration = Exact
	exact.FireAtThreshold = true
	exact.AdaptiveThreshold = &AdaptiveThreshold{DeltaMV: param.Const(2), TauMs: param.Const(50)}
	adex := AdExTextbook()
	adex.V0MV = ptrValue(param.Uniform(-70, -45))
	adex.AdaptiveThreshold = &AdaptiveThreshold{DeltaMV: param.Const(3), TauMs: param.Const(80), Exact: true}
	const n = 23
	for name, spec := range map[string]IF{"lif": lif, "lif-exact": exact, "adex": adex} {
		env := Env{N: n, Batch: 1, Dt: 0.1, Key: rng.NewKey(3)}
		whole := mustNew(t, spec, env)
		base := mustNew(t, spec, env)
		bounds := [][2]int{{0, 5}, {5, 6}, {6, 23}}
		var parts []Model
		for _, b := range bounds {
			p, err := base.(Splitter).Split(b[0], b[1])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			parts = append(parts, p)
		}
		if !slices.Contains(whole.Vars(), "theta") || !slices.Contains(parts[0].Vars(), "theta") {
			t.Fatalf("%s: theta missing from %v", name, whole.Vars())
		}
		key := rng.NewKey(8)
		cur, jump := make([]float32, n), make([]float32, n)
		spikes := 0
		for step := int64(0); step < 3000; step++ {
			for i := range cur {
				cur[i] = float32(40 * key.Uniform(uint64(step), uint64(i)))
				jump[i] = float32(2 * key.Uniform(uint64(step), uint64(i+1000)))
			}
			want := whole.Step(step, Input{Current: cur, Jump: jump}, nil)
			spikes += len(want)
			var got []uint32
			for k, p := range parts {
				lo, hi := bounds[k][0], bounds[k][1]
				for _, e := range p.Step(step, Input{Current: cur[lo:hi], Jump: jump[lo:hi]}, nil) {
					got = append(got, e+uint32(lo))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s step %d: parts fired %v, whole %v", name, step, got, want)
			}
			for _, v := range whole.Vars() {
				w, _ := whole.Var(v)
				for k, p := range parts {
					pv, _ := p.Var(v)
					for i := range pv {
						if x, y := pv[i], w[bounds[k][0]+i]; x != y && !(x != x && y != y) {
							t.Fatalf("%s step %d: %s[%d] = %g in the part, %g in the whole", name, step, v, bounds[k][0]+i, x, y)
						}
					}
				}
			}
		}
		th, _ := whole.Var("theta")
		if spikes < 50 || slices.Max(th) == 0 {
			t.Errorf("%s: %d spikes, theta %v: the test needs adaptation", name, spikes, th)
		}
	}
}

func TestAdaptiveThresholdVars(t *testing.T) {
	s := AIF()
	s.AdaptiveThreshold = thresholdOf(1, 10)
	m := mustNew(t, s, Env{N: 3, Batch: 2, Dt: 0.1})
	if got, want := m.Vars(), []string{"v", "w", "refractory", "theta"}; !slices.Equal(got, want) {
		t.Errorf("Vars = %v, want %v", got, want)
	}
	if th := vvar(t, m, "theta"); len(th) != 6 {
		t.Errorf("theta has %d values, want 6", len(th))
	}
	if _, ok := mustNew(t, LIF(), Env{N: 1, Batch: 1, Dt: 0.1}).Var("theta"); ok {
		t.Error("theta offered without an adaptive threshold")
	}
	if s.Kind() != "aif" {
		t.Errorf("Kind = %q: the threshold is an option, not a term", s.Kind())
	}
}

func TestAdaptiveThresholdInvalid(t *testing.T) {
	env := Env{N: 3, Batch: 1, Dt: 0.1}
	with := func(a AdaptiveThreshold, integ Integration) IF {
		s := LIF()
		s.Integration = integ
		s.AdaptiveThreshold = &a
		return s
	}
	for _, c := range []struct {
		name string
		s    IF
		want string
	}{
		{"delta negative", with(AdaptiveThreshold{DeltaMV: param.Const(-1), TauMs: param.Const(10)}, Euler), "lif: theta_delta_mV = -1: must be >= 0"},
		{"delta NaN", with(AdaptiveThreshold{DeltaMV: param.Const(math.NaN()), TauMs: param.Const(10)}, Euler), "lif: theta_delta_mV = NaN: must be finite"},
		{"tau zero value", with(AdaptiveThreshold{DeltaMV: param.Const(1)}, Euler), "lif: tau_theta_ms = 0: must be > 0"},
		{"tau element", with(AdaptiveThreshold{DeltaMV: param.Const(1), TauMs: param.Array(10, -2, 10)}, Euler), "lif: tau_theta_ms[1] = -2: must be > 0"},
		{"tau below dt", with(AdaptiveThreshold{DeltaMV: param.Const(1), TauMs: param.Const(0.05)}, Euler), "lif: tau_theta_ms = 0.05 < dt = 0.1 ms"},
		{"tau element below dt", with(AdaptiveThreshold{DeltaMV: param.Const(1), TauMs: param.Array(10, 0.05, 10)}, Euler), "lif: tau_theta_ms[1] = 0.05 < dt = 0.1 ms"},
	} {
		m, err := c.s.New(env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New = %v, %v; want an error containing %q", c.name, m, err, c.want)
		}
	}
	// τθ < dt is fine with an exact decay.
	for _, s := range []IF{
		with(AdaptiveThreshold{DeltaMV: param.Const(1), TauMs: param.Const(0.05), Exact: true}, Euler),
		with(AdaptiveThreshold{DeltaMV: param.Const(1), TauMs: param.Const(0.05)}, Exact),
	} {
		if _, err := s.New(env); err != nil {
			t.Errorf("exact decay with τθ < dt: %v", err)
		}
	}
}
