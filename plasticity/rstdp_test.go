package plasticity

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/synapse"
)

// modRun runs dr for steps steps with the modulator mod(n) (nil: none) at
// step n, learning on.
func modRun(dr *driver, steps int, mod func(n int64) []float32) {
	for range steps {
		dr.d.Modulator = mod(dr.n)
		dr.step(true)
	}
	dr.d.Modulator = nil
}

// constMod returns the modulator x (every copy and row) on steps [from,
// to], none elsewhere.
func constMod(size int, from, to int64, x float32) func(int64) []float32 {
	m := make([]float32, size)
	for i := range m {
		m[i] = x
	}
	return func(n int64) []float32 {
		if n < from || n > to {
			return nil
		}
		return m
	}
}

// eligibility returns the trace of copy b, synapse k at the last step run.
func eligibility(r *rstdpRule, b int, k int) float64 {
	return float64(r.c[b*r.n+k]) * math.Pow(r.lambda, float64(r.now-1-r.last[k]))
}

const (
	rtp, rtm, rep, rem = 20.0, 10.0, 0.05, 0.03 // the inner STDP of the tests
)

// pairStep is the step at which the inner STDP sees an isolated pair of
// pre and post spikes (the driver has latency 1): the later spike, seen
// one step after it was emitted.
func pairStep(pre, post int64) int64 { return max(pre, post) + 1 }

// innerDW is the inner STDP's change for the pair, from the closed form
// of the leaky window.
func innerDW(dt float64, pre, post int64) float64 {
	switch lag := post - pre; {
	case lag > 0:
		return rep * dt * math.Pow(1-dt/rtp, float64(lag))
	case lag < 0:
		return -rem * dt * math.Pow(1-dt/rtm, float64(-lag))
	}
	return (rep - rem) * dt
}

// A single pair gives the trace c = Δ at the step the inner rule sees it,
// then c_n = Δ·(1 − dt/τc)^(n−m); without a modulator the weight stays.
func TestRSTDPTraceDecay(t *testing.T) {
	for _, dt := range []float64{1, 0.25} {
		const tauC = 50.0
		spec := RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: tauC}
		for _, post := range []int64{23, 17} {
			dr := newDriver(t, oneToOne(1, 0.5), 1, dt, -100, 100, spec)
			r := dr.l.Rule().(*rstdpRule)
			dr.firePre(20, 0, 1)
			dr.firePost(post, 0, 1)
			m := pairStep(20, post)
			delta := innerDW(dt, 20, post)
			lambda := 1 - dt/tauC
			for n := int64(0); n < m+3000; n++ {
				dr.step(true)
				want := 0.0
				if n >= m {
					want = delta * math.Pow(lambda, float64(n-m))
				}
				if got := eligibility(r, 0, 0); !near(got, want, 1e-5) || (want == 0) != (got == 0) {
					t.Fatalf("dt=%g post=%d step %d: c = %.9g, want %.9g", dt, post, n, got, want)
				}
			}
			if w := dr.p.Syn.W[0]; w != 0.5 {
				t.Errorf("dt=%g: without modulator w = %g, want 0.5 unchanged", dt, w)
			}
		}
	}
}

// A constant modulator M on steps [s, e] changes the weight by
// dt·M·Σ_{n=max(s,m)}^{e} c_n = dt·M·Δ·λ^(a−m)·(1 − λ^(e−a+1))/(1 − λ),
// a = max(s, m); its sign follows M and Δ.
func TestRSTDPDistalReward(t *testing.T) {
	const dt, tauC = 0.5, 200.0
	lambda := 1 - dt/tauC
	spec := RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: tauC}
	cases := []struct {
		post, s, e int64
		M          float32
	}{
		{25, 400, 900, 0.8},     // reward long after a causal pair
		{25, 400, 900, -0.8},    // punishment
		{15, 400, 5000, 1.5},    // anti-causal pair, rewarded: depression
		{25, 10, 60, 2},         // modulator on before the pair
		{25, 26, 26, 3},         // one step, at the pair
		{25, 3000, 3000, 1e-3},  // far: λ^(s−m) from math.Pow
		{20, 100, 1300, 0.25},   // coincident pair: (η+ − η−)·dt
		{25, 2000, 2100, 0.125}, // gap beyond the table of powers
	}
	for _, c := range cases {
		dr := newDriver(t, oneToOne(1, 0), 1, dt, -100, 100, spec)
		dr.firePre(20, 0, 1)
		dr.firePost(c.post, 0, 1)
		modRun(dr, int(c.e)+50, constMod(1, c.s, c.e, c.M))
		m := pairStep(20, c.post)
		a := max(c.s, m)
		sum := 0.0
		if c.e >= a {
			sum = math.Pow(lambda, float64(a-m)) * (1 - math.Pow(lambda, float64(c.e-a+1))) / (1 - lambda)
		}
		want := dt * float64(c.M) * innerDW(dt, 20, c.post) * sum
		if got := float64(dr.p.Syn.W[0]); !near(got, want, 2e-5) || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("pair 20→%d, M = %g on [%d, %d]: Δw = %.9g, want %.9g", c.post, c.M, c.s, c.e, got, want)
		}
	}
}

// No modulator, or a zero one, changes nothing; learning off discards the
// modulated change but the trace keeps running.
func TestRSTDPNoModulator(t *testing.T) {
	const dt, tauC = 1.0, 100.0
	spec := RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: tauC}
	for _, mod := range []func(int64) []float32{
		func(int64) []float32 { return nil },
		constMod(1, 0, 1000, 0),
	} {
		dr := newDriver(t, oneToOne(1, 0.5), 1, dt, 0, 1, spec)
		dr.firePre(20, 0, 1)
		dr.firePost(23, 0, 1)
		modRun(dr, 300, mod)
		if w := dr.p.Syn.W[0]; w != 0.5 {
			t.Errorf("w = %g, want 0.5", w)
		}
	}
	// Learning off while the modulator is on at [30, 39], on for [40, 49].
	dr := newDriver(t, oneToOne(1, 0), 1, dt, -1, 1, spec)
	dr.firePre(20, 0, 1)
	dr.firePost(23, 0, 1)
	mod := constMod(1, 30, 49, 1)
	for n := 0; n < 60; n++ {
		dr.d.Modulator = mod(dr.n)
		dr.step(n >= 40)
	}
	lambda := 1 - dt/tauC
	m := pairStep(20, 23)
	want := dt * innerDW(dt, 20, 23) * math.Pow(lambda, float64(40-m)) * (1 - math.Pow(lambda, 10)) / (1 - lambda)
	if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-5) {
		t.Errorf("learning off then on: Δw = %.9g, want %.9g", got, want)
	}
}

// Each copy of a batch has its own traces and modulator; the weight
// change is the mean of the copies' changes.
func TestRSTDPBatch(t *testing.T) {
	const dt, tauC = 1.0, 300.0
	lambda := 1 - dt/tauC
	spec := RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: tauC}
	dr := newDriver(t, oneToOne(2, 0), 2, dt, -100, 100, spec)
	// Copy 0: row 0 pairs causally, M0 = 1; copy 1: row 0 pairs
	// anti-causally and row 1 causally, M1 = −0.5 (index b·2 + row).
	dr.firePre(20, 0, 1)
	dr.firePost(24, 0, 1)
	dr.firePre(30, 2, 1)
	dr.firePost(28, 2, 1)
	dr.firePre(40, 3, 1)
	dr.firePost(41, 3, 1)
	const s, e = 100, 400
	M := []float32{1, 1, -0.5, -0.5}
	modRun(dr, e+10, func(n int64) []float32 {
		if n < s || n > e {
			return nil
		}
		return M
	})
	geo := func(pre, post int64) float64 {
		m := pairStep(pre, post)
		return innerDW(dt, pre, post) * math.Pow(lambda, float64(s-m)) * (1 - math.Pow(lambda, e-s+1)) / (1 - lambda)
	}
	want0 := dt * (1*geo(20, 24) + -0.5*geo(30, 28)) / 2
	want1 := dt * (-0.5 * geo(40, 41)) / 2
	if got := float64(dr.p.Syn.W[0]); !near(got, want0, 2e-5) {
		t.Errorf("synapse 0: Δw = %.9g, want %.9g", got, want0)
	}
	if got := float64(dr.p.Syn.W[1]); !near(got, want1, 2e-5) {
		t.Errorf("synapse 1: Δw = %.9g, want %.9g", got, want1)
	}
	// Identical copies with the same modulator learn as one copy.
	one := newDriver(t, oneToOne(1, 0), 1, dt, -100, 100, spec)
	two := newDriver(t, oneToOne(1, 0), 2, dt, -100, 100, spec)
	one.firePre(20, 0, 1)
	one.firePost(26, 0, 1)
	for b := range uint32(2) {
		two.firePre(20, b, 1)
		two.firePost(26, b, 1)
	}
	modRun(one, 500, constMod(1, 100, 300, 0.7))
	modRun(two, 500, constMod(2, 100, 300, 0.7))
	if a, b := one.p.Syn.W[0], two.p.Syn.W[0]; !near(float64(a), float64(b), 1e-6) || a == 0 {
		t.Errorf("identical copies: Δw = %g, one copy: %g", b, a)
	}
}

// Reset clears the traces: a modulator after a reset finds nothing to
// reinforce.
func TestRSTDPReset(t *testing.T) {
	spec := RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: 1000}
	dr := newDriver(t, oneToOne(1, 0.5), 1, 1, 0, 1, spec)
	dr.firePre(5, 0, 1)
	dr.firePost(8, 0, 1)
	dr.run(20, true)
	r := dr.l.Rule().(*rstdpRule)
	if eligibility(r, 0, 0) == 0 {
		t.Fatal("no trace after the pair")
	}
	dr.l.Reset()
	dr.n = 0
	dr.pre, dr.post = map[int64][]spike{}, map[int64][]spike{}
	modRun(dr, 100, constMod(1, 0, 100, 1))
	if w := dr.p.Syn.W[0]; w != 0.5 {
		t.Errorf("after Reset: w = %g, want 0.5", w)
	}
	if got := eligibility(r, 0, 0); got != 0 {
		t.Errorf("after Reset: c = %g, want 0", got)
	}
}

// The lazy traces give what the eager recursion c ← λ·c + Δ, Δw = dt·c·M
// gives, step by step, on random activity, a random on/off modulator that
// differs between rows, and a mask.
func TestRSTDPMatchesEager(t *testing.T) {
	const rows, cols, dt, tauC = 12, 7, 0.5, 40.0
	rnd := rand.New(rand.NewPCG(1, 2))
	csr := &synapse.CSR{Rows: rows, Cols: cols, Ptr: make([]uint32, rows+1)}
	for i := range rows {
		for j := range cols {
			if rnd.Float64() < 0.6 {
				csr.Idx = append(csr.Idx, uint32(j))
				csr.W = append(csr.W, float32(rnd.Float64()))
			}
		}
		csr.Ptr[i+1] = uint32(len(csr.Idx))
	}
	ref := &synapse.CSR{Rows: rows, Cols: cols, Ptr: csr.Ptr, Idx: csr.Idx, W: append([]float32(nil), csr.W...)}
	inner := LeakySTDP(rtp, rtm, rep, rem)
	spec := RSTDP{Rule: inner, TauCMs: tauC}
	dr := newDriver(t, csr, 1, dt, 0, 1, spec)
	mask := make([]bool, csr.Len())
	for k := range mask {
		mask[k] = rnd.Float64() < 0.8
	}
	dr.p.Mask = mask
	rp, err := NewSynapses(ref, 1, dt, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	rp.Mask = mask
	eager, err := inner.New(rp)
	if err != nil {
		t.Fatal(err)
	}
	acc := NewDelta(ref.Len())
	c := make([]float64, ref.Len())
	row := make([]int, ref.Len())
	for i := range rows {
		for k := ref.Ptr[i]; k < ref.Ptr[i+1]; k++ {
			row[k] = i
		}
	}
	lambda := 1 - dt/tauC
	mod := make([]float32, rows)
	for n := int64(0); n < 4000; n++ {
		for i := range rows {
			if rnd.Float64() < 0.05 {
				dr.firePre(n, uint32(i), 1)
			}
		}
		for j := range cols {
			if rnd.Float64() < 0.05 {
				dr.firePost(n, uint32(j), 1)
			}
		}
		on := (n/300)%3 == 2
		for i := range mod {
			mod[i] = 0
			if on && i%3 != 0 {
				mod[i] = float32(math.Sin(float64(n+int64(i)) / 50))
			}
		}
		if n == 2500 {
			mask[0], mask[3] = !mask[0], !mask[3] // the owner changes the mask in place
		}
		dr.d.Modulator = mod
		dr.step(true)
		// The eager reference, on the same data.
		eager.Step(&dr.d, acc)
		for k := range c {
			c[k] = lambda*c[k] + float64(acc.DW[k])
		}
		acc.Discard()
		for k := range c {
			if mask[k] && mod[row[k]] != 0 {
				w := float64(ref.W[k]) + dt*c[k]*float64(mod[row[k]])
				ref.W[k] = float32(math.Min(1, math.Max(0, w)))
			}
		}
	}
	diff := 0.0
	moved := 0
	for k := range ref.W {
		diff = math.Max(diff, math.Abs(float64(ref.W[k]-csr.W[k])))
		if ref.W[k] != 0 && ref.W[k] != 1 {
			moved++
		}
	}
	if diff > 1e-4 {
		t.Errorf("lazy and eager traces disagree: max |Δw| = %g", diff)
	}
	if moved == 0 {
		t.Error("every weight sits at a bound: the test checks nothing")
	}
}

func TestRSTDPErrors(t *testing.T) {
	p, err := NewSynapses(oneToOne(2, 0), 1, 0.5, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	bad := LeakySTDP(rtp, rtm, rep, rem)
	bad.Pre = nil
	cases := []struct {
		s    Spec
		want string
	}{
		{RSTDP{TauCMs: 100}, "Rule (the inner rule) is nil"},
		{RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem)}, "TauC = 0 ms: must be > 0"},
		{RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: 0.25}, "TauC = 0.25 ms is shorter than dt = 0.5 ms"},
		{RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: math.NaN()}, "TauC = NaN ms"},
		{RSTDP{Rule: bad, TauCMs: 100}, "rstdp: Rule (stdp): plasticity: stdp: Pre tag is nil"},
		{Modulated{}, "modulated: Rule (the inner rule) is nil"},
		{Modulated{Rule: bad}, "modulated: Rule (stdp): plasticity: stdp: Pre tag is nil"},
	}
	for _, c := range cases {
		_, err := c.s.New(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.s.Kind(), err, c.want)
		}
	}
	if k := (RSTDP{}).Kind(); k != "rstdp" {
		t.Errorf("Kind = %q", k)
	}
	if k := (Modulated{}).Kind(); k != "modulated" {
		t.Errorf("Kind = %q", k)
	}
}

// Two identical copies (same spikes, same modulator) learn exactly as one
// copy: the batch path (per-copy traces, mean of the copies) agrees with
// the single-copy path, with a mask and a modulator that differs between
// rows and steps.
func TestRSTDPBatchOfIdenticalCopies(t *testing.T) {
	const rows, cols, dt = 9, 5, 1.0
	rnd := rand.New(rand.NewPCG(3, 4))
	csr := func() *synapse.CSR {
		c := &synapse.CSR{Rows: rows, Cols: cols, Ptr: make([]uint32, rows+1)}
		for i := range rows {
			for j := range cols {
				if (i+2*j)%3 != 0 {
					c.Idx = append(c.Idx, uint32(j))
					c.W = append(c.W, 0.5)
				}
			}
			c.Ptr[i+1] = uint32(len(c.Idx))
		}
		return c
	}
	spec := RSTDP{Rule: LeakySTDP(rtp, rtm, rep, rem), TauCMs: 80}
	one := newDriver(t, csr(), 1, dt, 0, 1, spec)
	two := newDriver(t, csr(), 2, dt, 0, 1, spec)
	mask := make([]bool, one.p.Syn.Len())
	for k := range mask {
		mask[k] = k%5 != 1
	}
	one.p.Mask, two.p.Mask = mask, mask
	m1, m2 := make([]float32, rows), make([]float32, 2*rows)
	for n := int64(0); n < 3000; n++ {
		for i := range uint32(rows) {
			if rnd.Float64() < 0.06 {
				one.firePre(n, i, 1)
				two.firePre(n, i, 1)
				two.firePre(n, rows+i, 1)
			}
		}
		for j := range uint32(cols) {
			if rnd.Float64() < 0.06 {
				one.firePost(n, j, 1)
				two.firePost(n, j, 1)
				two.firePost(n, cols+j, 1)
			}
		}
		for i := range m1 {
			m1[i] = 0
			if (n/200)%2 == 1 && i != 4 {
				m1[i] = float32(i+1) / 4
			}
			m2[i], m2[rows+i] = m1[i], m1[i]
		}
		one.d.Modulator, two.d.Modulator = m1, m2
		one.step(true)
		two.step(true)
	}
	moved := false
	for k, w := range one.p.Syn.W {
		if !near(float64(two.p.Syn.W[k]), float64(w), 1e-5) {
			t.Errorf("synapse %d: two copies %g, one copy %g", k, two.p.Syn.W[k], w)
		}
		if w != 0.5 {
			moved = true
			if !mask[k] {
				t.Errorf("masked synapse %d changed to %g", k, w)
			}
		}
	}
	if !moved {
		t.Error("no weight changed: the test checks nothing")
	}
}

// The decay factors of long gaps, products of table entries (EligibilityDecay),
// are λ^g to within the rounding of the chain of products that makes
// them — a relative error growing as g·ε, as λ^g by g − 1 products would
// have (ε = 2^−52) — and below the table's length they are its entries.
func TestRSTDPDecayBy(t *testing.T) {
	for _, lambda := range []float64{0, 1 - 0.1/1000, 1 - 0.1/20, 0.5} {
		pow, pow2 := EligibilityDecayTables(lambda)
		for _, g := range []int64{0, 1, 1023, 1024, 1025, 2047, 2048, 3000, 10_000, 123_457, 1 << 30} {
			got, want := EligibilityDecay(pow, pow2, g), math.Pow(lambda, float64(g))
			if g < rstdpPowTable && got != pow[g] {
				t.Errorf("λ %g, gap %d: %g, want the table's %g", lambda, g, got, pow[g])
			}
			if d := math.Abs(got - want); d > float64(g+64)*0x1p-52*want && d > 1e-300 {
				t.Errorf("λ %g, gap %d: %g, want λ^g = %g", lambda, g, got, want)
			}
		}
	}
}
