package monitor

import (
	"math"
	"testing"
)

// Spike trains built by hand, binned in 10 steps (6 bins over [0, 60)):
// a = 1 0 1 0 1 0, b = a, c = 0 1 0 1 0 1, d silent, f = 2 0 1 0 0 0.
// Pearson: (a, b) = 1, (a, c) = −1, with d NaN, (a, f) = 1.5/√(1.5·3.5)
// (the centred products of a and f sum to 1.5, a's squares to 1.5, f's
// to 3.5), (c, f) = −(a, f) since c = 1 − a.
func TestSpikeCountCorrelations(t *testing.T) {
	var steps []int64
	var elems []uint32
	spike := func(e uint32, st ...int64) {
		for _, s := range st {
			steps = append(steps, s)
			elems = append(elems, e)
		}
	}
	spike(0, 3, 25, 41)  // a: bins 0, 2, 4
	spike(1, 0, 29, 40)  // b: bins 0, 2, 4
	spike(2, 15, 35, 59) // c: bins 1, 3, 5
	spike(4, 1, 9, 22)   // f: bins 0, 0, 2
	spike(0, 60, 75)     // outside [0, 60)
	got := SpikeCountCorrelations(steps, elems, []uint32{0, 1, 2, 3, 4}, 0, 60, 10)
	af := 1.5 / math.Sqrt(1.5*3.5)
	nan := math.NaN()
	// Pairs in order: (a,b) (a,c) (a,d) (a,f) (b,c) (b,d) (b,f) (c,d) (c,f) (d,f).
	want := []float64{1, -1, nan, af, -1, nan, af, nan, -af, nan}
	if len(got) != len(want) {
		t.Fatalf("%d pairs, want %d", len(got), len(want))
	}
	for k := range want {
		if math.IsNaN(want[k]) != math.IsNaN(got[k]) || !math.IsNaN(want[k]) && math.Abs(got[k]-want[k]) > 1e-12 {
			t.Errorf("pair %d: %g, want %g", k, got[k], want[k])
		}
	}
	// A last, shorter bin: [0, 65) in bins of 10 has 7, the last [60, 65).
	got = SpikeCountCorrelations(steps, elems, []uint32{0, 1}, 0, 65, 10)
	// a = 1 0 1 0 1 0 1 (the spike at 60), b = 1 0 1 0 1 0 0: means 4/7, 3/7;
	// Σ(a−ā)(b−b̄) = 3 − 7·(4/7)(3/7) = 9/7; Σ(a−ā)² = 4 − 16/7 = 12/7;
	// Σ(b−b̄)² = 3 − 9/7 = 12/7: r = 9/12.
	if len(got) != 1 || math.Abs(got[0]-0.75) > 1e-12 {
		t.Errorf("with a partial bin: %v, want [0.75]", got)
	}
	if SpikeCountCorrelations(steps, elems, []uint32{0}, 0, 60, 10) != nil {
		t.Error("one neuron: want nil")
	}
}

// ISIs 10 and 20 steps: mean 15, sd 5 (denominator n): CV 1/3; ISIs 4, 4,
// 4: CV 0; two spikes: left out.
func TestISICVs(t *testing.T) {
	steps := []int64{0, 2, 6, 10, 10, 14, 30, 50}
	elems := []uint32{0, 1, 1, 0, 1, 1, 0, 2}
	got := ISICVs(3, steps, elems, 0, 40)
	if len(got) != 2 || math.Abs(got[0]-1.0/3) > 1e-12 || got[1] != 0 {
		t.Errorf("CVs %v, want [1/3 0]", got)
	}
}
