package plasticity

import (
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
)

// Modulated scales the inner change of the step by the modulator of the
// same step: there is no trace, so a modulator at any other step does
// nothing.
func TestModulatedPair(t *testing.T) {
	const dt = 0.5
	spec := Modulated{Rule: LeakySTDP(rtp, rtm, rep, rem)}
	for _, post := range []int64{24, 16, 20} {
		m := pairStep(20, post)
		for _, c := range []struct {
			s, e int64
			M    float32
			hit  bool
		}{
			{m, m, 2, true},
			{m, m, -0.75, true},
			{0, m - 1, 1, false},
			{m + 1, m + 100, 1, false},
			{0, m + 100, 1.25, true},
		} {
			dr := newDriver(t, oneToOne(1, 0), 1, dt, -100, 100, spec)
			dr.firePre(20, 0, 1)
			dr.firePost(post, 0, 1)
			modRun(dr, int(m)+150, constMod(1, c.s, c.e, c.M))
			want := 0.0
			if c.hit {
				want = innerDW(dt, 20, post) * float64(c.M)
			}
			if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-6) || (got == 0) != (want == 0) {
				t.Errorf("pair 20→%d, M = %g on [%d, %d]: Δw = %.9g, want %.9g", post, c.M, c.s, c.e, got, want)
			}
		}
	}
	// No modulator: no change.
	dr := newDriver(t, oneToOne(1, 0.5), 1, dt, 0, 1, spec)
	dr.firePre(20, 0, 1)
	dr.firePost(22, 0, 1)
	dr.run(50, true)
	if w := dr.p.Syn.W[0]; w != 0.5 {
		t.Errorf("without modulator: w = %g, want 0.5", w)
	}
}

// The reference's FlatRSTDP: limited-flat tags of 10 ms count every
// spike of the last 10 steps (dt = 1 ms) fully, so a pair within the
// window changes the weight by ±η·dt·M, one outside it not at all.
func TestModulatedFlatRSTDP(t *testing.T) {
	const dt, eta = 1.0, 0.02
	flat := response.LimitedFlat{Duration: param.Const(10)}
	spec := Modulated{Rule: STDP{Pre: flat, Post: flat, LTP: ConstRate{Eta: eta}, LTD: ConstRate{Eta: eta}}}
	const M = 0.5
	for lag := int64(-14); lag <= 14; lag++ {
		dr := newDriver(t, oneToOne(1, 0), 1, dt, -1, 1, spec)
		dr.firePre(30, 0, 1)
		dr.firePost(30+lag, 0, 1)
		modRun(dr, 60, constMod(1, 0, 60, M))
		// A window of 10 steps: an event at step m counts at m … m+9.
		want := 0.0
		switch {
		case lag > 0 && lag < 10:
			want = eta * dt * M
		case lag < 0 && -lag < 10:
			want = -eta * dt * M
		}
		if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-6) {
			t.Errorf("Δt = %d: Δw = %.9g, want %.9g", lag, got, want)
		}
	}
}

// Each copy's change is scaled by its own modulator; the weight change is
// the mean.
func TestModulatedBatch(t *testing.T) {
	const dt = 1.0
	spec := Modulated{Rule: LeakySTDP(rtp, rtm, rep, rem)}
	dr := newDriver(t, oneToOne(1, 0), 3, dt, -100, 100, spec)
	dr.firePre(20, 0, 1)
	dr.firePost(23, 0, 1)
	dr.firePre(20, 1, 1)
	dr.firePost(18, 1, 1)
	dr.firePre(20, 2, 1)
	dr.firePost(23, 2, 1)
	M := []float32{2, 3, 0}
	modRun(dr, 60, func(int64) []float32 { return M })
	want := (2*innerDW(dt, 20, 23) + 3*innerDW(dt, 20, 18)) / 3
	if got := float64(dr.p.Syn.W[0]); !near(got, want, 1e-6) {
		t.Errorf("Δw = %.9g, want %.9g", got, want)
	}
	// Reset clears the inner traces: a post spike after the reset finds
	// no presynaptic trace (without the reset it would find one).
	for _, reset := range []bool{false, true} {
		dr := newDriver(t, oneToOne(1, 0), 1, dt, -100, 100, spec)
		dr.firePre(20, 0, 1)
		dr.run(30, true)
		if reset {
			dr.l.Reset()
		}
		dr.firePost(dr.n, 0, 1)
		modRun(dr, 5, func(int64) []float32 { return M[:1] })
		if got := dr.p.Syn.W[0]; (got == 0) != reset {
			t.Errorf("reset %v: w = %g", reset, got)
		}
	}
}
