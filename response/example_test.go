package response_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
)

// A leaky response to one spike decays by 1 − dt/τ per step.
func ExampleLeaky() {
	f, err := response.Leaky{Tau: param.Const(5)}.New(1, 1) // 1 element, dt = 1 ms
	if err != nil {
		panic(err)
	}
	x, r := []float32{1}, []float32{0}
	for range 5 {
		f.Step(x, r)
		fmt.Printf("%.4g ", r[0])
		x[0] = 0
	}
	fmt.Println()
	// Output: 1 0.8 0.64 0.512 0.4096
}

// A limited-flat function counts the inputs of the last round(T/dt) steps.
func ExampleLimitedFlat() {
	f, err := response.LimitedFlat{Duration: param.Const(3)}.New(1, 1)
	if err != nil {
		panic(err)
	}
	r := []float32{0}
	for _, x := range []float32{1, 0, 1, 0, 0, 0} {
		f.Step([]float32{x}, r)
		fmt.Print(r[0], " ")
	}
	fmt.Println()
	// Output: 1 1 2 1 1 0
}

// Per-terminal parameters: an axon with 2 terminals per neuron orders its
// elements (neuron, terminal), so an array of two values repeats over the
// neurons. Here terminal 0 decays fast (τ = 1 ms) and terminal 1 slowly
// (τ = 6 ms), then both are scaled by 4.
func ExampleComposite() {
	f, err := response.Composite{Functions: []response.Spec{
		response.Leaky{Tau: param.Array(1, 6)},
		response.Scaling{Scale: param.Const(4)},
	}}.New(4, 1) // 2 neurons × 2 terminals, dt = 1 ms
	if err != nil {
		panic(err)
	}
	x := []float32{1, 1, 0, 0} // neuron 0 spikes
	r := make([]float32, 4)
	for range 3 {
		f.Step(x, r)
		fmt.Printf("%.3g\n", r)
		clear(x)
	}
	// Output:
	// [4 4 0 0]
	// [0 3.33 0 0]
	// [0 2.78 0 0]
}

// An invalid parameter is an error that names the function, field and
// value.
func ExampleLeaky_invalid() {
	_, err := response.Leaky{Tau: param.Array(5, 0)}.New(4, 1)
	fmt.Println(err)
	// Output: leaky: tau_ms[1] = 0: must be > 0
}
