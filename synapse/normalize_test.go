package synapse_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// groups returns the synapse positions of every group of an axis.
func groups(c *synapse.CSR, axis synapse.Axis) [][]int {
	switch axis {
	case synapse.Total:
		g := make([]int, c.Len())
		for k := range g {
			g[k] = k
		}
		return [][]int{g}
	case synapse.FanOut:
		gs := make([][]int, c.Rows)
		for r := range gs {
			for k := c.Ptr[r]; k < c.Ptr[r+1]; k++ {
				gs[r] = append(gs[r], int(k))
			}
		}
		return gs
	}
	gs := make([][]int, c.Cols)
	for k, j := range c.Idx {
		gs[j] = append(gs[j], k)
	}
	return gs
}

// solve is the defining property of the normalisation, found independently
// by bisection: the s with Σ min(Max, m + (w − m)·s) = target; it returns
// the normalised weights. When no s reaches the target — every weight above
// m held at Max and the sum still short, or all weights at m — the weights
// at m share what is missing equally.
func solve(w []float64, m, hi, target float64) []float64 {
	out := make([]float64, len(w))
	f := func(s float64) float64 {
		sum := 0.0
		for _, x := range w {
			sum += math.Min(hi, m+(x-m)*s)
		}
		return sum
	}
	atMin, sat := 0, 0.0 // weights at m; the sum with all others at Max
	for _, x := range w {
		if x == m {
			atMin++
			sat += m
		} else {
			sat += hi
		}
	}
	if sat < target {
		for i, x := range w {
			out[i] = hi
			if x == m {
				out[i] = m + (target-sat)/float64(atMin)
			}
		}
		return out
	}
	lo, up := 0.0, 1.0
	for f(up) < target {
		up *= 2
	}
	for range 200 {
		mid := (lo + up) / 2
		if f(mid) < target {
			lo = mid
		} else {
			up = mid
		}
	}
	for i, x := range w {
		out[i] = math.Min(hi, m+(x-m)*up)
	}
	return out
}

func TestNormalize(t *testing.T) {
	shape := connectivity.Shape{Rows: 300, Cols: 200}
	for _, axis := range []synapse.Axis{synapse.Total, synapse.FanIn, synapse.FanOut} {
		for _, tc := range []struct {
			b      synapse.Bounds
			init   param.Value
			target float64 // per synapse; times the group size
		}{
			{synapse.Bounds{Min: 0, Max: 1}, param.Uniform(0, 1), 0.3},                  // shrink
			{synapse.Bounds{Min: 0.1, Max: 1}, param.Uniform(0, 1), 0.4},                // shrink about m = 0.1
			{synapse.Bounds{Min: 0, Max: 1}, param.Uniform(0, 0.5), 0.45},               // grow past Max: clip and redo
			{synapse.Bounds{Min: -0.5, Max: 0.5}, param.Normal(0, 0.3), 0.2},            // negative Min
			{synapse.Bounds{Min: 0, Max: float32(math.Inf(1))}, param.Uniform(0, 1), 3}, // no Max
			{synapse.Bounds{Min: 0.2, Max: 1}, param.Const(0.2), 0.5},                   // Σ(w−m) = 0
			{synapse.Bounds{Min: 0, Max: 1}, param.Uniform(0, 1), 1},                    // every weight at Max
		} {
			name := fmt.Sprintf("%s %v %s target %g·n", axis, tc.b, tc.init, tc.target)
			c := build(t, connectivity.Bernoulli{P: 0.05}, shape)
			if err := c.InitWeights(tc.init, tc.b, rng.NewKey(5)); err != nil {
				t.Fatal(err)
			}
			before := append([]float32(nil), c.W...)
			gs := groups(c, axis)
			// Every group gets target·(its size), so groups differ.
			nz := synapse.Normalizer{Axis: axis, Bounds: tc.b}
			if axis == synapse.Total {
				nz.Target = tc.target * float64(c.Len())
			} else {
				// A common target needs groups of equal size: use the
				// mean size and skip groups that cannot reach it.
				nz.Target = tc.target * float64(c.Len()) / float64(len(gs))
				gs = reachable(gs, nz.Target, tc.b)
				c = restrict(c, axis, gs)
				before = append(before[:0], c.W...)
				gs = groups(c, axis)
			}
			if err := nz.Apply(c); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, g := range gs {
				if len(g) == 0 {
					continue
				}
				w := make([]float64, len(g))
				sum := 0.0
				for i, k := range g {
					w[i] = float64(before[k])
					sum += float64(c.W[k])
					if c.W[k] < tc.b.Min || c.W[k] > tc.b.Max {
						t.Fatalf("%s: weight %g outside bounds", name, c.W[k])
					}
				}
				if math.Abs(sum-nz.Target) > 1e-5*math.Max(1, math.Abs(nz.Target)) {
					t.Fatalf("%s: group sum %g, want %g", name, sum, nz.Target)
				}
				want := solve(w, float64(tc.b.Min), float64(tc.b.Max), nz.Target)
				for i, k := range g {
					if math.Abs(float64(c.W[k])-want[i]) > 1e-5 {
						t.Fatalf("%s: weight %g, want %g (from %g)", name, c.W[k], want[i], w[i])
					}
				}
			}
			// Normalised weights are a fixed point.
			again := append([]float32(nil), c.W...)
			_ = nz.Apply(c)
			for k := range again {
				if math.Abs(float64(again[k]-c.W[k])) > 1e-5 {
					t.Fatalf("%s: second Apply moved weight %d from %g to %g", name, k, again[k], c.W[k])
				}
			}
		}
	}
}

// reachable keeps the groups that can sum to target within b.
func reachable(gs [][]int, target float64, b synapse.Bounds) [][]int {
	var out [][]int
	for _, g := range gs {
		n := float64(len(g))
		if n > 0 && target >= n*float64(b.Min) && target <= n*float64(b.Max) {
			out = append(out, g)
		}
	}
	return out
}

// restrict returns a copy of c keeping the synapses of groups gs only.
func restrict(c *synapse.CSR, axis synapse.Axis, gs [][]int) *synapse.CSR {
	keep := make([]bool, c.Len())
	for _, g := range gs {
		for _, k := range g {
			keep[k] = true
		}
	}
	out := &synapse.CSR{Rows: c.Rows, Cols: c.Cols, Ptr: make([]uint32, c.Rows+1)}
	for r := 0; r < c.Rows; r++ {
		for k := c.Ptr[r]; k < c.Ptr[r+1]; k++ {
			if keep[k] {
				out.Idx = append(out.Idx, c.Idx[k])
				out.W = append(out.W, c.W[k])
			}
		}
		out.Ptr[r+1] = uint32(len(out.Idx))
	}
	return out
}

// TestNormalizeWorked checks small cases worked by hand.
func TestNormalizeWorked(t *testing.T) {
	one := func(w []float32, b synapse.Bounds, target float64) []float32 {
		c := &synapse.CSR{Rows: 1, Cols: len(w), Ptr: []uint32{0, uint32(len(w))}, W: w}
		for j := range w {
			c.Idx = append(c.Idx, uint32(j))
		}
		for _, axis := range []synapse.Axis{synapse.FanOut, synapse.Total} {
			cc := *c
			cc.W = append([]float32(nil), w...)
			if err := synapse.Normalize(&cc, axis, target, b); err != nil {
				t.Fatal(err)
			}
			if axis == synapse.Total {
				return cc.W
			}
		}
		return nil
	}
	eq := func(got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Errorf("got %v, want %v", got, want)
				return
			}
		}
	}
	// s = 2/1.2: 0.9 → 1.5 is held at 1; the three 0.1 share 1.0.
	eq(one([]float32{0.9, 0.1, 0.1, 0.1}, synapse.Bounds{Min: 0, Max: 1}, 2), []float32{1, 1.0 / 3, 1.0 / 3, 1.0 / 3})
	// About m = 0.5: excess 3 − 4·0.5 = 1 over Σ(w−m) = 0.5 → s = 2.
	eq(one([]float32{0.5, 0.75, 0.75, 0.5}, synapse.Bounds{Min: 0.5, Max: 2}, 3), []float32{0.5, 1, 1, 0.5})
	// All at Min: spread equally.
	eq(one([]float32{0, 0, 0, 0}, synapse.Bounds{Min: 0, Max: 1}, 2), []float32{0.5, 0.5, 0.5, 0.5})
	// Weights above Max are clipped first: [2, 0] → [1, 0] → s = 0.5.
	eq(one([]float32{2, 0}, synapse.Bounds{Min: 0, Max: 1}, 0.5), []float32{0.5, 0})
}

func TestNormalizeFanInColumns(t *testing.T) {
	// Fixed in-degree: every column has 50 synapses, so every column can
	// reach the target; empty columns elsewhere are left alone.
	c := build(t, connectivity.FixedInDegree{K: 50}, connectivity.Shape{Rows: 400, Cols: 300})
	if err := c.InitWeights(param.Uniform(0, 1), synapse.Bounds{Min: 0, Max: 1}, rng.NewKey(1)); err != nil {
		t.Fatal(err)
	}
	nz := synapse.Normalizer{Axis: synapse.FanIn, Target: 40, Bounds: synapse.Bounds{Min: 0, Max: 1}}
	if err := nz.Apply(c); err != nil {
		t.Fatal(err)
	}
	sums := make([]float64, c.Cols)
	for k, j := range c.Idx {
		sums[j] += float64(c.W[k])
	}
	for j, s := range sums {
		if math.Abs(s-40) > 1e-4 {
			t.Fatalf("column %d sums to %g, want 40", j, s)
		}
	}
	// Reuse allocates nothing.
	if n := testing.AllocsPerRun(5, func() { _ = nz.Apply(c) }); n != 0 {
		t.Errorf("Apply allocates %g times", n)
	}
	// An empty column is skipped.
	e := &synapse.CSR{Rows: 1, Cols: 3, Ptr: []uint32{0, 2}, Idx: []uint32{0, 2}, W: []float32{0.2, 0.6}}
	if err := synapse.Normalize(e, synapse.FanIn, 0.5, synapse.Bounds{Min: 0, Max: 1}); err != nil {
		t.Fatal(err)
	}
	if e.W[0] != 0.5 || e.W[1] != 0.5 {
		t.Errorf("one-synapse columns: %v, want [0.5 0.5]", e.W)
	}
}

func TestNormalizeErrors(t *testing.T) {
	c := &synapse.CSR{Rows: 2, Cols: 2, Ptr: []uint32{0, 2, 3}, Idx: []uint32{0, 1, 1}, W: []float32{0.5, 0.5, 0.5}}
	b := synapse.Bounds{Min: 0, Max: 1}
	for _, tc := range []struct {
		axis   synapse.Axis
		target float64
		b      synapse.Bounds
		want   string
	}{
		{synapse.Total, 3.5, b, "total normalisation: 3 synapses in [0, 1] sum to between 0 and 3: Target = 3.5 is out of reach"},
		{synapse.FanIn, 1.5, b, "fan-in normalisation: column 0: 1 synapses in [0, 1] sum to between 0 and 1"},
		{synapse.FanOut, -0.1, b, "fan-out normalisation: row 0: 2 synapses"},
		{synapse.FanIn, math.NaN(), b, "Target = NaN: must be finite"},
		{synapse.FanIn, 1, synapse.Unbounded(), "Bounds.Min = -Inf: must be finite"},
		{synapse.Total, 1, synapse.Bounds{Min: 1, Max: 0}, "need Min <= Max"},
		{synapse.Axis(7), 1, b, "axis 7: must be Total, FanIn or FanOut"},
	} {
		err := synapse.Normalize(c, tc.axis, tc.target, tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s target %g: error %v, want one containing %q", tc.axis, tc.target, err, tc.want)
		}
	}
}
