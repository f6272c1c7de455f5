package plasticity

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/synapse"
)

// seqDW runs one synapse (w = 0, wide bounds) through presynaptic
// emissions at the steps pre (values preV, 1 when nil) and postsynaptic
// ones at post, and returns the total weight change.
func seqDW(t *testing.T, spec Spec, dt float64, pre []int64, preV []float32, post []int64) float64 {
	t.Helper()
	dr := newDriver(t, oneToOne(1, 0), 1, dt, -100, 100, spec)
	last := int64(0)
	for i, s := range pre {
		v := float32(1)
		if preV != nil {
			v = preV[i]
		}
		dr.firePre(s, 0, v)
		last = max(last, s)
	}
	for _, s := range post {
		dr.firePost(s, 0, 1)
		last = max(last, s)
	}
	dr.run(int(last+10), true)
	return float64(dr.p.Syn.W[0])
}

func pw(a float64, k int64) float64 { return math.Pow(a, float64(k)) }

// An isolated pair sees one spike on each side, so nearest pairing gives
// the all-to-all window: +η+·dt·a+^Δt, −η−·dt·a−^|Δt|, (η+ − η−)·dt.
func TestSTDPNearestIsolatedPairs(t *testing.T) {
	for _, dt := range []float64{1, 0.5} {
		const tp, tm, ep, em = 20.0, 10.0, 0.05, 0.03
		spec := LeakySTDP(tp, tm, ep, em)
		spec.Pairing = Nearest
		ap, am := 1-dt/tp, 1-dt/tm
		for lag := int64(-12); lag <= 12; lag++ {
			var want float64
			switch {
			case lag > 0:
				want = ep * dt * pw(ap, lag)
			case lag < 0:
				want = -em * dt * pw(am, -lag)
			default:
				want = (ep - em) * dt
			}
			if got := pairDW(t, spec, dt, lag, 1, 1); !near(got, want, 1e-5) {
				t.Errorf("dt=%g Δt=%d: Δw = %.9g, want %.9g", dt, lag, got, want)
			}
		}
	}
}

// Three-spike sequences where only the nearest earlier spike counts under
// nearest pairing, with the closed forms of both pairings (dt = 1,
// a± = 1 − 1/τ±). Pre-pre-post: all-to-all pairs the post spike with both
// pre spikes, nearest with the second only; the difference is the older
// pair's term. Pre-post-post: both post spikes pair with the one pre
// spike under either pairing.
func TestSTDPNearestVsAllToAll(t *testing.T) {
	const tp, tm, ep, em, dt = 20.0, 10.0, 0.05, 0.03, 1.0
	ap, am := 1-dt/tp, 1-dt/tm
	for _, c := range []struct {
		name      string
		pre       []int64
		preV      []float32
		post      []int64
		all, near float64
	}{
		{"pre-pre-post", []int64{20, 24}, nil, []int64{30},
			ep * dt * (pw(ap, 10) + pw(ap, 6)), ep * dt * pw(ap, 6)},
		{"post-post-pre", []int64{30}, nil, []int64{20, 24},
			-em * dt * (pw(am, 10) + pw(am, 6)), -em * dt * pw(am, 6)},
		{"pre-post-post", []int64{20}, nil, []int64{25, 30},
			ep * dt * (pw(ap, 5) + pw(ap, 10)), ep * dt * (pw(ap, 5) + pw(ap, 10))},
		{"post-pre-pre", []int64{25, 30}, nil, []int64{20},
			-em * dt * (pw(am, 5) + pw(am, 10)), -em * dt * (pw(am, 5) + pw(am, 10))},
		// pre at 20, post at 25, pre at 28, post at 31: the second post
		// pairs with pre 28 (and, all-to-all, with pre 20 too); pre 28
		// pairs with post 25.
		{"pre-post-pre-post", []int64{20, 28}, nil, []int64{25, 31},
			ep*dt*(pw(ap, 5)+pw(ap, 11)+pw(ap, 3)) - em*dt*pw(am, 3),
			ep*dt*(pw(ap, 5)+pw(ap, 3)) - em*dt*pw(am, 3)},
		// Graded: the reset takes the spike's value, even a smaller one.
		{"graded pre-pre-post", []int64{20, 24}, []float32{2, 0.5}, []int64{30},
			ep * dt * (2*pw(ap, 10) + 0.5*pw(ap, 6)), ep * dt * 0.5 * pw(ap, 6)},
		// Four pre spikes before one post: nearest keeps the last one.
		{"4×pre-post", []int64{10, 12, 14, 16}, nil, []int64{18},
			ep * dt * (pw(ap, 8) + pw(ap, 6) + pw(ap, 4) + pw(ap, 2)), ep * dt * pw(ap, 2)},
	} {
		for _, pairing := range []Pairing{AllToAll, Nearest} {
			spec := LeakySTDP(tp, tm, ep, em)
			spec.Pairing = pairing
			want := c.all
			if pairing == Nearest {
				want = c.near
			}
			if got := seqDW(t, spec, dt, c.pre, c.preV, c.post); !near(got, want, 1e-5) {
				t.Errorf("%s, %v: Δw = %.9g, want %.9g", c.name, pairing, got, want)
			}
		}
	}
}

// Exact (e^{−dt/τ}) and per-element time constants carry over to the
// nearest traces.
func TestSTDPNearestExactAndPerElement(t *testing.T) {
	const ep, em, dt = 0.05, 0.03, 0.5
	spec := STDP{
		Pre:     response.Leaky{Tau: param.Const(20), Exact: true},
		Post:    response.Leaky{Tau: param.Array(10, 4)},
		LTP:     ConstRate{ep},
		LTD:     ConstRate{em},
		Pairing: Nearest,
	}
	dr := newDriver(t, oneToOne(2, 0), 1, dt, -1, 1, spec)
	// Synapse 0: pre 10, 12, post 15 → +η+·dt·e^{−3·dt/20}.
	dr.firePre(10, 0, 1)
	dr.firePre(12, 0, 1)
	dr.firePost(15, 0, 1)
	// Synapse 1 (post τ = 4): post 10, 12, pre 15 → −η−·dt·(1 − dt/4)^3.
	dr.firePost(10, 1, 1)
	dr.firePost(12, 1, 1)
	dr.firePre(15, 1, 1)
	dr.run(25, true)
	w := dr.p.Syn.W
	if want := ep * dt * math.Exp(-3*dt/20); !near(float64(w[0]), want, 1e-5) {
		t.Errorf("exact pre tag: Δw = %.9g, want %.9g", w[0], want)
	}
	if want := -em * dt * pw(1-dt/4, 3); !near(float64(w[1]), want, 1e-5) {
		t.Errorf("per-element post tag: Δw = %.9g, want %.9g", w[1], want)
	}
}

// PreFirst with nearest pairing: the coincident pair's depression uses the
// post tag just before the reset. Posts at 15 and 20 then a coincident
// pair at 25: nearest −η−·dt·a−^5 + η+·dt (the coincident pair counts
// once, as pre before post); all-to-all −η−·dt·(a−^5 + a−^10) + η+·dt.
func TestSTDPNearestPreFirst(t *testing.T) {
	const tp, tm, ep, em, dt = 20.0, 10.0, 0.05, 0.03, 1.0
	am := 1 - dt/tm
	for _, c := range []struct {
		pairing Pairing
		want    float64
	}{
		{AllToAll, ep*dt - em*dt*(pw(am, 5)+pw(am, 10))},
		{Nearest, ep*dt - em*dt*pw(am, 5)},
	} {
		spec := LeakySTDP(tp, tm, ep, em)
		spec.Pairing, spec.PreFirst = c.pairing, true
		if got := seqDW(t, spec, dt, []int64{25}, nil, []int64{15, 20, 25}); !near(got, c.want, 1e-5) {
			t.Errorf("%v: Δw = %.9g, want %.9g", c.pairing, got, c.want)
		}
		if got, want := pairDW(t, spec, dt, 0, 1, 1), ep*dt; !near(got, want, 1e-5) {
			t.Errorf("%v: coincident pair Δw = %.9g, want %.9g", c.pairing, got, want)
		}
	}
}

// On a random projection with multapses, several copies, graded signals,
// a mask and a multiplicative rate, nearest STDP matches a dense float64
// evaluation with one reset trace per synapse.
func TestSTDPNearestMatchesDenseFormula(t *testing.T) {
	const rows, cols, B, dt, tp, tm, ep, em = 6, 4, 2, 0.5, 8.0, 12.0, 0.3, 0.2
	const wlo, whi = -0.5, 1.5
	rng := rand.New(rand.NewPCG(3, 4))
	syn := randomCSR(rng, rows, cols)
	spec := STDP{Pre: leaky(tp), Post: leaky(tm), LTP: UpperBoundRate{ep}, LTD: LowerBoundRate{em}, Pairing: Nearest}
	dr := newDriver(t, syn, B, dt, wlo, whi, spec)
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
	P := make([]float64, B*rows)
	Q := make([]float64, B*cols)
	reset := func(tr []float64, in []float64, a float64) {
		for e := range tr {
			if in[e] != 0 {
				tr[e] = in[e]
			} else {
				tr[e] *= a
			}
		}
	}
	for n := range int64(steps) {
		x, y := dr.signals(n)
		reset(P, x, 1-dt/tp)
		reset(Q, y, 1-dt/tm)
		dw := make([]float64, len(w))
		for r := range rows {
			for k := syn.Ptr[r]; k < syn.Ptr[r+1]; k++ {
				if !mask[k] {
					continue
				}
				j := int(syn.Idx[k])
				for b := range B {
					dw[k] += dt / B * (ep*(whi-w[k])*P[b*rows+r]*y[b*cols+j] - em*(w[k]-wlo)*x[b*rows+r]*Q[b*cols+j])
				}
			}
		}
		for k := range w {
			w[k] = math.Max(wlo, math.Min(whi, w[k]+dw[k]))
		}
		dr.step(true)
		for k := range w {
			if !near(float64(syn.W[k]), w[k], 2e-5) {
				t.Fatalf("step %d synapse %d: w = %.8g, dense formula %.8g", n, k, syn.W[k], w[k])
			}
		}
	}
}

// randomCSR draws rows of 0–4 synapses onto random columns (multapses
// allowed), weights in [0, 1).
func randomCSR(rng *rand.Rand, rows, cols int) *synapse.CSR {
	syn := &synapse.CSR{Rows: rows, Cols: cols, Ptr: make([]uint32, rows+1)}
	for r := range rows {
		for range rng.IntN(5) {
			syn.Idx = append(syn.Idx, uint32(rng.IntN(cols)))
			syn.W = append(syn.W, rng.Float32())
		}
		syn.Ptr[r+1] = uint32(len(syn.Idx))
	}
	return syn
}

// randomSpikes schedules graded emissions (pre of both signs) with
// probability 0.1 per element and step.
func randomSpikes(dr *driver, rng *rand.Rand, steps int64, npre, npost int) {
	for n := range steps {
		for e := range npre {
			if rng.Float64() < 0.1 {
				dr.firePre(n, uint32(e), float32(rng.Float64()*2-0.5))
			}
		}
		for e := range npost {
			if rng.Float64() < 0.1 {
				dr.firePost(n, uint32(e), float32(rng.Float64()*1.5))
			}
		}
	}
}

// signals returns, in float64, what the rule sees at step n: x = |Pre|
// (emitted at n−1) and y = Post of n−1.
func (dr *driver) signals(n int64) (x, y []float64) {
	x = make([]float64, len(dr.d.Pre))
	y = make([]float64, len(dr.d.Post))
	for _, s := range dr.pre[n-1] {
		x[s.idx] += float64(s.v)
	}
	for e := range x {
		x[e] = math.Abs(x[e])
	}
	for _, s := range dr.post[n-1] {
		y[s.idx] += float64(s.v)
	}
	return x, y
}

func TestPairingErrors(t *testing.T) {
	p, err := NewSynapses(oneToOne(2, 0.5), 1, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	near := func(s STDP) STDP { s.Pairing = Nearest; return s }
	for _, c := range []struct {
		spec Spec
		want []string
	}{
		{near(STDP{Pre: response.Flat{}, Post: leaky(10)}), []string{"stdp", "Pre tag", "nearest pairing needs a leaky tag", "got flat"}},
		{near(STDP{Pre: leaky(10), Post: response.LimitedFlat{Duration: param.Const(5)}}), []string{"stdp", "Post tag", "got limited_flat"}},
		{near(STDP{Pre: leaky(10), Post: response.Composite{Functions: []response.Spec{leaky(10)}}}), []string{"Post tag", "got composite"}},
		{near(STDP{Pre: leaky(0.5), Post: leaky(10)}), []string{"stdp", "Pre tag", "tau_ms[0] = 0.5"}},
		{STDP{Pre: leaky(10), Post: leaky(10), Pairing: 7}, []string{"stdp", "Pairing = 7", "AllToAll", "Nearest"}},
		{Triplet{TauPlusMs: 10, TauMinusMs: 10, Pairing: 2}, []string{"triplet", "Pairing = 2"}},
	} {
		_, err := c.spec.New(p)
		if err == nil {
			t.Errorf("%#v: no error", c.spec)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%#v: error %q does not mention %q", c.spec, err, s)
			}
		}
	}
	if s := Nearest.String(); s != "nearest" {
		t.Errorf("Nearest.String() = %q", s)
	}
	if s := AllToAll.String(); s != "all-to-all" {
		t.Errorf("AllToAll.String() = %q", s)
	}
}

// Reset clears the nearest traces: a spike before the reset no longer
// pairs.
func TestSTDPNearestReset(t *testing.T) {
	spec := LeakySTDP(10, 10, 0.1, 0.1)
	spec.Pairing = Nearest
	dr := newDriver(t, oneToOne(1, 0), 1, 1, -1, 1, spec)
	dr.firePre(2, 0, 1)
	dr.firePost(5, 0, 1)
	dr.run(4, true)
	dr.l.Reset()
	dr.run(10, true)
	if w := dr.p.Syn.W[0]; w != 0 {
		t.Errorf("after Reset: w = %g, want 0 (the pre spike was forgotten)", w)
	}
}
