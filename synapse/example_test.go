package synapse_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/synapse"
)

// Draw a projection, give it normal weights within [0, 1], then hold every
// neuron's total input weight at 2.
func ExampleNormalizer() {
	s := connectivity.Shape{Rows: 200, Cols: 100}
	c, err := connectivity.FixedInDegree{K: 20}.Build(s, rng.NewKey(1, uint64(rng.PurposeConnectivity)))
	if err != nil {
		panic(err)
	}
	b := synapse.Bounds{Min: 0, Max: 1}
	if err := c.InitWeights(param.Normal(0.3, 0.1), b, rng.NewKey(1, uint64(rng.PurposeWeights))); err != nil {
		panic(err)
	}
	nz := synapse.Normalizer{Axis: synapse.FanIn, Target: 2, Bounds: b}
	if err := nz.Apply(c); err != nil { // call again after each plasticity update
		panic(err)
	}
	sum := 0.0
	for k, j := range c.Idx {
		if j == 42 {
			sum += float64(c.W[k])
		}
	}
	fmt.Printf("column 42 sums to %.4f; %.2f bytes per synapse\n", sum, c.BytesPerSynapse())
	// Output: column 42 sums to 2.0000; 8.40 bytes per synapse
}

// Weights too large for the bounds are held at Max and the rest rescaled,
// so the sum is exact without leaving the bounds.
func ExampleNormalize() {
	c := &synapse.CSR{Rows: 1, Cols: 4, Ptr: []uint32{0, 4}, Idx: []uint32{0, 1, 2, 3}, W: []float32{0.9, 0.1, 0.1, 0.1}}
	if err := synapse.Normalize(c, synapse.FanOut, 2, synapse.Bounds{Min: 0, Max: 1}); err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", c.W)
	// Output: [1.0000 0.3333 0.3333 0.3333]
}
