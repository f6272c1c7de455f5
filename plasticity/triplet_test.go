package plasticity

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/synapse"
)

// tripletSpec is a triplet rule with distinct time constants (ms) and
// amplitudes, so that every term is told apart.
func tripletSpec(pairing Pairing) Triplet {
	return Triplet{
		TauPlusMs: 16, TauXMs: 100, TauMinusMs: 32, TauYMs: 120,
		A2Plus: 0.05, A3Plus: 0.07, A2Minus: 0.03, A3Minus: 0.02,
		Pairing: pairing,
	}
}

// An isolated pair gives the pair window with η± = A2±: the slow traces
// hold nothing before the pair, so the triplet terms vanish.
func TestTripletPairWindow(t *testing.T) {
	for _, dt := range []float64{1, 0.5} {
		for _, pairing := range []Pairing{AllToAll, Nearest} {
			s := tripletSpec(pairing)
			ap, am := 1-dt/s.TauPlusMs, 1-dt/s.TauMinusMs
			for lag := int64(-10); lag <= 10; lag++ {
				var want float64
				switch {
				case lag > 0:
					want = s.A2Plus * dt * pw(ap, lag)
				case lag < 0:
					want = -s.A2Minus * dt * pw(am, -lag)
				default:
					want = (s.A2Plus - s.A2Minus) * dt
				}
				if got := pairDW(t, s, dt, lag, 1, 1); !near(got, want, 1e-5) {
					t.Errorf("dt=%g %v Δt=%d: Δw = %.9g, want %.9g", dt, pairing, lag, got, want)
				}
			}
		}
	}
}

// Hand-stepped spike sequences (emission steps; a presynaptic spike
// emitted at m arrives at m+1, a postsynaptic one of step m is seen at
// m+1, so intervals are differences of emission steps). At a post spike
// the weight grows by dt·r1·(A2+ + A3+·o2⁻), at a pre arrival it shrinks
// by dt·o1·(A2− + A3−·r2⁻), where o2⁻, r2⁻ hold the earlier spikes only.
func TestTripletSequences(t *testing.T) {
	for _, dt := range []float64{1, 0.5} {
		s := tripletSpec(AllToAll)
		ap, ax, am, ay := 1-dt/s.TauPlusMs, 1-dt/s.TauXMs, 1-dt/s.TauMinusMs, 1-dt/s.TauYMs
		A2p, A3p, A2m, A3m := s.A2Plus, s.A3Plus, s.A2Minus, s.A3Minus
		for _, c := range []struct {
			name      string
			pre, post []int64
			all, near float64
		}{
			// post 24 pairs with pre 20 (no earlier post); post 30 pairs
			// with pre 20 and sees post 24 in o2: the extra A3+ term.
			{"pre-post-post", []int64{20}, []int64{24, 30},
				dt * (A2p*pw(ap, 4) + pw(ap, 10)*(A2p+A3p*pw(ay, 6))),
				dt * (A2p*pw(ap, 4) + pw(ap, 10)*(A2p+A3p*pw(ay, 6)))},
			// post 20 has no earlier pre; pre 25 is depressed by post 20;
			// post 30 pairs with pre 25 and sees post 20 in o2.
			{"post-pre-post", []int64{25}, []int64{20, 30},
				dt * (-A2m*pw(am, 5) + pw(ap, 5)*(A2p+A3p*pw(ay, 10))),
				dt * (-A2m*pw(am, 5) + pw(ap, 5)*(A2p+A3p*pw(ay, 10)))},
			// The mirror image: pre 30 sees pre 20 in r2.
			{"pre-post-pre", []int64{20, 30}, []int64{25},
				dt * (A2p*pw(ap, 5) - pw(am, 5)*(A2m+A3m*pw(ax, 10))),
				dt * (A2p*pw(ap, 5) - pw(am, 5)*(A2m+A3m*pw(ax, 10)))},
			// Three posts after one pre: at post 30 o2⁻ holds posts 24
			// and 27 (all-to-all) or only 27 (nearest), a difference of
			// A3+·dt·a+^10·ay^6.
			{"pre-post-post-post", []int64{20}, []int64{24, 27, 30},
				dt * (A2p*pw(ap, 4) + pw(ap, 7)*(A2p+A3p*pw(ay, 3)) + pw(ap, 10)*(A2p+A3p*(pw(ay, 3)+pw(ay, 6)))),
				dt * (A2p*pw(ap, 4) + pw(ap, 7)*(A2p+A3p*pw(ay, 3)) + pw(ap, 10)*(A2p+A3p*pw(ay, 3)))},
			// Two pres before a post: r1 holds both or only the nearest.
			{"pre-pre-post", []int64{20, 24}, []int64{30},
				dt * A2p * (pw(ap, 10) + pw(ap, 6)),
				dt * A2p * pw(ap, 6)},
			// Two posts then two pres: o1 holds both posts or the last;
			// pre 30 sees pre 27 in r2 either way.
			{"post-post-pre-pre", []int64{27, 30}, []int64{20, 24},
				-dt * ((pw(am, 7)+pw(am, 3))*A2m + (pw(am, 10)+pw(am, 6))*(A2m+A3m*pw(ax, 3))),
				-dt * (pw(am, 3)*A2m + pw(am, 6)*(A2m+A3m*pw(ax, 3)))},
		} {
			for _, pairing := range []Pairing{AllToAll, Nearest} {
				spec := s
				spec.Pairing = pairing
				want := c.all
				if pairing == Nearest {
					want = c.near
				}
				if got := seqDW(t, spec, dt, c.pre, nil, c.post); !near(got, want, 1e-5) {
					t.Errorf("dt=%g %s %v: Δw = %.9g, want %.9g", dt, c.name, pairing, got, want)
				}
			}
		}
	}
}

// A pair and the same pair preceded by a postsynaptic spike differ by the
// triplet term alone: with A3+ = 0 (the pair rule) the earlier post only
// adds its own (zero) pairing; with A3+ it adds A3+·dt·a+^Δt·ay^T.
func TestTripletExtraTerm(t *testing.T) {
	const dt = 1.0
	for _, a3 := range []float64{0, 0.07, -0.01} {
		s := tripletSpec(AllToAll)
		s.A3Plus, s.A2Minus, s.A3Minus = a3, 0, 0
		ap, ay := 1-dt/s.TauPlusMs, 1-dt/s.TauYMs
		pair := seqDW(t, s, dt, []int64{20}, nil, []int64{23})
		triplet := seqDW(t, s, dt, []int64{20}, nil, []int64{12, 23})
		if !near(pair, s.A2Plus*dt*pw(ap, 3), 1e-5) {
			t.Errorf("A3+ = %g: pair Δw = %.9g, want %.9g", a3, pair, s.A2Plus*dt*pw(ap, 3))
		}
		if want := a3 * dt * pw(ap, 3) * pw(ay, 11); !near(triplet-pair, want, 1e-5) {
			t.Errorf("A3+ = %g: triplet − pair = %.9g, want %.9g", a3, triplet-pair, want)
		}
	}
}

// The minimal model: A3Minus = 0 and TauX = 0 (r2 unused) is accepted;
// Exact traces use e^{−dt/τ} and allow τ < dt.
func TestTripletMinimalAndExact(t *testing.T) {
	const dt = 1.0
	s := Triplet{TauPlusMs: 16, TauMinusMs: 32, TauYMs: 40, A2Plus: 0.01, A3Plus: 0.05, A2Minus: 0.02}
	ap, am, ay := 1-dt/s.TauPlusMs, 1-dt/s.TauMinusMs, 1-dt/s.TauYMs
	got := seqDW(t, s, dt, []int64{20, 28}, nil, []int64{15, 25})
	// pre 20 meets post 15; post 25 meets pre 20 and sees post 15 in o2;
	// pre 28 meets posts 25 and 15.
	want := dt * (-s.A2Minus*pw(am, 5) + pw(ap, 5)*(s.A2Plus+s.A3Plus*pw(ay, 10)) - s.A2Minus*(pw(am, 3)+pw(am, 13)))
	if !near(got, want, 1e-5) {
		t.Errorf("minimal model: Δw = %.9g, want %.9g", got, want)
	}
	e := Triplet{TauPlusMs: 0.8, TauMinusMs: 0.6, A2Plus: 0.1, A2Minus: 0.1, Exact: true}
	if got, want := pairDW(t, e, dt, 2, 1, 1), 0.1*dt*math.Exp(-2*dt/0.8); !near(got, want, 1e-5) {
		t.Errorf("exact Δt=2: Δw = %.9g, want %.9g", got, want)
	}
	if got, want := pairDW(t, e, dt, -1, 1, 1), -0.1*dt*math.Exp(-dt/0.6); !near(got, want, 1e-5) {
		t.Errorf("exact Δt=-1: Δw = %.9g, want %.9g", got, want)
	}
}

// On a random projection with multapses, several copies, graded signals
// of both signs and a mask, the rule matches a dense float64 evaluation
// of the formula with four traces per synapse, for both pairings; and a
// Reset forgets the traces.
func TestTripletMatchesDenseFormula(t *testing.T) {
	const rows, cols, B, dt = 6, 5, 3, 0.5
	const wlo, whi = -2.0, 2.0
	for _, pairing := range []Pairing{AllToAll, Nearest} {
		s := tripletSpec(pairing)
		rng := rand.New(rand.NewPCG(5, uint64(pairing)))
		syn := randomCSR(rng, rows, cols)
		dr := newDriver(t, syn, B, dt, wlo, whi, s)
		mask := make([]bool, syn.Len())
		for k := range mask {
			mask[k] = rng.Float64() < 0.8
		}
		dr.p.Mask = mask
		const steps = 200
		randomSpikes(dr, rng, steps, B*rows, B*cols)
		w := make([]float64, syn.Len())
		for k := range w {
			w[k] = float64(syn.W[k])
		}
		L := syn.Len()
		r1, r2 := make([]float64, B*L), make([]float64, B*L)
		o1, o2 := make([]float64, B*L), make([]float64, B*L)
		tr := func(v *float64, in, a float64) {
			if pairing == Nearest && in != 0 {
				*v = in
			} else {
				*v = in + a**v
			}
		}
		for n := range int64(steps) {
			x, y := dr.signals(n)
			dw := make([]float64, L)
			for r := range rows {
				for k := syn.Ptr[r]; k < syn.Ptr[r+1]; k++ {
					j := int(syn.Idx[k])
					for b := range B {
						e := b*L + int(k)
						xi, yj := x[b*rows+r], y[b*cols+j]
						r2b := (1 - dt/s.TauXMs) * r2[e]
						o2b := (1 - dt/s.TauYMs) * o2[e]
						tr(&r1[e], xi, 1-dt/s.TauPlusMs)
						tr(&r2[e], xi, 1-dt/s.TauXMs)
						tr(&o1[e], yj, 1-dt/s.TauMinusMs)
						tr(&o2[e], yj, 1-dt/s.TauYMs)
						if mask[k] {
							dw[k] += dt / B * (r1[e]*yj*(s.A2Plus+s.A3Plus*o2b) - xi*o1[e]*(s.A2Minus+s.A3Minus*r2b))
						}
					}
				}
			}
			for k := range w {
				w[k] = math.Max(wlo, math.Min(whi, w[k]+dw[k]))
			}
			dr.step(true)
			for k := range w {
				if !near(float64(syn.W[k]), w[k], 2e-5) {
					t.Fatalf("%v step %d synapse %d: w = %.8g, dense formula %.8g", pairing, n, k, syn.W[k], w[k])
				}
			}
		}
		// After a Reset, a lone pre arrival finds no postsynaptic trace.
		dr.l.Reset()
		before := append([]float32(nil), syn.W...)
		dr.pre, dr.post = map[int64][]spike{}, map[int64][]spike{}
		for e := range B * rows {
			dr.firePre(dr.n, uint32(e), 1)
		}
		dr.run(3, true)
		for k := range before {
			if syn.W[k] != before[k] {
				t.Fatalf("%v: after Reset synapse %d changed from %g to %g", pairing, k, before[k], syn.W[k])
			}
		}
	}
}

func TestTripletErrors(t *testing.T) {
	p, err := NewSynapses(oneToOne(2, 0.5), 1, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ok := tripletSpec(AllToAll)
	with := func(f func(*Triplet)) Triplet { s := ok; f(&s); return s }
	for _, c := range []struct {
		spec Spec
		want []string
	}{
		{with(func(s *Triplet) { s.TauPlusMs = 0 }), []string{"triplet", "TauPlus = 0 ms", "> 0"}},
		{with(func(s *Triplet) { s.TauMinusMs = 0.5 }), []string{"triplet", "TauMinus = 0.5 ms", "shorter than dt = 1 ms", "Exact"}},
		{with(func(s *Triplet) { s.TauXMs = 0 }), []string{"triplet", "TauX = 0 ms", "or 0 when A3Minus is 0"}},
		{with(func(s *Triplet) { s.TauYMs = math.Inf(1) }), []string{"triplet", "TauY = +Inf ms", "finite"}},
		{with(func(s *Triplet) { s.TauYMs = -3; s.A3Plus = 0 }), []string{"triplet", "TauY = -3 ms"}},
		{with(func(s *Triplet) { s.A3Minus = math.NaN() }), []string{"triplet", "A3Minus = NaN", "finite"}},
		{with(func(s *Triplet) { s.A2Plus = math.Inf(-1) }), []string{"triplet", "A2Plus = -Inf"}},
		{with(func(s *Triplet) { s.TauPlusMs = -1; s.Exact = true }), []string{"triplet", "TauPlus = -1 ms"}},
	} {
		_, err := c.spec.New(p)
		if err == nil {
			t.Errorf("%+v: no error", c.spec)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%+v: error %q does not mention %q", c.spec, err, s)
			}
		}
	}
	if _, err := (Triplet{TauPlusMs: 10, TauMinusMs: 10, A2Plus: 1, A2Minus: 1}).New(p); err != nil {
		t.Errorf("pair-only triplet (TauX = TauY = 0): %v", err)
	}
	if k := (Triplet{}).Kind(); k != "triplet" {
		t.Errorf("Kind() = %q", k)
	}
}

// The rules of the STDP family on the Song–Abbott setup (1000 inputs at
// 15 Hz onto one neuron at 20 Hz, dt = 0.1 ms), beside BenchmarkSTDPSongAbbott.
func BenchmarkSTDPFamilySongAbbott(b *testing.B) {
	const rows = 1000
	syn := &synapse.CSR{Rows: rows, Cols: 1, Ptr: make([]uint32, rows+1), Idx: make([]uint32, rows), W: make([]float32, rows)}
	for i := range rows {
		syn.Ptr[i+1] = uint32(i + 1)
		syn.W[i] = 0.5
	}
	nearest := LeakySTDP(20, 20, 0.005, 0.00525)
	nearest.Pairing = Nearest
	for _, c := range []struct {
		name string
		spec Spec
	}{
		{"nearest", nearest},
		{"multiplicative", MultiplicativeSTDP(20, 20, 0.01, 0.0105)},
		{"triplet", tripletSpec(AllToAll)},
		{"triplet-nearest", tripletSpec(Nearest)},
		{"inhibitory", Inhibitory{TauMs: 20, Eta: 0.01, Rho0Hz: 5}},
	} {
		b.Run(c.name, func(b *testing.B) { benchSTDP(b, syn, 0.1, 15, 20, c.spec) })
	}
}
