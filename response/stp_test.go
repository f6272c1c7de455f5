package response

import (
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
)

// The expected values below come from the Tsodyks–Markram equations in
// their spike-to-spike form (Markram, Wang & Tsodyks 1998), never from the
// stepped implementation:
//
//	u⁺_1 = U,   x⁻_1 = 1
//	u⁺_n = U + (1 − U)·u⁺_{n−1}·b,            b = e^{−Δ/τ_F} (0 for τ_F = 0)
//	x⁻_n = 1 − (1 − x⁻_{n−1}·(1 − u⁺_{n−1}))·a, a = e^{−Δ/τ_D}
//	E_n  = u⁺_n·x⁻_n
//
// with Δ the interval between spikes n−1 and n.

// regular returns an input sequence of steps values with a spike (1)
// every k steps, from step 0.
func regular(steps, k int) []float32 {
	xs := make([]float32, steps)
	for s := 0; s < steps; s += k {
		xs[s] = 1
	}
	return xs
}

// tmEvents computes the efficacies of spikes at the times ts (ms) from the
// spike-to-spike equations.
func tmEvents(U, tauD, tauF float64, ts []float64) []float64 {
	var out []float64
	u, x := 0.0, 1.0 // u⁺ and x⁻ of the last spike
	for n, t := range ts {
		if n == 0 {
			u, x = U, 1
		} else {
			dt := t - ts[n-1]
			b := 0.0
			if tauF > 0 {
				b = math.Exp(-dt / tauF)
			}
			a := math.Exp(-dt / tauD)
			x = 1 - (1-x*(1-u))*a
			u = U + (1-U)*u*b
		}
		out = append(out, u*x)
	}
	return out
}

// atSpikes checks that got holds want[j] at the j-th non-zero input of xs
// and 0 at every other step.
func atSpikes(t *testing.T, what string, xs, got []float32, want []float64, tol float64) {
	t.Helper()
	j := 0
	for s, x := range xs {
		if x == 0 {
			if got[s] != 0 {
				t.Fatalf("%s: step %d (no spike) = %g, want 0", what, s, got[s])
			}
			continue
		}
		if j >= len(want) {
			t.Fatalf("%s: more spikes than expected values", what)
		}
		if d := math.Abs(float64(got[s]) - want[j]); d > tol*math.Max(1e-3, math.Abs(want[j])) {
			t.Fatalf("%s: spike %d (step %d) = %.9g, want %.9g", what, j+1, s, got[s], want[j])
		}
		j++
	}
	if j != len(want) {
		t.Fatalf("%s: %d spikes, want %d values", what, j, len(want))
	}
}

func tm(U, tauD, tauF float64) TsodyksMarkram {
	return TsodyksMarkram{U: param.Const(U), TauDMs: param.Const(tauD), TauFMs: param.Const(tauF)}
}

func TestTsodyksMarkramDepressingTrain(t *testing.T) {
	// τ_F = 0: every spike uses U, and x⁻_n follows the linear recurrence
	// x⁻_n = 1 − (1 − (1−U)·x⁻_{n−1})·a, whose solution is
	// x⁻_n = x* + (1 − x*)·((1−U)·a)^{n−1}, x* = (1 − a)/(1 − (1−U)·a).
	const U, tauD = 0.5, 100.0
	for _, tc := range []struct{ dt, k float64 }{{1, 10}, {0.1, 25}, {0.25, 1}} {
		k := int(tc.k)
		isi := tc.k * tc.dt
		a := math.Exp(-isi / tauD)
		xs := regular(20*k, k)
		f := build(t, tm(U, tauD, 0), 3, tc.dt)
		got := run(t, f, xs, 1)
		xStar := (1 - a) / (1 - (1-U)*a)
		var want []float64
		for n := 1; n <= 20; n++ {
			want = append(want, U*(xStar+(1-xStar)*math.Pow((1-U)*a, float64(n-1))))
		}
		if want[0] != U || !(want[19] < want[1]) {
			t.Fatalf("closed form is not depressing: %v", want)
		}
		atSpikes(t, "depressing", xs, got, want, 1e-6)
	}
}

func TestTsodyksMarkramFacilitatingTrain(t *testing.T) {
	// τ_D far below dt: the resources recover completely between steps
	// (e^{−dt/τ_D} = 0 in float64), so E_n = u⁺_n, and
	// u⁺_n = u* + (U − u*)·((1−U)·b)^{n−1}, u* = U/(1 − (1−U)·b).
	const U, tauD, tauF, dt, k = 0.05, 1e-3, 750.0, 0.5, 40
	b := math.Exp(-k * dt / tauF)
	uStar := U / (1 - (1-U)*b)
	xs := regular(30*k, k)
	got := run(t, build(t, tm(U, tauD, tauF), 2, dt), xs, 0)
	var want []float64
	for n := 1; n <= 30; n++ {
		want = append(want, uStar+(U-uStar)*math.Pow((1-U)*b, float64(n-1)))
	}
	if !(want[29] > 3*want[0]) {
		t.Fatalf("closed form is not facilitating: %v", want)
	}
	atSpikes(t, "facilitating", xs, got, want, 1e-6)
}

func TestTsodyksMarkramMixedTrain(t *testing.T) {
	// Markram et al. (1998)'s facilitating synapse (U = 0.16, τ_D = 45 ms,
	// τ_F = 376 ms) and a depressing one (U = 0.5, τ_D = 800 ms, τ_F =
	// 20 ms), against the spike-to-spike equations.
	for _, p := range []struct{ U, tauD, tauF float64 }{{0.16, 45, 376}, {0.5, 800, 20}} {
		const dt, k, spikes = 0.1, 200, 25 // 50 Hz
		xs := regular(spikes*k, k)
		ts := make([]float64, spikes)
		for n := range ts {
			ts[n] = float64(n*k) * dt
		}
		got := run(t, build(t, tm(p.U, p.tauD, p.tauF), 1, dt), xs, 0)
		atSpikes(t, "mixed", xs, got, tmEvents(p.U, p.tauD, p.tauF, ts), 1e-6)
	}
}

func TestTsodyksMarkramSteadyState(t *testing.T) {
	// A regular train at rate f (Δ = 1000/f ms) settles at
	// u* = U/(1 − (1−U)·b), x* = (1 − a)/(1 − (1 − u*)·a), E* = u*·x*,
	// the fixed point of the spike-to-spike map. For τ_F = 0 that is
	// E* = U·(1 − a)/(1 − (1−U)·a).
	const dt = 0.1
	for _, p := range []struct{ U, tauD, tauF, rate float64 }{
		{0.5, 100, 0, 10}, {0.5, 100, 0, 40}, {0.5, 800, 0, 20},
		{0.16, 45, 376, 5}, {0.16, 45, 376, 20}, {0.16, 45, 376, 50},
		{0.03, 130, 530, 25},
	} {
		isi := 1000 / p.rate
		k := int(math.Round(isi / dt))
		a := math.Exp(-isi / p.tauD)
		b := 0.0
		if p.tauF > 0 {
			b = math.Exp(-isi / p.tauF)
		}
		uStar := p.U / (1 - (1-p.U)*b)
		xStar := (1 - a) / (1 - (1-uStar)*a)
		want := uStar * xStar
		if p.tauF == 0 {
			if w := p.U * (1 - a) / (1 - (1-p.U)*a); math.Abs(w-want) > 1e-15 {
				t.Fatalf("closed forms disagree: %g, %g", w, want)
			}
		}
		// Long enough for both geometric transients ((1−U)·b and
		// (1−u*)·a per spike) to fall below 1e-9.
		spikes := 400
		xs := regular(spikes*k, k)
		got := run(t, build(t, tm(p.U, p.tauD, p.tauF), 1, dt), xs, 0)
		last := got[(spikes-1)*k]
		if math.Abs(float64(last)-want) > 1e-6*want {
			t.Errorf("U = %g, τ_D = %g, τ_F = %g at %g Hz: steady efficacy %.9g, want %.9g", p.U, p.tauD, p.tauF, p.rate, last, want)
		}
	}
}

func TestTsodyksMarkramRecovery(t *testing.T) {
	// Five spikes 10 ms apart, then a pause P: the next spike sees
	// x⁻ = 1 − (1 − x⁺_5)·e^{−P/τ_D} and u⁻ = u⁺_5·e^{−P/τ_F}.
	const dt, k = 1.0, 10
	for _, p := range []struct{ U, tauD, tauF float64 }{{0.5, 100, 0}, {0.2, 80, 300}} {
		for _, pause := range []int{1, 50, 250, 1000} {
			xs := make([]float32, 4*k+pause+1)
			for n := range 5 {
				xs[n*k] = 1
			}
			xs[4*k+pause] = 1
			got := run(t, build(t, tm(p.U, p.tauD, p.tauF), 1, dt), xs, 0)

			// The state after spike 5, from the spike-to-spike map.
			u, x := p.U, 1.0
			a, b := math.Exp(-k*dt/p.tauD), 0.0
			if p.tauF > 0 {
				b = math.Exp(-k * dt / p.tauF)
			}
			var want []float64
			for n := 1; n <= 5; n++ {
				if n > 1 {
					x = 1 - (1-x*(1-u))*a
					u = p.U + (1-p.U)*u*b
				}
				want = append(want, u*x)
			}
			P := float64(pause) * dt
			xm := 1 - (1-x*(1-u))*math.Exp(-P/p.tauD)
			um := 0.0
			if p.tauF > 0 {
				um = u * math.Exp(-P/p.tauF)
			}
			up := um + p.U*(1-um)
			want = append(want, up*xm)
			atSpikes(t, "recovery", xs, got, want, 1e-6)
			// Both deviations from rest shrink at least like the slower
			// exponential: |E − U| ≤ e^{−P/max(τ_D, τ_F)}.
			if bound := math.Exp(-P / math.Max(p.tauD, p.tauF)); math.Abs(want[5]-p.U) > bound {
				t.Errorf("after a pause of %g ms the efficacy %g is further than %g from U = %g", P, want[5], bound, p.U)
			}
		}
	}
}

func TestTsodyksMarkramPerElement(t *testing.T) {
	// Element e uses U[e mod 3], τ_D[e mod 2] and τ_F[e] (6 elements).
	Us := []float64{0.2, 0.5, 0.8}
	tauDs := []float64{50, 100}
	tauFs := []float64{0, 100, 200, 0, 400, 800}
	s := TsodyksMarkram{U: param.Array(Us...), TauDMs: param.Array(tauDs...), TauFMs: param.Array(tauFs...)}
	const dt, k = 1.0, 20
	xs := regular(3*k, k)
	f := build(t, s, 6, dt)
	for e := range 6 {
		f.Reset()
		got := run(t, f, xs, e)
		U, tauD, tauF := Us[e%3], tauDs[e%2], tauFs[e]
		a, b := math.Exp(-k*dt/tauD), 0.0
		if tauF > 0 {
			b = math.Exp(-k * dt / tauF)
		}
		// First two spikes in closed form, the third from the map.
		u2 := U + (1-U)*U*b
		x2 := 1 - U*a
		want := []float64{U, u2 * x2, tmEvents(U, tauD, tauF, []float64{0, k * dt, 2 * k * dt})[2]}
		atSpikes(t, "per element", xs, got, want, 1e-6)
	}
	// The array lengths are reported for the owner's layout check.
	ps := s.ArrayParams()
	if len(ps) != 3 || ps[0] != (ArrayParam{KindTsodyksMarkram, "U", 3}) ||
		ps[1] != (ArrayParam{KindTsodyksMarkram, "tau_d_ms", 2}) || ps[2] != (ArrayParam{KindTsodyksMarkram, "tau_f_ms", 6}) {
		t.Errorf("ArrayParams = %+v", ps)
	}
	if err := (Layout{Valid: []int{1, 3, 6}}).Check(s); err == nil || !strings.Contains(err.Error(), "tsodyks_markram: tau_d_ms has 2 values") {
		t.Errorf("layout check: %v", err)
	}
	if len(tm(0.5, 10, 0).ArrayParams()) != 0 {
		t.Error("constants listed as arrays")
	}
}

func TestTsodyksMarkramElementsIndependent(t *testing.T) {
	// Spikes at one element leave the others at rest; the uniform and the
	// per-element loops agree.
	uni := build(t, tm(0.3, 60, 150), 4, 0.5)
	per := build(t, TsodyksMarkram{U: param.Array(0.3, 0.3, 0.3, 0.9), TauDMs: param.Const(60), TauFMs: param.Const(150)}, 4, 0.5)
	x := make([]float32, 4)
	r1 := make([]float32, 4)
	r2 := make([]float32, 4)
	for s := range 400 {
		clear(x)
		if s%7 == 0 {
			x[1] = 1
		}
		if s == 399 {
			x[0], x[2] = 1, 1
		}
		uni.Step(x, r1)
		per.Step(x, r2)
		for e := range 3 {
			if r1[e] != r2[e] {
				t.Fatalf("step %d element %d: uniform %g, per element %g", s, e, r1[e], r2[e])
			}
		}
	}
	if r1[0] != float32(0.3) || r1[2] != float32(0.3) {
		t.Errorf("untouched elements' first spike = %g, %g, want U = 0.3", r1[0], r1[2])
	}
}

func TestTsodyksMarkramInputScalesOutput(t *testing.T) {
	// Zero input: zero output. A graded input s scales the release; the
	// state changes as for a spike (the second efficacy does not depend on
	// the first input's size).
	const U, tauD = 0.4, 50.0
	f := build(t, tm(U, tauD, 0), 1, 1)
	for _, v := range run(t, f, make([]float32, 100), 0) {
		if v != 0 {
			t.Fatalf("zero input gave %g", v)
		}
	}
	xs := []float32{2.5, 0, 0, 0, -1}
	got := run(t, f, xs, 0)
	x2 := 1 - U*math.Exp(-4/tauD)
	expectSeq(t, "graded", got, []float64{2.5 * U, 0, 0, 0, -U * x2})
}

func TestTsodyksMarkramResetAndInPlace(t *testing.T) {
	f := build(t, tm(0.25, 30, 90), 2, 1)
	xs := regular(50, 3)
	first := run(t, f, xs, 1)
	f.Reset()
	again := run(t, f, xs, 1)
	for i := range first {
		if first[i] != again[i] {
			t.Fatalf("after Reset step %d = %g, want %g", i, again[i], first[i])
		}
	}
	// r may be x.
	f.Reset()
	x := make([]float32, 2)
	for s, v := range xs {
		x[0], x[1] = v, v
		f.Step(x, x)
		if x[1] != first[s] {
			t.Fatalf("in place: step %d = %g, want %g", s, x[1], first[s])
		}
	}
	if f.Memoryless() {
		t.Error("tsodyks_markram reports memoryless")
	}
	if a := testing.AllocsPerRun(50, func() { f.Step(x, x) }); a != 0 {
		t.Errorf("%g allocations per step", a)
	}
}

func TestTsodyksMarkramLongSilenceReturnsToRest(t *testing.T) {
	// After a silence the deviations from rest fall below 1e-30 and are
	// set to exactly rest: the next spike releases exactly U.
	f := build(t, tm(0.5, 1, 1), 1, 1)
	x, r := []float32{1}, []float32{0}
	f.Step(x, r)
	x[0] = 0
	for range 200 { // e^{−200} ≈ 1e-87
		f.Step(x, r)
	}
	x[0] = 1
	f.Step(x, r)
	if r[0] != 0.5 {
		t.Errorf("efficacy after a long silence = %.9g, want exactly U = 0.5", r[0])
	}
	g := f.(*tsodyksMarkram)
	if g.d[0] == 0 || g.f[0] == 0 {
		t.Errorf("state after a spike is at rest: d = %g, f = %g", g.d[0], g.f[0])
	}
}

func TestTsodyksMarkramInvalid(t *testing.T) {
	ok := tm(0.5, 100, 50)
	for _, tc := range []struct {
		name string
		s    TsodyksMarkram
		n    int
		dt   float64
		want []string
	}{
		{"U zero", TsodyksMarkram{TauDMs: param.Const(100)}, 2, 1, []string{"tsodyks_markram", "U = 0", "(0, 1]"}},
		{"U above 1", tm(1.5, 100, 0), 2, 1, []string{"tsodyks_markram", "U = 1.5", "(0, 1]"}},
		{"U element", TsodyksMarkram{U: param.Array(0.5, -0.1), TauDMs: param.Const(100)}, 2, 1, []string{"tsodyks_markram", "U[1] = -0.1", "(0, 1]"}},
		{"U NaN", tm(math.NaN(), 100, 0), 2, 1, []string{"tsodyks_markram", "U = NaN", "finite"}},
		{"tau_d zero", TsodyksMarkram{U: param.Const(0.5)}, 2, 1, []string{"tsodyks_markram", "tau_d_ms = 0", "> 0"}},
		{"tau_d element", TsodyksMarkram{U: param.Const(0.5), TauDMs: param.Array(5, -1)}, 4, 1, []string{"tsodyks_markram", "tau_d_ms[1] = -1", "> 0"}},
		{"tau_f negative", tm(0.5, 100, -3), 2, 1, []string{"tsodyks_markram", "tau_f_ms = -3", ">= 0"}},
		{"tau_f inf", tm(0.5, 100, math.Inf(1)), 2, 1, []string{"tsodyks_markram", "tau_f_ms = +Inf", "finite"}},
		{"U length", TsodyksMarkram{U: param.Array(0.1, 0.2, 0.3, 0.4), TauDMs: param.Const(100)}, 6, 1, []string{"tsodyks_markram", "U has 4 values", "6 elements"}},
		{"tau_d distribution", TsodyksMarkram{U: param.Const(0.5), TauDMs: param.Uniform(50, 100)}, 2, 1, []string{"tsodyks_markram", "tau_d_ms", "array"}},
		{"dt", ok, 2, 0, []string{"tsodyks_markram", "dt = 0"}},
		{"n", ok, 0, 1, []string{"tsodyks_markram", "n = 0"}},
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
	if ok.Kind() != "tsodyks_markram" {
		t.Errorf("Kind = %q", ok.Kind())
	}
}

func TestTsodyksMarkramBrianForm(t *testing.T) {
	// Brian2's STP example: û starts at U and relaxes to U with τ_F, x to
	// 1 with τ_D; a spike releases û·x, then x ← x·(1 − û), û ← û +
	// U·(1 − û). An irregular train gives the same efficacies.
	const U, tauD, tauF, dt = 0.2, 120.0, 400.0, 0.5
	spikeSteps := []int{0, 3, 4, 40, 41, 42, 300, 310, 1500, 1501}
	xs := make([]float32, 1600)
	for _, s := range spikeSteps {
		xs[s] = 1
	}
	got := run(t, build(t, tm(U, tauD, tauF), 1, dt), xs, 0)
	var want []float64
	uh, x, last := U, 1.0, 0.0
	for _, s := range spikeSteps {
		ts := float64(s) * dt
		uh = U + (uh-U)*math.Exp(-(ts-last)/tauF)
		x = 1 + (x-1)*math.Exp(-(ts-last)/tauD)
		want = append(want, uh*x)
		x *= 1 - uh
		uh += U * (1 - uh)
		last = ts
	}
	atSpikes(t, "brian form", xs, got, want, 1e-6)
}
