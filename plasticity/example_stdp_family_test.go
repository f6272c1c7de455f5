package plasticity_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/synapse"
)

// runOne drives one synapse of initial weight w0 in [wmin, wmax] with
// dt = 1 ms: presynaptic emissions at the steps pre (arriving one step
// later) and postsynaptic ones at post (seen one step later), and returns
// the final weight.
func runOne(spec plasticity.Spec, w0, wmin, wmax float32, pre, post []int) float32 {
	syn := &synapse.CSR{Rows: 1, Cols: 1, Ptr: []uint32{0, 1}, Idx: []uint32{0}, W: []float32{w0}}
	proj, err := plasticity.NewSynapses(syn, 1, 1.0, wmin, wmax)
	if err != nil {
		panic(err)
	}
	l, err := plasticity.NewLearner(proj, spec)
	if err != nil {
		panic(err)
	}
	fires := func(steps []int, n int) bool {
		for _, s := range steps {
			if s == n {
				return true
			}
		}
		return false
	}
	d := plasticity.StepData{Pre: make([]float32, 1), Post: make([]float32, 1)}
	for n := 0; n < 60; n++ {
		d.Pre[0], d.PreActive = 0, nil
		d.Post[0], d.PostActive = 0, nil
		if fires(pre, n-1) {
			d.Pre[0], d.PreActive = 1, []uint32{0}
		}
		if fires(post, n-1) {
			d.Post[0], d.PostActive = 1, []uint32{0}
		}
		l.Step(&d, true)
	}
	return syn.W[0]
}

// Nearest-spike pairing: two presynaptic spikes (steps 10 and 14) before a
// postsynaptic one (step 20). All-to-all pairs the postsynaptic spike with
// both, η+·dt·(0.95^10 + 0.95^6); nearest only with the later one,
// η+·dt·0.95^6.
func ExamplePairing() {
	for _, pairing := range []plasticity.Pairing{plasticity.AllToAll, plasticity.Nearest} {
		spec := plasticity.LeakySTDP(20, 20, 0.01, 0.01)
		spec.Pairing = pairing
		w := runOne(spec, 0.5, 0, 1, []int{10, 14}, []int{20})
		fmt.Printf("%-10s Δw = %.6f\n", pairing, w-0.5)
	}
	// Output:
	// all-to-all Δw = 0.013338
	// nearest    Δw = 0.007351
}

// Multiplicative STDP: the same pre-before-post pair (Δt = +3) potentiates
// a weak synapse more than a strong one, by η+·(wmax − w)·dt·0.95³.
func ExampleMultiplicativeSTDP() {
	spec := plasticity.MultiplicativeSTDP(20, 20, 0.1, 0.1)
	for _, w0 := range []float32{0.2, 0.8} {
		w := runOne(spec, w0, 0, 1, []int{10}, []int{13})
		fmt.Printf("w0 = %.1f: Δw = %.5f\n", w0, w-w0)
	}
	// Output:
	// w0 = 0.2: Δw = 0.06859
	// w0 = 0.8: Δw = 0.01715
}

// Triplet STDP with Pfister & Gerstner's visual-cortex all-to-all
// parameters, dt = 1 ms: a pre-post pair (Δt = 5) gives the pair term
// A2+·dt·a+^5 (a+ = 1 − 1/16.8); a second postsynaptic spike 5 steps later
// adds dt·a+^10·(A2+ + A3+·ay^5) (ay = 1 − 1/125), the A3+ part being the
// triplet term.
func ExampleTriplet() {
	spec := plasticity.Triplet{
		TauPlusMs: 16.8, TauXMs: 101, TauMinusMs: 33.7, TauYMs: 125,
		A2Plus: 0.005, A3Plus: 0.0062, A2Minus: 0.007, A3Minus: 0.00023,
	}
	pair := runOne(spec, 0.5, 0, 1, []int{10}, []int{15})
	triplet := runOne(spec, 0.5, 0, 1, []int{10}, []int{15, 20})
	fmt.Printf("pre-post:      Δw = %.6f\n", pair-0.5)
	fmt.Printf("pre-post-post: Δw = %.6f\n", triplet-0.5)
	// Output:
	// pre-post:      Δw = 0.003679
	// pre-post-post: Δw = 0.009610
}

// Inhibitory STDP (Vogels et al. 2011): a lone presynaptic spike depresses
// by η·α·dt (α = 2·ρ0·τ = 2·5 Hz·20 ms = 0.2), a pair potentiates by
// η·dt·(0.95^|Δt| − α) in either order.
func ExampleInhibitory() {
	spec := plasticity.Inhibitory{TauMs: 20, Eta: 0.01, Rho0Hz: 5}
	fmt.Printf("pre alone: Δw = %+.6f\n", runOne(spec, 0.5, 0, 1, []int{10}, nil)-0.5)
	fmt.Printf("pre→post:  Δw = %+.6f\n", runOne(spec, 0.5, 0, 1, []int{10}, []int{13})-0.5)
	fmt.Printf("post→pre:  Δw = %+.6f\n", runOne(spec, 0.5, 0, 1, []int{13}, []int{10})-0.5)
	// Output:
	// pre alone: Δw = -0.002000
	// pre→post:  Δw = +0.006574
	// post→pre:  Δw = +0.006574
}
