package main

import (
	"testing"

	"github.com/spiral-sim/spiral/internal/golden"
)

// TestGoldenReceptiveFields trains for 96 presentations and tests 5 per
// bar: the hashes of the initial and learnt weights and of the winners
// (the neuron that fired in each window, counted per neuron and bar, in
// training and test; with k-WTA, k = 1, a window holds at most one spike
// of v1) must match testdata/golden/receptivefields.txt (package
// internal/golden says how to update them). Run steps the sequential
// stepper only: it resets the network between training and test and
// switches learning off, which the parallel engines do not offer.
func TestGoldenReceptiveFields(t *testing.T) {
	book := golden.Open(t, "receptivefields")
	c := DefaultConfig()
	c.TrainPresentations = 96
	c.TestRepeats = 5
	r, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	flat := func(ws [][]float32) []float32 {
		var f []float32
		for _, w := range ws {
			f = append(f, w...)
		}
		return f
	}
	ints := func(cs [][]int) []int {
		var f []int
		for _, c := range cs {
			f = append(f, c...)
		}
		return f
	}
	book.Check(t, "receptivefields/train96-test5", "sequential", golden.Outputs{
		"weights/initial":  golden.Float32s(flat(r.Initial)),
		"weights/learnt":   golden.Float32s(flat(r.Weights)),
		"winners/training": golden.Ints(ints(r.TrainWin)),
		"winners/test":     golden.Ints(append(ints(r.Counts), r.MaxPerStep, r.MaxPerWindow)),
	})
}
