package plasticity

import (
	"math"
	"testing"
)

func TestConstRate(t *testing.T) {
	r, err := ConstRate{Eta: 0.03}.New(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []float32{-1, 0, 0.5, 7} {
		if got := r.At(w, 0, 1); got != 0.03 {
			t.Errorf("At(%g) = %g, want 0.03", w, got)
		}
	}
	if eta, ok := r.Uniform(); !ok || eta != 0.03 {
		t.Errorf("Uniform() = %g, %v", eta, ok)
	}
}

// Soft bounds: η·(wmax − w)·(w − wmin), zero at both bounds, maximum
// η·((wmax − wmin)/2)² at the midpoint.
func TestSoftBoundRate(t *testing.T) {
	const eta = 0.5
	r, err := SoftBoundRate{Eta: eta}.New(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Uniform(); ok {
		t.Error("a soft-bound rate reports itself uniform")
	}
	for _, b := range [][2]float32{{0, 1}, {0.2, 1}, {-1, 3}} {
		lo, hi := b[0], b[1]
		if got := r.At(lo, lo, hi); got != 0 {
			t.Errorf("[%g,%g]: At(wmin) = %g, want 0", lo, hi, got)
		}
		if got := r.At(hi, lo, hi); got != 0 {
			t.Errorf("[%g,%g]: At(wmax) = %g, want 0", lo, hi, got)
		}
		mid := (lo + hi) / 2
		peak := eta * float64(hi-lo) * float64(hi-lo) / 4
		if got := r.At(mid, lo, hi); !near(float64(got), peak, 1e-6) {
			t.Errorf("[%g,%g]: At(mid) = %g, want %g", lo, hi, got, peak)
		}
		for _, f := range []float32{0.05, 0.3, 0.45, 0.55, 0.8} {
			w := lo + f*(hi-lo)
			want := eta * float64(hi-w) * float64(w-lo)
			got := r.At(w, lo, hi)
			if !near(float64(got), want, 1e-6) || !(float64(got) < peak) || got <= 0 {
				t.Errorf("[%g,%g]: At(%g) = %g, want %g, in (0, %g)", lo, hi, w, got, want, peak)
			}
		}
	}
}

// η_k = η0·(1 − dt/τ)^k, one value per step, back to η0 on Reset.
func TestDescendingRate(t *testing.T) {
	const eta0, tau, dt = 0.2, 40.0, 0.5
	r, err := DescendingRate{Eta0: eta0, TauMs: tau}.New(dt)
	if err != nil {
		t.Fatal(err)
	}
	check := func(k int) {
		t.Helper()
		want := eta0 * math.Pow(1-dt/tau, float64(k))
		eta, ok := r.Uniform()
		if !ok || !near(float64(eta), want, 1e-6) || r.At(0.3, 0, 1) != eta {
			t.Fatalf("step %d: rate %g (uniform %v), want %g", k, eta, ok, want)
		}
	}
	for k := range 500 {
		check(k)
		r.Advance()
	}
	r.Reset()
	check(0)
	r.Advance()
	check(1)
}
