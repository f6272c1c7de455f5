package plasticity

import (
	"math"
	"strings"
	"testing"
)

// Upper- and lower-bound rates at given weights: η·(wmax − w) and
// η·(w − wmin), zero on their own bound, never uniform; rateEval's fast
// path gives the same values as At.
func TestBoundRates(t *testing.T) {
	const eta = 0.4
	up, err := UpperBoundRate{Eta: eta}.New(1)
	if err != nil {
		t.Fatal(err)
	}
	low, err := LowerBoundRate{Eta: eta}.New(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Rate{up, low} {
		if _, ok := r.Uniform(); ok {
			t.Errorf("%T reports itself uniform", r)
		}
	}
	for _, c := range []struct {
		w, lo, hi     float32
		wantUp, wantL float64
	}{
		{0, 0, 1, eta * 1, 0},
		{1, 0, 1, 0, eta * 1},
		{0.25, 0, 1, eta * 0.75, eta * 0.25},
		{0.5, -1, 3, eta * 2.5, eta * 1.5},
		{2, 1, 5, eta * 3, eta * 1},
		// An infinite bound that the rate does not use does not matter.
		{0.3, float32(math.Inf(-1)), 1, eta * 0.7, math.Inf(1)},
		{0.3, 0, float32(math.Inf(1)), math.Inf(1), eta * 0.3},
	} {
		for _, r := range []struct {
			name string
			rate Rate
			want float64
		}{{"upper", up, c.wantUp}, {"lower", low, c.wantL}} {
			got := r.rate.At(c.w, c.lo, c.hi)
			if !(math.IsInf(r.want, 1) && math.IsInf(float64(got), 1)) && !near(float64(got), r.want, 1e-6) {
				t.Errorf("%s: At(%g) in [%g, %g] = %g, want %g", r.name, c.w, c.lo, c.hi, got, r.want)
			}
			var ev rateEval
			ev.prepare(r.rate, c.lo, c.hi)
			if ev.mode == rateOther || ev.zero() {
				t.Errorf("%s: rateEval mode %d (zero %v), want a fast path", r.name, ev.mode, ev.zero())
			}
			if e := ev.at(c.w); e != got {
				t.Errorf("%s: rateEval.at(%g) = %g, At = %g", r.name, c.w, e, got)
			}
		}
	}
	var ev rateEval
	zero, _ := UpperBoundRate{}.New(1)
	if ev.prepare(zero, 0, 1); !ev.zero() {
		t.Error("η = 0: rateEval does not report zero")
	}
}

// CheckBounds refuses only the bound the rate uses being infinite.
func TestBoundRatesCheckBounds(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		check  BoundsChecker
		lo, hi float32
		want   string // "" for no error
	}{
		{UpperBoundRate{1}, 0, 1, ""},
		{UpperBoundRate{1}, -inf, 1, ""},
		{UpperBoundRate{1}, 0, inf, "Wmax = +Inf"},
		{LowerBoundRate{1}, 0, 1, ""},
		{LowerBoundRate{1}, 0, inf, ""},
		{LowerBoundRate{1}, -inf, 1, "Wmin = -Inf"},
	} {
		err := c.check.CheckBounds(c.lo, c.hi)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%T [%g, %g]: %v", c.check, c.lo, c.hi, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%T [%g, %g]: error %v, want one mentioning %q", c.check, c.lo, c.hi, err, c.want)
		}
	}
	// Through a rule: the rate's kind and the bound are named.
	p, err := NewSynapses(oneToOne(1, 0.5), 1, 1, 0, inf)
	if err != nil {
		t.Fatal(err)
	}
	_, err = MultiplicativeSTDP(10, 10, 0.1, 0.1).New(p)
	if err == nil || !strings.Contains(err.Error(), "LTP") || !strings.Contains(err.Error(), "upper-bound rate") {
		t.Errorf("infinite Wmax: error %v", err)
	}
	if _, err := (STDP{Pre: leaky(10), Post: leaky(10), LTD: LowerBoundRate{math.NaN()}}).New(p); err == nil ||
		!strings.Contains(err.Error(), "lower-bound rate: Eta = NaN") {
		t.Errorf("NaN eta: error %v", err)
	}
}

// Multiplicative STDP on isolated pairs at several weights:
// Δw = +η+·(wmax − w0)·dt·a+^Δt (Δt > 0), −η−·(w0 − wmin)·dt·a−^|Δt|
// (Δt < 0), with and without a mask (the masked path evaluates the rate
// per synapse too).
func TestMultiplicativeSTDP(t *testing.T) {
	const tp, tm, ep, em, dt = 20.0, 10.0, 0.3, 0.2, 1.0
	const wlo, whi = 0.1, 2.0
	ap, am := 1-dt/tp, 1-dt/tm
	for _, masked := range []bool{false, true} {
		for _, c := range []struct {
			w0  float32
			lag int64
		}{{0.5, 3}, {1.9, 3}, {0.1, 2}, {0.5, -3}, {1.9, -1}, {2, -4}, {2, 5}, {0.1, -2}} {
			dr := newDriver(t, oneToOne(2, c.w0), 1, dt, wlo, whi, MultiplicativeSTDP(tp, tm, ep, em))
			if masked {
				dr.p.Mask = []bool{true, false}
			}
			dr.firePre(10, 0, 1)
			dr.firePost(10+c.lag, 0, 1)
			dr.run(25, true)
			w0 := float64(c.w0)
			want := w0 - em*(w0-wlo)*dt*pw(am, -c.lag)
			if c.lag > 0 {
				want = w0 + ep*(whi-w0)*dt*pw(ap, c.lag)
			}
			if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-6) {
				t.Errorf("masked %v, w0 = %g, Δt = %d: w = %.9g, want %.9g", masked, c.w0, c.lag, got, want)
			}
		}
	}
}

// The multiplicative rates converge to a weight inside the bounds. A
// cycle of a pair at Δt = +2 then, much later, one at Δt = −4 maps w to
// w1 = w + c+·(wmax − w), then w1 − c−·(w1 − wmin) (c+ = η+·dt·a+², c− =
// η−·dt·a−⁴), whose fixed point is
// w* = ((1 − c−)·c+·wmax + c−·wmin) / (1 − (1 − c−)(1 − c+)).
func TestMultiplicativeSTDPFixedPoint(t *testing.T) {
	const tp, tm, ep, em, dt = 20.0, 20.0, 0.05, 0.05, 1.0
	const wlo, whi = 0.0, 1.0
	cp := ep * dt * pw(1-dt/tp, 2)
	cm := em * dt * pw(1-dt/tm, 4)
	wstar := ((1-cm)*cp*whi + cm*wlo) / (1 - (1-cm)*(1-cp))
	dr := newDriver(t, oneToOne(1, 0.9), 1, dt, wlo, whi, MultiplicativeSTDP(tp, tm, ep, em))
	w := 0.9
	const period, cycles = 400, 150 // the traces decay to < 1e-8 between pairs
	for c := range int64(cycles) {
		base := c * period
		dr.firePre(base+10, 0, 1)
		dr.firePost(base+12, 0, 1) // +2
		dr.firePost(base+200, 0, 1)
		dr.firePre(base+204, 0, 1) // −4
		w += cp * (whi - w)
		w -= cm * (w - wlo)
	}
	dr.run(cycles*period, true)
	got := float64(dr.p.Syn.W[0])
	if !near(got, w, 1e-4) {
		t.Errorf("after %d cycles: w = %.7g, iterated map %.7g", cycles, got, w)
	}
	if math.Abs(w-wstar) > 1e-3 || math.Abs(got-wstar) > 2e-3 {
		t.Errorf("w = %.7g (map %.7g), want near the fixed point %.7g", got, w, wstar)
	}
}
