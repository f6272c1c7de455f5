package encoder

import (
	"math"
	"slices"
	"testing"

	"github.com/spiral-sim/spiral/soma"
)

func TestWindowSteps(t *testing.T) {
	cases := []struct {
		ms, dt float64
		want   int
		ok     bool
	}{
		{10, 1, 10, true}, {0.3, 0.1, 3, true}, {2.5, 1, 2, true}, {1.5, 0.1, 15, true},
		{0.5, 1, 0, false}, {-1, 1, 0, false}, {math.NaN(), 1, 0, false}, {1, 0, 0, false},
	}
	for _, c := range cases {
		got, err := WindowSteps(c.ms, c.dt)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("WindowSteps(%g, %g) = %d, %v; want %d (ok %v)", c.ms, c.dt, got, err, c.want, c.ok)
		}
	}
}

func TestTTFSStep(t *testing.T) {
	// step = L − round(x·L); round(x·L) = 0 never fires.
	cases := []struct {
		x    float64
		L    int
		want int
	}{
		{1, 10, 0}, {0, 10, -1}, {0.5, 10, 5}, {0.04, 10, -1},
		{0.05, 10, 9}, // 0.5 rounds away from zero
		{0.55, 10, 4}, // round(5.5) = 6
		{0.999, 10, 0}, {0.31, 100, 69}, {1.01, 10, -1}, {-0.1, 10, -1}, {math.NaN(), 10, -1},
	}
	for _, c := range cases {
		if got := TTFSStep(c.x, c.L); got != c.want {
			t.Errorf("TTFSStep(%g, %d) = %d, want %d", c.x, c.L, got, c.want)
		}
	}
}

func TestTTFSDecodeRoundTrip(t *testing.T) {
	for _, L := range []int{1, 7, 10, 100} {
		for j := 0; j <= 1000; j++ {
			x := float64(j) / 1000
			s := TTFSStep(x, L)
			d := TTFSDecode(s, L)
			if s < 0 {
				if x >= 1/(2*float64(L)) || d != 0 {
					t.Fatalf("L=%d x=%g: silent (decode %g)", L, x, d)
				}
				continue
			}
			if math.Abs(d-x) > 1/(2*float64(L))+1e-12 {
				t.Fatalf("L=%d x=%g: decoded %g", L, x, d)
			}
		}
	}
}

func TestTTFSModel(t *testing.T) {
	const L = 10 // 5 ms at dt = 0.5
	m, err := TTFS{WindowMs: 5}.New(env(4, 2, 0.5, 1))
	if err != nil {
		t.Fatal(err)
	}
	items := [][]float32{
		{1, 0, 0.5, 0.26, 0.5, 0.55, 0.05, 1},
		{0.1, 0.9, 0, 1, 0, 0, 0.7, 0.3},
	}
	// Item k is presented at window k's first step only; the input of the
	// other steps is ignored (here: garbage that would be an error).
	garbage := []float32{5, 5, 5, 5, 5, 5, 5, 5}
	fired := run(t, m, 3*L, func(s int64) []float32 {
		if s%L == 0 {
			return items[(s/L)%2]
		}
		return garbage
	})
	if err := m.(soma.Failer).Err(); err != nil {
		t.Fatal(err)
	}
	first := [][]int{}
	for w := 0; w < 3; w++ {
		first = append(first, FirstSpikeSteps(fired[w*L:(w+1)*L], 8))
	}
	for w, fs := range first {
		item := items[w%2]
		for e, x := range item {
			if want := TTFSStep(float64(x), L); fs[e] != want {
				t.Errorf("window %d element %d (x=%g): first spike at %d, want %d", w, e, x, fs[e], want)
			}
		}
	}
	// Exactly one spike per firing element per window.
	for e, k := range counts(fired, 8) {
		want := 0
		for w := 0; w < 3; w++ {
			if TTFSStep(float64(items[w%2][e]), L) >= 0 {
				want++
			}
		}
		if k != want {
			t.Errorf("element %d: %d spikes, want %d", e, k, want)
		}
	}
	// A value outside [0, 1] is reported.
	m.Reset()
	m.Step(0, soma.Input{Current: garbage}, nil)
	if m.(soma.Failer).Err() == nil {
		t.Error("value 5 not reported")
	}
}

func TestNormalizedRanks(t *testing.T) {
	cases := []struct {
		xs   []float32
		want []float64
	}{
		{[]float32{0.2, 0.9, 0.5, 0.5}, []float64{0.25, 1, 0.75, 0.75}},
		{[]float32{3, 2, 1}, []float64{1, 2.0 / 3, 1.0 / 3}},
		{[]float32{7, 7}, []float64{1, 1}},
		{[]float32{-5}, []float64{1}},
	}
	for _, c := range cases {
		got := make([]float64, len(c.xs))
		if err := NormalizedRanks(c.xs, got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-15 {
				t.Errorf("ranks of %v = %v, want %v", c.xs, got, c.want)
				break
			}
		}
	}
	if err := NormalizedRanks([]float32{1, float32(math.NaN())}, make([]float64, 2)); err == nil {
		t.Error("NaN accepted")
	}
}

func TestRankOrderModel(t *testing.T) {
	const L = 8
	m, err := RankOrder{WindowMs: L}.New(env(4, 2, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	// Ranks are over each copy's values; any magnitude works (the Python
	// encoder's unnormalised ranks 1..n gave stages beyond the window).
	x := []float32{0.2, 0.9, 0.5, 0.5, 40, 10, 30, 20}
	fired := run(t, m, L, func(int64) []float32 { return x })
	got := FirstSpikeSteps(fired, 8)
	// copy 0 ranks 1/4, 1, 3/4, 3/4 -> steps 8−2, 0, 8−6, 8−6.
	// copy 1 ranks 1, 1/4, 3/4, 2/4 -> steps 0, 6, 2, 4.
	want := []int{6, 0, 2, 2, 0, 6, 2, 4}
	if !slices.Equal(got, want) {
		t.Errorf("first spikes %v, want %v", got, want)
	}
}

func TestPositionCode(t *testing.T) {
	c, err := Position{K: 5, WindowMs: 100}.Code(1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Means, []float64{0, 0.25, 0.5, 0.75, 1}) || c.SD != 0.125 || c.Threshold != 1e-3 || c.Length != 100 {
		t.Fatalf("defaults: %+v", c)
	}
	for j := 0; j <= 200; j++ {
		x := float64(j) / 200
		steps := make([]int, 5)
		best, bestD := -1, math.Inf(1)
		for m := range steps {
			steps[m] = c.Step(x, m)
			if d := math.Abs(x - c.Means[m]); d < bestD {
				best, bestD = m, d
			}
			// Below the threshold never fires.
			if s := c.Stage(x, m); s < 1e-3 && steps[m] >= 0 {
				t.Fatalf("x=%g neuron %d: stage %g below threshold fired at %d", x, m, s, steps[m])
			}
			if steps[m] >= 0 && steps[m] != 100-int(math.Round(c.Stage(x, m)*100)) {
				t.Fatalf("x=%g neuron %d: step %d", x, m, steps[m])
			}
		}
		// The best-tuned neuron fires first.
		for m, s := range steps {
			if s >= 0 && s < steps[best] {
				t.Fatalf("x=%g: neuron %d (step %d) fires before the best tuned %d (step %d)", x, m, s, best, steps[best])
			}
		}
		// Decoding is accurate to the rounding of the steepest neuron's
		// stage: (1/(2L)) / min slope, the slope being at least
		// 2e^{-2}/SD, so about 1.85·SD/L.
		d, err := c.Decode(steps)
		if err != nil {
			t.Fatal(err)
		}
		if tol := 2 * c.SD / float64(c.Length); math.Abs(d-x) > tol {
			t.Fatalf("x=%g decoded %g (tolerance %g)", x, d, tol)
		}
	}
	// x = 0: the neuron preferring 1 is 8 SD away, exp(-32) < 1e-3.
	if s := c.Step(0, 4); s != -1 {
		t.Errorf("far neuron fired at %d", s)
	}
	if _, err := c.Decode([]int{-1, -1, -1, -1, -1}); err == nil {
		t.Error("decoded silence")
	}
}

func TestPositionModel(t *testing.T) {
	spec := Position{K: 3, WindowMs: 20}
	c, err := spec.Code(1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.New(env(2*3, 1, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	vals := []float32{0.1, 0.8}
	fired := run(t, m, 20, func(int64) []float32 { return ExpandGroups(vals, 3) })
	first := FirstSpikeSteps(fired, 6)
	for g, x := range vals {
		for k := 0; k < 3; k++ {
			if want := c.Step(float64(x), k); first[g*3+k] != want {
				t.Errorf("value %g neuron %d: first spike %d, want %d", x, k, first[g*3+k], want)
			}
		}
		d, err := c.Decode(first[g*3 : g*3+3])
		if err != nil || math.Abs(d-float64(x)) > 2*c.SD/20 {
			t.Errorf("value %g decoded %g (%v)", x, d, err)
		}
	}
	for _, bad := range []Position{{K: 0, WindowMs: 10}, {K: 1, WindowMs: 10}, {K: 3, WindowMs: 0.5},
		{K: 3, Means: []float64{0, 1}, WindowMs: 10}, {K: 3, SD: -1, WindowMs: 10}, {K: 3, IgnoreThreshold: 2, WindowMs: 10}} {
		if _, err := bad.New(env(6, 1, 1, 1)); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := spec.New(env(4, 1, 1, 1)); err == nil {
		t.Error("4 neurons in groups of 3 accepted")
	}
}
