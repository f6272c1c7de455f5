package plasticity_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/synapse"
)

// One synapse, leaky tags (τ = 20 ms), dt = 1 ms: the presynaptic neuron
// fires at step 5, the postsynaptic one at step 8 (Δt = +3). The stepper
// hands the rule, at step n, the presynaptic spike arriving at n (emitted
// at n−1) and the postsynaptic spike of step n−1. The weight grows by
// η+·dt·(1 − dt/τ+)³ = 0.01·0.95³.
func Example() {
	syn := &synapse.CSR{Rows: 1, Cols: 1, Ptr: []uint32{0, 1}, Idx: []uint32{0}, W: []float32{0.5}}
	proj, err := plasticity.NewSynapses(syn, 1, 1.0, 0, 1)
	if err != nil {
		panic(err)
	}
	l, err := plasticity.NewLearner(proj, plasticity.LeakySTDP(20, 20, 0.01, 0.01))
	if err != nil {
		panic(err)
	}
	preFires := map[int]bool{5: true}
	postFires := map[int]bool{8: true}
	d := plasticity.StepData{Pre: make([]float32, 1), Post: make([]float32, 1)}
	for n := 0; n < 20; n++ {
		d.Pre[0], d.PreActive = 0, nil
		d.Post[0], d.PostActive = 0, nil
		if preFires[n-1] { // arrives one step after it was emitted
			d.Pre[0], d.PreActive = 1, []uint32{0}
		}
		if postFires[n-1] { // the postsynaptic output of the previous step
			d.Post[0], d.PostActive = 1, []uint32{0}
		}
		l.Step(&d, true)
	}
	fmt.Printf("Δw = %.6f\n", syn.W[0]-0.5)
	// Output: Δw = 0.008574
}
