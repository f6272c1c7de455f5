package synapse_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// refInitWeights is InitWeights for a distribution as first written: row
// by row, each row's weights expanded from key.Stream(r) into a slice of
// their own and copied in, then all clipped.
func refInitWeights(c *synapse.CSR, v param.Value, b synapse.Bounds, key rng.Key) ([]float32, error) {
	w := make([]float32, len(c.Idx))
	for r := 0; r < c.Rows; r++ {
		a, e := c.Ptr[r], c.Ptr[r+1]
		if a == e {
			continue
		}
		x, err := v.Expand("weight", int(e-a), key.Stream(uint64(r)))
		if err != nil {
			return nil, fmt.Errorf("synapse: row %d: %w", r, err)
		}
		copy(w[a:e], x)
	}
	b.Clip(w)
	return w, nil
}

// TestInitWeightsMatchesReference compares InitWeights with refInitWeights
// bit for bit, for several distributions, bounds and CSR shapes (empty
// rows, one row, large rows split across goroutines).
func TestInitWeightsMatchesReference(t *testing.T) {
	csrs := map[string]*synapse.CSR{
		"empty":     build(t, connectivity.FixedTotal{N: 0}, connectivity.Shape{Rows: 5, Cols: 5}),
		"one row":   build(t, connectivity.FixedOutDegree{K: 300, Multapses: true}, connectivity.Shape{Rows: 1, Cols: 200}),
		"sparse":    build(t, connectivity.FixedTotal{N: 300}, connectivity.Shape{Rows: 700, Cols: 600}), // many empty rows
		"big":       build(t, connectivity.FixedTotal{N: 1_200_000, Multapses: true}, connectivity.Shape{Rows: 3000, Cols: 2500}),
		"in-degree": build(t, connectivity.FixedInDegree{K: 100}, connectivity.Shape{Rows: 400, Cols: 400, Self: true}),
	}
	values := []param.Value{
		param.Normal(87.8, 8.78),
		param.Normal(-351.2, 35.12),
		param.Uniform(-1, 2),
		param.Dist("gamma(2, 3)", func(src rand.Source) distuv.Rander { return distuv.Gamma{Alpha: 2, Beta: 3, Src: src} }),
		param.Dist("lognormal(0, 1)", func(src rand.Source) distuv.Rander { return distuv.LogNormal{Mu: 0, Sigma: 1, Src: src} }),
	}
	bounds := []synapse.Bounds{synapse.Unbounded(), {Min: 0, Max: float32(math.Inf(1))}, {Min: -1, Max: 1}}
	for name, c := range csrs {
		for vi, v := range values {
			for bi, b := range bounds {
				key := rng.NewKey(9, uint64(vi), uint64(bi))
				want, err := refInitWeights(c, v, b, key)
				if err != nil {
					t.Fatal(err)
				}
				c.W = nil
				if err := c.InitWeights(v, b, key); err != nil {
					t.Fatalf("%s, %v, %v: %v", name, v, b, err)
				}
				if len(c.W) != len(want) {
					t.Fatalf("%s, %v, %v: %d weights, reference %d", name, v, b, len(c.W), len(want))
				}
				for k := range want {
					if math.Float32bits(c.W[k]) != math.Float32bits(want[k]) {
						t.Fatalf("%s, %v, %v: W[%d] = %g, reference %g", name, v, b, k, c.W[k], want[k])
					}
				}
			}
		}
	}
}

// TestInitWeightsFirstBadRow checks that a distribution that draws a
// non-finite value reports the first row that draws one, as the
// reference does, however the rows are split across goroutines.
func TestInitWeightsFirstBadRow(t *testing.T) {
	c := build(t, connectivity.FixedTotal{N: 1_000_000, Multapses: true}, connectivity.Shape{Rows: 4000, Cols: 2500})
	// Log of a uniform number: -Inf when the draw is 0, never in practice;
	// instead, NaN for every draw above a threshold rare enough that only
	// some rows meet one.
	v := param.Dist("rare-nan", func(src rand.Source) distuv.Rander {
		return rareNaN{distuv.Uniform{Min: 0, Max: 1, Src: src}}
	})
	key := rng.NewKey(2)
	_, want := refInitWeights(c, v, synapse.Unbounded(), key)
	if want == nil {
		t.Fatal("the reference drew no NaN: make it more likely")
	}
	got := c.InitWeights(v, synapse.Unbounded(), key)
	if got == nil || got.Error() != want.Error() {
		t.Errorf("error %v, reference %v", got, want)
	}
	if !strings.Contains(want.Error(), "must be finite") {
		t.Errorf("reference error %v", want)
	}
}

type rareNaN struct{ distuv.Uniform }

func (r rareNaN) Rand() float64 {
	if x := r.Uniform.Rand(); x > 1-1e-6 {
		return math.NaN()
	}
	return 0.5
}
