package plasticity

import "testing"

// Additive STDP applies each change at once, clipped (as event-driven
// simulators do): a coincident pre/post pair on a synapse just below the
// upper bound potentiates it to the bound first, then depresses it from
// there. Rate-dependent rules (soft bounds) sum the step's changes, both
// computed from the weight at the start of the step, and clip once.
func TestCoincidentPairClipsInOrder(t *testing.T) {
	const dt, a, b = 1.0, 0.3, 0.2 // η+·dt, η−·dt
	const w0, wmax = 0.9, 1.0
	dr := newDriver(t, oneToOne(1, w0), 1, dt, 0, wmax, LeakySTDP(10, 10, a/dt, b/dt))
	dr.firePre(0, 0, 1)
	dr.firePost(0, 0, 1)
	dr.run(2, true)
	// Step 1: P = 1 and y = 1 → +a, clipped to wmax; then x = 1 and Q = 1
	// → −b from the bound.
	if got, want := dr.p.Syn.W[0], float32(wmax)-float32(b); !near(float64(got), float64(want), 1e-6) {
		t.Fatalf("additive STDP, coincident pair from w = %g: w = %g, want clip(w + %g) − %g = %g", w0, got, a, b, want)
	}

	// Soft-bound rates read the weight: the changes are summed from w0.
	soft := STDP{Pre: leaky(10), Post: leaky(10), LTP: SoftBoundRate{Eta: a / dt}, LTD: SoftBoundRate{Eta: b / dt}}
	dr = newDriver(t, oneToOne(1, w0), 1, dt, 0, wmax, soft)
	dr.firePre(0, 0, 1)
	dr.firePost(0, 0, 1)
	dr.run(2, true)
	f := (wmax - w0) * (w0 - 0)
	if got, want := float64(dr.p.Syn.W[0]), w0+(a-b)*f; !near(got, want, 1e-6) {
		t.Fatalf("soft-bound STDP, coincident pair: w = %g, want w0 + (a − b)·(wmax − w0)·w0 = %g", got, want)
	}
}
