package synapse

import (
	"math"
	"testing"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
)

// randomCSR returns a rows×cols CSR with about density of the pairs,
// columns ascending in every row (some rows empty).
func randomCSR(rows, cols int, density float64, seed uint64) *CSR {
	s := rng.NewKey(seed).Stream(0)
	c := &CSR{Rows: rows, Cols: cols, Ptr: make([]uint32, rows+1)}
	for r := 0; r < rows; r++ {
		for j := 0; j < cols; j++ {
			if s.Float64() < density {
				c.Idx = append(c.Idx, uint32(j))
			}
		}
		c.Ptr[r+1] = uint32(len(c.Idx))
	}
	c.W = make([]float32, len(c.Idx))
	return c
}

// TestKeepDrawsAsTheWhole checks that a part's weights and delays, drawn
// with its Origin, are those the whole CSR draws for the same synapses —
// for constants, arrays and distributions, including delays redrawn
// below zero — and that Keep keeps exactly the synapses in the ranges, in
// order.
func TestKeepDrawsAsTheWhole(t *testing.T) {
	const rows, cols = 300, 200
	n := len(randomCSR(rows, cols, 0.3, 7).Idx)
	arr := make([]float64, n)
	for k := range arr {
		arr[k] = float64(k%97) * 0.05
	}
	weights := map[string]param.Value{
		"const":   param.Const(0.5),
		"array":   param.Array(arr...),
		"normal":  param.Normal(1, 0.5),
		"uniform": param.Uniform(-1, 2),
	}
	delays := map[string]param.Value{
		"const":        param.Const(1.5),
		"array":        param.Array(arr...),
		"normal":       param.Normal(1.5, 0.75), // about 2 % below 0: redrawn
		"normal-bound": param.Normal(1.5, 0.75).Within(0.05, math.Inf(1)),
		"wide":         param.Uniform(0, 100), // beyond a byte: two per synapse
		"rarely wide":  param.Normal(5, 6),    // a few beyond a byte, late in the draw
	}
	parts := [][][2]int{{{0, cols}}, {{0, 1}}, {{10, 20}, {50, 51}, {150, 200}}, {{199, 200}}}
	bounds := Bounds{Min: -0.5, Max: 1.5}
	key := rng.NewKey(3)
	for wname, wv := range weights {
		for dname, dv := range delays {
			whole := randomCSR(rows, cols, 0.3, 7)
			if err := whole.InitWeights(wv, bounds, key.Sub(1)); err != nil {
				t.Fatal(err)
			}
			if err := whole.InitDelays(dv, 0.1, param.RoundSteps, key.Sub(2)); err != nil {
				t.Fatal(err)
			}
			for _, ranges := range parts {
				part, o, err := randomCSR(rows, cols, 0.3, 7).Keep(ranges)
				if err != nil {
					t.Fatal(err)
				}
				if err := part.InitWeightsPart(wv, bounds, key.Sub(1), o); err != nil {
					t.Fatal(err)
				}
				if err := part.InitDelaysPart(dv, 0.1, param.RoundSteps, key.Sub(2), o); err != nil {
					t.Fatal(err)
				}
				// The expected part: the whole's synapses in the ranges, row by row.
				in := func(j uint32) bool {
					for _, r := range ranges {
						if int(j) >= r[0] && int(j) < r[1] {
							return true
						}
					}
					return false
				}
				k := 0
				for r := 0; r < rows; r++ {
					for q := whole.Ptr[r]; q < whole.Ptr[r+1]; q++ {
						if !in(whole.Idx[q]) {
							continue
						}
						if k >= len(part.Idx) || part.Idx[k] != whole.Idx[q] || int(o.At[k]) != int(q) {
							t.Fatalf("w %s, d %s, ranges %v: synapse %d of the part is not the whole's synapse %d (row %d, column %d)", wname, dname, ranges, k, q, r, whole.Idx[q])
						}
						if part.Weight(k) != whole.Weight(int(q)) {
							t.Fatalf("w %s, ranges %v: weight of synapse (%d, %d): part %g, whole %g", wname, ranges, r, whole.Idx[q], part.Weight(k), whole.Weight(int(q)))
						}
						if part.Delay(k) != whole.Delay(int(q)) {
							t.Fatalf("d %s, ranges %v: delay of synapse (%d, %d): part %d, whole %d", dname, ranges, r, whole.Idx[q], part.Delay(k), whole.Delay(int(q)))
						}
						k++
					}
					if int(part.Ptr[r+1]) != k {
						t.Fatalf("ranges %v: row %d ends at %d, want %d", ranges, r, part.Ptr[r+1], k)
					}
				}
				if k != len(part.Idx) {
					t.Fatalf("ranges %v: part has %d synapses, want %d", ranges, len(part.Idx), k)
				}
			}
		}
	}
}

// TestKeepRefusesBadRanges checks the column ranges Keep accepts.
func TestKeepRefusesBadRanges(t *testing.T) {
	c := randomCSR(5, 10, 0.5, 1)
	for _, bad := range [][][2]int{{{3, 3}}, {{5, 8}, {2, 4}}, {{0, 11}}, {{-1, 2}}, {{0, 4}, {3, 6}}} {
		if _, _, err := c.Keep(bad); err == nil {
			t.Errorf("Keep(%v): no error", bad)
		}
	}
	if _, _, err := c.Keep(nil); err != nil {
		t.Errorf("Keep(nil) (no columns): %v", err)
	}
}
