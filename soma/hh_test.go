package soma

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
)

// hhRK4 integrates the COBAHH equations (written out again here, in whole
// cell units: C = 0.2 nF, g_l = 0.01 µS, g_Na = 20 µS, g_K = 6 µS) with
// classical Runge–Kutta at step h and returns the upward crossings of
// −20 mV (end of the step) up to T ms.
func hhRK4(I, T, h float64) []float64 {
	const vt, el, ek, ena, c, gl, gna, gk = -63.0, -60.0, -90.0, 50.0, 0.2, 0.01, 20.0, 6.0
	rel := func(x float64) float64 {
		if x == 0 {
			return 1
		}
		return math.Expm1(x) / x
	}
	f := func(y [4]float64) [4]float64 {
		v, m, hh, n := y[0], y[1], y[2], y[3]
		am := 0.32 * 4 / rel((13-v+vt)/4)
		bm := 0.28 * 5 / rel((v-vt-40)/5)
		ah := 0.128 * math.Exp((17-v+vt)/18)
		bh := 4 / (1 + math.Exp((40-v+vt)/5))
		an := 0.032 * 5 / rel((15-v+vt)/5)
		bn := 0.5 * math.Exp((10-v+vt)/40)
		dv := (gl*(el-v) + gna*m*m*m*hh*(ena-v) + gk*n*n*n*n*(ek-v) + I) / c
		return [4]float64{dv, am*(1-m) - bm*m, ah*(1-hh) - bh*hh, an*(1-n) - bn*n}
	}
	add := func(y, k [4]float64, s float64) (o [4]float64) {
		for i := range y {
			o[i] = y[i] + s*k[i]
		}
		return
	}
	// Gates at steady state at −60 mV.
	y := [4]float64{el}
	d := f([4]float64{el, 0, 0, 0}) // rates: dx/dt at x = 0 is α
	e := f([4]float64{el, 1, 1, 1}) // at x = 1 it is −β
	for i := 1; i < 4; i++ {
		y[i] = d[i] / (d[i] - e[i])
	}
	var spikes []float64
	for k := 0; float64(k)*h < T; k++ {
		k1 := f(y)
		k2 := f(add(y, k1, h/2))
		k3 := f(add(y, k2, h/2))
		k4 := f(add(y, k3, h))
		var yn [4]float64
		for i := range y {
			yn[i] = y[i] + h/6*(k1[i]+2*k2[i]+2*k3[i]+k4[i])
		}
		if y[0] <= -20 && yn[0] > -20 {
			spikes = append(spikes, float64(k+1)*h)
		}
		y = yn
	}
	return spikes
}

func hhSpikes(t *testing.T, s HH, I float32, dt, T float64) []float64 {
	m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: dt})
	var sp []float64
	for n := 0; float64(n)*dt < T; n++ {
		if len(m.Step(int64(n), Input{Current: []float32{I}}, nil)) > 0 {
			sp = append(sp, float64(n+1)*dt)
		}
	}
	return sp
}

// With fine sub-steps the exponential-Euler model converges to the
// Runge–Kutta solution: spike times agree to within the step dt.
func TestHHAgainstRK4(t *testing.T) {
	for _, I := range []float64{0.5, 2} {
		ref := hhRK4(I, 45, 0.002)
		fine := TraubMiles()
		fine.Substeps = 50
		got := hhSpikes(t, fine, float32(I), 0.1, 45)
		if len(got) < 3 || len(got) != len(ref) {
			t.Fatalf("I = %g nA: spikes %v, RK4 %v", I, got, ref)
		}
		for k := range got {
			if math.Abs(got[k]-ref[k]) > 0.2 {
				t.Fatalf("I = %g nA: spike %d at %g ms, RK4 %g ms", I, k, got[k], ref[k])
			}
		}
		// The default (one 0.1 ms sub-step, Brian2's COBAHH scheme) is first
		// order: its interspike interval is within 15 % of RK4's.
		def := hhSpikes(t, TraubMiles(), float32(I), 0.1, 45)
		isiRef := (ref[len(ref)-1] - ref[0]) / float64(len(ref)-1)
		isiDef := (def[len(def)-1] - def[0]) / float64(len(def)-1)
		if math.Abs(isiDef-isiRef) > 0.15*isiRef {
			t.Fatalf("I = %g nA: default ISI %g ms, RK4 %g ms", I, isiDef, isiRef)
		}
	}
}

// The Traub–Miles cell of COBAHH is spontaneously active at I = 0 (its
// rheobase is slightly negative, about −0.03 nA); held at −0.1 nA it rests.
func TestHHRestAndRepetitiveFiring(t *testing.T) {
	m := mustNew(t, TraubMiles(), Env{N: 1, Batch: 1, Dt: 0.1})
	v := vvar(t, m, "v")
	var last float32
	for n := 0; n < 5000; n++ {
		if f := m.Step(int64(n), Input{Current: []float32{-0.1}}, nil); len(f) > 0 {
			t.Fatalf("spike at step %d with I = -0.1 nA", n)
		}
		if n == 4989 {
			last = v[0]
		}
	}
	if math.Abs(float64(v[0]-last)) > 1e-3 || v[0] > -60 || v[0] < -75 {
		t.Fatalf("resting potential %g (1 ms earlier %g): not at rest", v[0], last)
	}
	counts := []int{}
	for _, I := range []float32{0, 0.25, 0.5, 1, 2, 4} {
		counts = append(counts, len(hhSpikes(t, TraubMiles(), I, 0.1, 500)))
	}
	for k := 1; k < len(counts); k++ {
		if counts[k] <= counts[k-1] {
			t.Fatalf("spike counts %v do not increase with the current", counts)
		}
	}
	if counts[1] < 5 {
		t.Fatalf("no repetitive firing: counts %v", counts)
	}
}

// Without the active channels the membrane is passive: v(t) = E_l +
// (I/g_l)·(1 − e^{−t·g_l/C}), τ = C/g_l = 20 ms, I/g_l = 10 mV for 0.1 nA
// (this checks the per-area units), and exponential Euler is exact.
func TestHHPassiveUnits(t *testing.T) {
	s := TraubMiles()
	s.GNaMSPerCm2, s.GKMSPerCm2 = param.Const(0), param.Const(0)
	m := mustNew(t, s, Env{N: 1, Batch: 1, Dt: 0.1})
	v := vvar(t, m, "v")
	for n := 1; n <= 1000; n++ {
		m.Step(int64(n), Input{Current: []float32{0.1}}, nil)
		want := -60 + 10*(1-math.Exp(-float64(n)*0.1/20))
		if math.Abs(float64(v[0])-want) > 1e-4 {
			t.Fatalf("step %d: v %g, want %g", n, v[0], want)
		}
	}
}

func TestHHStateAndReset(t *testing.T) {
	s := TraubMiles()
	v0 := param.Normal(-65, 3)
	s.V0MV = &v0
	m := mustNew(t, s, Env{N: 4, Batch: 2, Dt: 0.1})
	if !slices.Equal(m.Vars(), []string{"v", "m", "h", "n"}) {
		t.Fatalf("Vars %v", m.Vars())
	}
	v, gm := vvar(t, m, "v"), vvar(t, m, "m")
	// The gates start at steady state: α_m(1 − m) = β_m·m.
	for i := range v {
		am, bm, _, _, _, _ := hhRates(float64(v[i]), -63)
		if r := am*(1-float64(gm[i])) - bm*float64(gm[i]); math.Abs(r) > 1e-5 {
			t.Fatalf("m not at steady state: residual %g", r)
		}
	}
	init := slices.Clone(v)
	var first []uint32
	for n := 0; n < 2000; n++ {
		first = append(first, m.Step(int64(n), Input{Current: fill(8, 1)}, nil)...)
	}
	m.Reset()
	if !slices.Equal(v, init) {
		t.Fatal("Reset did not restore v")
	}
	var again []uint32
	for n := 0; n < 2000; n++ {
		again = append(again, m.Step(int64(n), Input{Current: fill(8, 1)}, nil)...)
	}
	if len(first) == 0 || !slices.Equal(first, again) {
		t.Fatal("different spikes after Reset")
	}
}

func TestHHInvalid(t *testing.T) {
	env := Env{N: 2, Batch: 1, Dt: 0.1}
	mod := func(f func(*HH)) HH { s := TraubMiles(); f(&s); return s }
	cases := []struct {
		s    HH
		want string
	}{
		{HH{}, "hh: area_um2 = 0: must be > 0"},
		{mod(func(s *HH) { s.CmUFPerCm2 = param.Const(-1) }), "cm_uF_cm2 = -1: must be > 0"},
		{mod(func(s *HH) { s.GLMSPerCm2 = param.Const(0) }), "g_l_mS_cm2 = 0: must be > 0"},
		{mod(func(s *HH) { s.GNaMSPerCm2 = param.Const(-5) }), "g_na_mS_cm2 = -5: must be >= 0"},
		{mod(func(s *HH) { s.GKMSPerCm2 = param.Array(1, 2, 3) }), "g_k_mS_cm2: array has 3 values, want 2"},
		{mod(func(s *HH) { s.ELMV = param.Const(math.NaN()) }), "e_l_mV = NaN"},
		{mod(func(s *HH) { s.VTMV = param.Const(math.Inf(1)) }), "v_t_mV = +Inf"},
		{mod(func(s *HH) { s.Substeps = -1 }), "substeps = -1"},
	}
	for _, c := range cases {
		if _, err := c.s.New(env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New = %v, want an error containing %q", err, c.want)
		}
	}
}
