package axon_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/response"
	"github.com/spiral-sim/spiral/soma"
)

// Notebook 2 of the Python Spiral: 3 neurons with 2 terminals each and one
// delay per (neuron, terminal), [[2,3],[0,0],[6,9]] ms at dt = 1 ms. Every
// neuron fires at step 0; each terminal delivers at step 1 + floor(d/dt).
func Example() {
	ax, err := axon.Spec{
		Terminals: 2,
		DelayMs:   param.Array(2, 3, 0, 0, 6, 9),
	}.New(soma.Env{N: 3, Batch: 1, Dt: 1})
	if err != nil {
		panic(err)
	}
	ev := ax.Emit([]uint32{0, 1, 2}, nil) // step n = 0
	for _, e := range ev {
		i, k := int(e.Src)/ax.Terminals(), int(e.Src)%ax.Terminals()
		fmt.Printf("neuron %d terminal %d: value %g at step %d\n", i, k, e.Value, 0+1+e.Delay)
	}
	fmt.Println("consumer ring needs", ax.MaxLatency(), "future steps")
	// Output:
	// neuron 0 terminal 0: value 1 at step 3
	// neuron 0 terminal 1: value 1 at step 4
	// neuron 1 terminal 0: value 1 at step 1
	// neuron 1 terminal 1: value 1 at step 1
	// neuron 2 terminal 0: value 1 at step 7
	// neuron 2 terminal 1: value 1 at step 10
	// consumer ring needs 10 future steps
}

// An inhibitory axon with a leaky release (an exponential current) and a
// delay of 2 ms: the response runs inside the axon, so events keep coming
// after the spike until the trace has decayed.
func Example_leaky() {
	ax, err := axon.Spec{
		DelayMs:    param.Const(2),
		Inhibitory: true,
		Response:   response.Leaky{Tau: param.Const(2)}, // factor 1 − dt/τ = 1/2
	}.New(soma.Env{N: 1, Batch: 1, Dt: 1})
	if err != nil {
		panic(err)
	}
	var ev []axon.Event
	for n := range 5 {
		var fired []uint32
		if n == 0 {
			fired = []uint32{0}
		}
		ev = ax.Emit(fired, ev[:0])
		for _, e := range ev {
			fmt.Printf("emitted at %d, acts at %d: %g\n", n, n+1+int(e.Delay), e.Value)
		}
	}
	// Output:
	// emitted at 0, acts at 3: -1
	// emitted at 1, acts at 4: -0.5
	// emitted at 2, acts at 5: -0.25
	// emitted at 3, acts at 6: -0.125
	// emitted at 4, acts at 7: -0.0625
}
