package encoder_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/rng"
	"github.com/spiral-sim/spiral/soma"
)

// Characters as one-hot spikes: one group of 3 neurons per character.
func ExampleObjectIndex() {
	abc, _ := encoder.EnumerateRunes("abc")
	m, _ := abc.OneHot().New(soma.Env{N: 2 * abc.Size(), Batch: 1, Dt: 1})
	for step, word := range []string{"ab", "ca"} {
		x, _ := abc.Encode([]rune(word))
		fmt.Println(word, m.Step(int64(step), soma.Input{Current: x}, nil))
	}
	// Output:
	// ab [0 4]
	// ca [2 3]
}

// Pixel intensities as time to first spike over a 10 ms window.
func ExampleTTFS() {
	m, _ := encoder.TTFS{WindowMs: 10}.New(soma.Env{N: 3, Batch: 1, Dt: 1})
	pixels := []float32{1, 0.25, 0}
	for step := int64(0); step < 10; step++ {
		if f := m.Step(step, soma.Input{Current: pixels}, nil); len(f) > 0 {
			fmt.Println("step", step, "fired", f)
		}
	}
	fmt.Println("decoded:", encoder.TTFSDecode(0, 10), encoder.TTFSDecode(7, 10))
	// Output:
	// step 0 fired [0]
	// step 7 fired [1]
	// decoded: 1 0.3
}

// A Poisson population whose input is a gain on 100 Hz; the spikes are
// reproducible from the key.
func ExamplePoisson() {
	env := soma.Env{N: 1000, Batch: 1, Dt: 1, Key: rng.NewKey(1, 0)}
	m, _ := encoder.Poisson{RateHz: param.Const(100), Drive: encoder.DriveGain}.New(env)
	x := make([]float32, env.N)
	for i := range x {
		x[i] = 0.5 // p = 100 Hz · 1 ms / 1000 · 0.5 = 0.05
	}
	total := 0
	for step := int64(0); step < 100; step++ {
		total += len(m.Step(step, soma.Input{Current: x}, nil))
	}
	fmt.Println("about 5000:", total > 4700 && total < 5300, "error:", m.(soma.Failer).Err())
	// Output:
	// about 5000: true error: <nil>
}

// A Gaussian population code: the neuron preferring 0.5 fires first.
func ExamplePositionCode() {
	code, _ := encoder.Position{K: 5, WindowMs: 20}.Code(1)
	steps := make([]int, 5)
	for m := range steps {
		steps[m] = code.Step(0.5, m)
	}
	x, _ := code.Decode(steps)
	fmt.Println(steps, x)
	// Output:
	// [-1 17 0 17 -1] 0.5
}
