package stimulus_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stimulus"
)

// The input of the Python notebook 1: a baseline with steps, shared noise
// from step 100, per-neuron noise; only the noiseless part is printed.
func ExampleFunctionGenerator() {
	g := &stimulus.FunctionGenerator{
		Baseline: map[int64]float64{0: 20, 70: 130, 85: 0, 100: 130, 150: 20},
		Slope:    map[int64]float64{0: 0.5, 10: 0},
	}
	_ = g.Bind(soma.Env{N: 3, Batch: 1, Dt: 1, Key: rng.NewKey(1)})
	for _, t := range []int64{0, 4, 10, 70, 90} {
		fmt.Println(t, g.Value(t, 0, 0))
	}
	// Output:
	// 0 20
	// 4 22
	// 10 25
	// 70 135
	// 90 5
}

// Square pulses 0/150 alternating every 50 steps, neuron 1 at ×1.2.
func ExampleSquarePulse() {
	s := &stimulus.Gain{
		S:       stimulus.SquarePulse{Low: 0, High: 150, Period: 100, Width: 50, Phase: 50},
		Factors: []float32{1, 1.2, 1},
	}
	for _, t := range []int64{0, 50, 100, 150} {
		x := make([]float32, 3)
		s.Add(t, x)
		fmt.Println(t, x)
	}
	// Output:
	// 0 [0 0 0]
	// 50 [150 180 150]
	// 100 [0 0 0]
	// 150 [150 180 150]
}

// A cyclic sequence of inputs, each held for 2 steps.
func ExampleSequence() {
	s := stimulus.Sequence{Frames: [][]float32{{1, 0}, {0, 1}}, Hold: 2}
	for t := int64(0); t < 6; t++ {
		x := make([]float32, 2)
		s.Add(t, x)
		fmt.Print(x, " ")
	}
	fmt.Println()
	// Output:
	// [1 0] [1 0] [0 1] [0 1] [1 0] [1 0]
}
