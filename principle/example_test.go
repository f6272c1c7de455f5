package principle_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/principle"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// Clamps force spikes, unclamps silence them; a clamp wins.
func ExampleClamps() {
	c := &principle.Clamps{}
	_ = c.Bind(soma.Env{N: 4, Batch: 2, Dt: 1})
	c.Set(principle.Frame{
		On:  principle.Elements([]uint32{3}, 4, 2), // neuron 3 in both copies
		Off: []uint32{1, 3},                        // element 3 is also clamped: it fires
	})
	fmt.Println(c.Apply(0, []uint32{1, 2, 5}, nil))
	// Output:
	// [2 3 5 7]
}

// k-winners-take-all over windows of 3 steps; without a potential the
// winners are drawn at random, reproducibly.
func ExampleKWTA() {
	k := &principle.KWTA{K: 2, DurationMs: 3}
	_ = k.Bind(soma.Env{N: 5, Batch: 1, Dt: 1, Key: rng.NewKey(1)})
	total := 0
	for step := int64(0); step < 3; step++ {
		total += len(k.Apply(step, []uint32{0, 1, 2, 3, 4}, noState{}))
	}
	fmt.Println("spikes in one window:", total)
	// Output:
	// spikes in one window: 2
}

type noState struct{}

func (noState) Len() int                                  { return 5 }
func (noState) Step(int64, soma.Input, []uint32) []uint32 { return nil }
func (noState) Reset()                                    {}
func (noState) Var(string) ([]float32, bool)              { return nil, false }
func (noState) Vars() []string                            { return nil }

// Each neuron fires at most once until Reset.
func ExampleFireOnce() {
	f := &principle.FireOnce{}
	_ = f.Bind(soma.Env{N: 3, Batch: 1, Dt: 1})
	fmt.Println(f.Apply(0, []uint32{0, 2}, nil), f.Apply(1, []uint32{0, 1, 2}, nil))
	// Output:
	// [0 2] [1]
}
