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

// pairDW runs an isolated pair on one synapse (w = 0, wide bounds): the
// presynaptic neuron fires at step 20, the postsynaptic at 20+lag, and
// returns the total weight change.
func pairDW(t *testing.T, spec Spec, dt float64, lag int64, pre, post float32) float64 {
	t.Helper()
	dr := newDriver(t, oneToOne(1, 0), 1, dt, -100, 100, spec)
	s0 := int64(20)
	dr.firePre(s0, 0, pre)
	dr.firePost(s0+lag, 0, post)
	dr.run(int(s0+abs64(lag)+10), true)
	return float64(dr.p.Syn.W[0])
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// The STDP window of leaky tags, from the closed form
// Δw = +η+·dt·(1−dt/τ+)^Δt, −η−·dt·(1−dt/τ−)^|Δt|, (η+ − η−)·dt.
func TestSTDPWindowLeaky(t *testing.T) {
	for _, dt := range []float64{1, 0.5} {
		const tp, tm, ep, em = 20.0, 10.0, 0.05, 0.03
		spec := LeakySTDP(tp, tm, ep, em)
		for lag := int64(-15); lag <= 15; lag++ {
			var want float64
			switch {
			case lag > 0:
				want = ep * dt * math.Pow(1-dt/tp, float64(lag))
			case lag < 0:
				want = -em * dt * math.Pow(1-dt/tm, float64(-lag))
			default:
				want = (ep - em) * dt
			}
			got := pairDW(t, spec, dt, lag, 1, 1)
			if !near(got, want, 1e-5) {
				t.Errorf("dt=%g Δt=%d: Δw = %.9g, want %.9g", dt, lag, got, want)
			}
		}
	}
}

// Graded signals enter as values; an inhibitory (negative) presynaptic
// signal counts by its magnitude.
func TestSTDPGradedAndSign(t *testing.T) {
	const tp, tm, ep, em, dt = 20.0, 10.0, 0.05, 0.03, 1.0
	spec := LeakySTDP(tp, tm, ep, em)
	for _, x := range []float32{0.5, -0.5} {
		got := pairDW(t, spec, dt, 3, x, 2)
		want := ep * dt * 0.5 * math.Pow(1-dt/tp, 3) * 2
		if !near(got, want, 1e-5) {
			t.Errorf("pre %g, post 2, Δt=3: Δw = %.9g, want %.9g", x, got, want)
		}
		got = pairDW(t, spec, dt, -4, x, 2)
		want = -em * dt * 0.5 * math.Pow(1-dt/tm, 4) * 2
		if !near(got, want, 1e-5) {
			t.Errorf("pre %g, post 2, Δt=-4: Δw = %.9g, want %.9g", x, got, want)
		}
	}
}

// The reference's notebook 7: pre0 & post1 fire at step 0, pre1 & post0 at
// step 1, then silence; 12-step cycles, 25 times; one-to-one synapses at
// 0.5, leaky τ = 10 tags, η± = 0.1, dt = 1, bounds [0, 1].
//
// Synapse 0→0 sees pre before post (Δt = +1): each cycle it is depressed
// at step 12c+1 (pre0 arrives; Q0 holds the post0 spikes of earlier
// cycles, seen at 12m+2) by 0.1·Σ_{m<c} 0.9^(12(c−m)−1) and potentiated at
// 12c+2 (post0 seen; P0 holds the pre0 arrivals 12m+1, m ≤ c) by
// 0.1·Σ_{m≤c} 0.9^(12(c−m)+1). The second is larger (0.9^1 vs 0.9^11 per
// cycle), so w00 grows: +0.09 in the first cycle, and reaches 1. Synapse
// 1→1 is the mirror image (post before pre), so w11 = 1 − w00 and it
// reaches 0.
func TestSTDPNotebook7(t *testing.T) {
	for _, batch := range []int{1, 2} {
		dr := newDriver(t, oneToOne(2, 0.5), batch, 1, 0, 1, LeakySTDP(10, 10, 0.1, 0.1))
		const cycles, period = 25, 12
		for c := range int64(cycles) {
			base := c * period
			dr.firePre(base, 0, 1)
			dr.firePost(base, 1, 1)
			dr.firePre(base+1, 1, 1)
			dr.firePost(base+1, 0, 1)
			if batch == 2 { // copy 1 mirrored
				dr.firePre(base, 2+1, 1)
				dr.firePost(base, 2+0, 1)
				dr.firePre(base+1, 2+0, 1)
				dr.firePost(base+1, 2+1, 1)
			}
		}
		w00 := 0.5
		for c := range cycles {
			var ltd, ltp float64
			for m := 0; m < c; m++ {
				ltd += 0.1 * math.Pow(0.9, float64(period*(c-m)-1))
			}
			for m := 0; m <= c; m++ {
				ltp += 0.1 * math.Pow(0.9, float64(period*(c-m)+1))
			}
			if batch == 1 {
				w00 = math.Max(0, math.Min(1, w00-ltd))
				w00 = math.Max(0, math.Min(1, w00+ltp))
			}
			dr.run(period, true)
			w := dr.p.Syn.W
			if !near(float64(w[0]), w00, 1e-5) || !near(float64(w[1]), 1-w00, 1e-5) {
				t.Fatalf("batch %d, after cycle %d: w00 = %.7g, w11 = %.7g, want %.7g, %.7g", batch, c, w[0], w[1], w00, 1-w00)
			}
			if batch == 1 && c == 0 && !near(float64(w[0]), 0.59, 1e-6) {
				t.Fatalf("first cycle: w00 = %g, want 0.5 + 0.1·0.9", w[0])
			}
		}
		w := dr.p.Syn.W
		if batch == 1 && (w[0] != 1 || w[1] != 0) {
			t.Errorf("final weights %v, want [1 0]", w)
		}
		if batch == 2 && (!near(float64(w[0]), 0.5, 1e-6) || !near(float64(w[1]), 0.5, 1e-6)) {
			t.Errorf("mirrored batch: final weights %v, want [0.5 0.5] (the copies cancel)", w)
		}
	}
}

// A batch's change is the plain mean of its copies' changes.
func TestSTDPBatchMean(t *testing.T) {
	const tp, tm, ep, em, dt = 20.0, 10.0, 0.05, 0.03, 1.0
	spec := LeakySTDP(tp, tm, ep, em)
	a := pairDW(t, spec, dt, 2, 1, 1)
	b := pairDW(t, spec, dt, -3, 1, 1)
	dr := newDriver(t, oneToOne(1, 0), 2, dt, -100, 100, spec)
	dr.firePre(20, 0, 1)
	dr.firePost(22, 0, 1)
	dr.firePre(20, 1, 1)
	dr.firePost(17, 1, 1)
	dr.run(40, true)
	want := (ep*math.Pow(1-dt/tp, 2) - em*math.Pow(1-dt/tm, 3)) * dt / 2
	got := float64(dr.p.Syn.W[0])
	if !near(got, want, 1e-5) || !near(got, (a+b)/2, 1e-5) {
		t.Errorf("batch of two: Δw = %.9g, want %.9g = mean of %.9g and %.9g", got, want, a, b)
	}
}

// With learning off the traces run on and the weights stay; a pair
// completed after learning is switched on sees the old presynaptic trace.
func TestSTDPLearningOff(t *testing.T) {
	const tp, tm, ep, em, dt = 20.0, 10.0, 0.05, 0.03, 1.0
	dr := newDriver(t, oneToOne(1, 0.3), 1, dt, 0, 1, LeakySTDP(tp, tm, ep, em))
	dr.firePost(1, 0, 1) // post then pre while off: depression discarded
	dr.firePre(2, 0, 1)
	dr.firePost(6, 0, 1) // seen at step 7, learning on
	dr.run(7, false)
	if w := dr.p.Syn.W[0]; w != 0.3 {
		t.Fatalf("learning off: w = %g, want 0.3 unchanged", w)
	}
	dr.run(10, true)
	want := 0.3 + ep*dt*math.Pow(1-dt/tp, 4)
	if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-6) {
		t.Errorf("after re-enabling: w = %.9g, want %.9g", got, want)
	}
}

func TestSTDPClipping(t *testing.T) {
	dr := newDriver(t, oneToOne(2, 0.95), 1, 1, 0.1, 1, LeakySTDP(10, 10, 1, 1))
	dr.p.Syn.W[1] = 0.15
	dr.firePre(3, 0, 1)
	dr.firePost(4, 0, 1) // +0.9 on synapse 0
	dr.firePost(3, 1, 1)
	dr.firePre(4, 1, 1) // −0.9 on synapse 1
	dr.run(10, true)
	if w := dr.p.Syn.W; w[0] != 1 || w[1] != 0.1 {
		t.Errorf("w = %v, want [1 0.1] (clipped to the bounds)", w)
	}
}

// Soft-bound rates inside STDP: η(w) = η·(wmax − w)·(w − wmin).
func TestSTDPSoftBound(t *testing.T) {
	const tau, eta, dt = 10.0, 0.4, 1.0
	spec := STDP{Pre: leaky(tau), Post: leaky(tau), LTP: SoftBoundRate{eta}, LTD: SoftBoundRate{eta}}
	for _, c := range []struct {
		w0  float32
		lag int64
	}{{0.25, 1}, {0.7, -2}, {0, 1}, {1, -1}} {
		dr := newDriver(t, oneToOne(1, c.w0), 1, dt, 0, 1, spec)
		dr.firePre(5, 0, 1)
		dr.firePost(5+c.lag, 0, 1)
		dr.run(15, true)
		w := float64(c.w0)
		want := w + math.Copysign(1, float64(c.lag))*eta*(1-w)*w*dt*math.Pow(1-dt/tau, math.Abs(float64(c.lag)))
		if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-6) {
			t.Errorf("w0 = %g, Δt = %d: w = %.9g, want %.9g", c.w0, c.lag, got, want)
		}
	}
}

// A descending rate takes its k-th value at the k-th step since reset.
func TestSTDPDescendingRate(t *testing.T) {
	const tau, eta0, rtau, dt = 10.0, 0.2, 50.0, 1.0
	spec := STDP{Pre: leaky(tau), Post: leaky(tau), LTP: DescendingRate{eta0, rtau}, LTD: ConstRate{0}}
	dr := newDriver(t, oneToOne(1, 0), 1, dt, -1, 1, spec)
	dr.firePre(29, 0, 1)
	dr.firePost(30, 0, 1) // seen at step 31
	dr.run(40, true)
	want := eta0 * math.Pow(1-dt/rtau, 31) * dt * (1 - dt/tau)
	if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-5) {
		t.Errorf("Δw = %.9g, want %.9g", got, want)
	}
}

// A masked synapse does not learn.
func TestSTDPMask(t *testing.T) {
	syn := &synapse.CSR{Rows: 2, Cols: 1, Ptr: []uint32{0, 1, 2}, Idx: []uint32{0, 0}, W: []float32{0, 0}}
	dr := newDriver(t, syn, 1, 1, -1, 1, LeakySTDP(10, 10, 0.1, 0.1))
	dr.p.Mask = []bool{true, false}
	dr.firePre(2, 0, 1)
	dr.firePre(2, 1, 1)
	dr.firePost(3, 0, 1)
	dr.firePre(6, 0, 1)
	dr.firePre(6, 1, 1)
	dr.run(10, true)
	want := 0.1*0.9 - 0.1*math.Pow(0.9, 3)
	if w := dr.p.Syn.W; !near(float64(w[0]), want, 1e-6) || w[1] != 0 {
		t.Errorf("w = %v, want [%g 0]", w, want)
	}
}

// On a random projection with multapses, several copies, graded signals of
// both signs and a weight-dependent rate, the event-driven rule matches a
// dense evaluation of the formula with one tag per synapse (as the
// reference keeps them).
func TestSTDPMatchesDenseFormula(t *testing.T) {
	const rows, cols, B, dt, tp, tm, ep, em = 7, 5, 3, 0.5, 8.0, 12.0, 0.3, 0.2
	rng := rand.New(rand.NewPCG(1, 2))
	syn := &synapse.CSR{Rows: rows, Cols: cols, Ptr: make([]uint32, rows+1)}
	for r := range rows {
		n := rng.IntN(5)
		for range n {
			syn.Idx = append(syn.Idx, uint32(rng.IntN(cols)))
			syn.W = append(syn.W, rng.Float32())
		}
		syn.Ptr[r+1] = uint32(len(syn.Idx))
	}
	spec := STDP{Pre: leaky(tp), Post: leaky(tm), LTP: SoftBoundRate{ep}, LTD: ConstRate{em}}
	dr := newDriver(t, syn, B, dt, -0.5, 1.5, spec)
	const steps = 200
	for n := range int64(steps) {
		for e := range B * rows {
			if rng.Float64() < 0.1 {
				dr.firePre(n, uint32(e), float32(rng.Float64()*2-0.5))
			}
		}
		for e := range B * cols {
			if rng.Float64() < 0.1 {
				dr.firePost(n, uint32(e), float32(rng.Float64()*1.5))
			}
		}
	}
	// Dense reference, float64.
	w := make([]float64, syn.Len())
	for k := range w {
		w[k] = float64(syn.W[k])
	}
	P := make([]float64, B*syn.Len())
	Q := make([]float64, B*cols)
	for n := range int64(steps) {
		x := make([]float64, B*rows)
		y := make([]float64, B*cols)
		for _, s := range dr.pre[n-1] {
			x[s.idx] += math.Abs(float64(s.v))
		}
		for _, s := range dr.post[n-1] {
			y[s.idx] += float64(s.v)
		}
		for b := range B {
			for j := range cols {
				Q[b*cols+j] = y[b*cols+j] + (1-dt/tm)*Q[b*cols+j]
			}
		}
		dw := make([]float64, len(w))
		for r := range rows {
			for k := syn.Ptr[r]; k < syn.Ptr[r+1]; k++ {
				j := int(syn.Idx[k])
				for b := range B {
					pk := &P[b*syn.Len()+int(k)]
					*pk = x[b*rows+r] + (1-dt/tp)*(*pk)
					etaP := ep * (1.5 - w[k]) * (w[k] + 0.5)
					dw[k] += dt / B * (etaP**pk*y[b*cols+j] - em*x[b*rows+r]*Q[b*cols+j])
				}
			}
		}
		for k := range w {
			w[k] = math.Max(-0.5, math.Min(1.5, w[k]+dw[k]))
		}
		dr.step(true)
		for k := range w {
			if !near(float64(syn.W[k]), w[k], 2e-5) {
				t.Fatalf("step %d synapse %d: w = %.8g, dense formula %.8g", n, k, syn.W[k], w[k])
			}
		}
	}
}

func TestSTDPErrors(t *testing.T) {
	p, err := NewSynapses(oneToOne(2, 0.5), 1, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec Spec
		want []string
	}{
		{STDP{Post: leaky(10)}, []string{"stdp", "Pre tag is nil"}},
		{STDP{Pre: leaky(10)}, []string{"stdp", "Post tag is nil"}},
		{STDP{Pre: leaky(0.5), Post: leaky(10)}, []string{"stdp", "Pre tag", "tau_ms[0] = 0.5"}},
		{STDP{Pre: leaky(10), Post: leaky(10), LTP: ConstRate{math.NaN()}}, []string{"stdp", "LTP", "const rate", "Eta = NaN"}},
		{STDP{Pre: leaky(10), Post: leaky(10), LTD: DescendingRate{0.1, 0.5}}, []string{"stdp", "LTD", "descending rate", "Tau = 0.5 ms"}},
		{STDP{Pre: leaky(10), Post: leaky(10), LTD: SoftBoundRate{math.Inf(1)}}, []string{"stdp", "LTD", "soft-bound rate", "Eta = +Inf"}},
		{Convergent{TauMs: 0}, []string{"convergent", "Tau = 0 ms"}},
		{Convergent{TauMs: 0.2}, []string{"convergent", "Tau = 0.2 ms", "dt = 1 ms"}},
		{Convergent{TauMs: 10, C: math.NaN()}, []string{"convergent", "C = NaN"}},
		{Composite{}, []string{"composite", "Rules is empty"}},
		{Composite{Rules: []Spec{Convergent{TauMs: 10}, Convergent{TauMs: -1}}}, []string{"composite", "Rules[1] (convergent)", "Tau = -1 ms"}},
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
	if _, err := NewSynapses(oneToOne(2, 0.5), 0, 1, 0, 1); err == nil || !strings.Contains(err.Error(), "batch = 0") {
		t.Errorf("batch 0: error %v", err)
	}
	if _, err := NewSynapses(oneToOne(2, 0.5), 1, 1, 1, 0); err == nil || !strings.Contains(err.Error(), "[1, 0]") {
		t.Errorf("swapped bounds: error %v", err)
	}
	bad := &Synapses{Syn: oneToOne(2, 0.5), Batch: 1, Dt: 1, Wmax: 1}
	if _, err := (LeakySTDP(10, 10, 0.1, 0.1)).New(bad); err == nil || !strings.Contains(err.Error(), "column view") {
		t.Errorf("missing column view: error %v", err)
	}
}

// Counting tags: a flat tag counts every earlier spike, so an isolated pair
// gives ±η·dt whatever Δt; a limited-flat tag of W steps counts a spike for
// W steps (the step it is seen and W−1 more), so the pair counts only when
// |Δt| ≤ W−1.
func TestSTDPCountingTags(t *testing.T) {
	const ep, em, dt = 0.05, 0.03, 1.0
	const W = 5 // round(5 ms / 1 ms)
	for _, c := range []struct {
		name   string
		tag    response.Spec
		window int64
	}{
		{"flat", response.Flat{}, 1 << 40},
		{"limited-flat", response.LimitedFlat{Duration: param.Const(W * dt)}, W},
	} {
		spec := STDP{Pre: c.tag, Post: c.tag, LTP: ConstRate{ep}, LTD: ConstRate{em}}
		for lag := int64(-8); lag <= 8; lag++ {
			var want float64
			switch {
			case lag == 0:
				want = (ep - em) * dt
			case abs64(lag) > c.window-1:
				want = 0
			case lag > 0:
				want = ep * dt
			default:
				want = -em * dt
			}
			if got := pairDW(t, spec, dt, lag, 1, 1); !near(got, want, 1e-6) {
				t.Errorf("%s Δt=%d: Δw = %.9g, want %.9g", c.name, lag, got, want)
			}
		}
	}
}

// PreFirst changes only the coincident pair: pre before post within a
// step gives +η+·dt (Brian2's on_pre-before-on_post order), every other
// interval keeps the closed form. With scaled tags (immediate response c)
// the coincident pair still loses its depression term exactly.
func TestSTDPPreFirst(t *testing.T) {
	const dt, tp, tm, ep, em = 0.5, 20.0, 10.0, 0.05, 0.03
	spec := LeakySTDP(tp, tm, ep, em)
	spec.PreFirst = true
	for lag := int64(-8); lag <= 8; lag++ {
		var want float64
		switch {
		case lag > 0:
			want = ep * dt * math.Pow(1-dt/tp, float64(lag))
		case lag < 0:
			want = -em * dt * math.Pow(1-dt/tm, float64(-lag))
		default:
			want = ep * dt
		}
		if got := pairDW(t, spec, dt, lag, 1, 1); !near(got, want, 1e-5) {
			t.Errorf("Δt=%d: Δw = %.9g, want %.9g", lag, got, want)
		}
	}
	// Post tag scaled by 3 after the leak: immediate response 3.
	scaled := spec
	scaled.Post = response.Composite{Functions: []response.Spec{leaky(tm), response.Scaling{Scale: param.Const(3)}}}
	if got, want := pairDW(t, scaled, dt, 0, 1, 1), ep*dt; !near(got, want, 1e-5) {
		t.Errorf("scaled post tag, Δt=0: Δw = %.9g, want %.9g", got, want)
	}
	if got, want := pairDW(t, scaled, dt, -2, 1, 1), -em*dt*3*math.Pow(1-dt/tm, 2); !near(got, want, 1e-5) {
		t.Errorf("scaled post tag, Δt=-2: Δw = %.9g, want %.9g", got, want)
	}
}
