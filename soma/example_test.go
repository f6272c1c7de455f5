package soma_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
)

// A leaky integrate-and-fire neuron with exact integration and a 2 ms
// refractory period, driven by a constant input (R·I = 50 mV). Its period
// is K + n steps: K = 20 held steps and n = ⌊(τ/dt)·ln((E−V_r)/(E−θ))⌋ + 1
// = ⌊200·ln(50/19.4)⌋ + 1 = 190 integration steps (E = rest + R·I), so
// 21 ms; the first spike needs n steps from rest (steps 0 … 189).
func ExampleLIF() {
	s := soma.LIF()
	s.Integration = soma.Exact
	s.RefractoryMs = param.Const(2)
	m, err := s.New(soma.Env{N: 1, Batch: 1, Dt: 0.1})
	if err != nil {
		fmt.Println(err)
		return
	}
	in := soma.Input{Current: []float32{50}}
	var spikes []int
	var fired []uint32
	for step := 0; step < 5000; step++ {
		fired = m.Step(int64(step), in, fired[:0])
		if len(fired) > 0 {
			spikes = append(spikes, step)
		}
	}
	fmt.Println("first spikes at steps", spikes[:3])
	fmt.Printf("rate %.1f Hz\n", float64(len(spikes))/0.5)
	// Output:
	// first spikes at steps [189 399 609]
	// rate 46.0 Hz
}

// A sigmoid rate unit with a 10 ms time constant relaxes toward
// f(I) = 1/(1 + e^{−2·(I−1)}).
func ExampleRateUnit() {
	s := soma.RateUnit(soma.Sigmoid)
	s.Gain = param.Const(2)
	s.Threshold = param.Const(1)
	s.TauMs = param.Const(10)
	m, err := s.New(soma.Env{N: 2, Batch: 1, Dt: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := m.(soma.Graded)
	in := soma.Input{Current: []float32{1, 3}}
	for step := 0; step < 100; step++ {
		m.Step(int64(step), in, nil)
	}
	fmt.Printf("r = %.4f %.4f\n", g.Output()[0], g.Output()[1])
	// Output:
	// r = 0.5000 0.9820
}

// Errors name the parameter, its value and what is valid.
func ExampleIF_New() {
	s := soma.LIF()
	s.TauMs = param.Const(-3)
	_, err := s.New(soma.Env{N: 10, Batch: 1, Dt: 0.1})
	fmt.Println(err)
	// Output:
	// lif: tau_ms = -3: must be > 0
}
