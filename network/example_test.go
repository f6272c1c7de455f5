package network_test

import (
	"fmt"
	"slices"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// A population of 100 LIF neurons driven by noisy background input —
// independent Poisson trains of 3,600 events per second per neuron, each
// event adding 0.25 mV: 18 mV on average, below the 20 mV threshold, so a
// neuron fires when its own fluctuations carry it across — with recurrent
// exponential-current synapses, built, run for 1 s and summarised: the
// neurons differ in their spike counts and fire irregularly.
func Example() {
	b := network.New(network.Config{DtMs: 0.1, Seed: 1})
	lif := soma.LIF()
	lif.RestMV, lif.ThresholdMV = param.Const(0), param.Const(20)
	lif.RefractoryMs, lif.Integration = param.Const(2), soma.Exact
	b.Population("E", 100, lif).
		Receptor("syn", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5}).
		Receptor("bg", dendrite.Spec{Kernel: dendrite.Delta}).
		Drive("bg", &stimulus.PoissonDrive{RateHz: 3600, Weight: 0.25})
	b.Connect("EE", network.Connection{From: "E", To: "E", Receptor: "syn",
		Pattern: connectivity.FixedInDegree{K: 10}, Weight: param.Uniform(0, 0.1)})
	net, err := b.Build() // the problems together, each naming its object
	if err != nil {
		fmt.Println(err)
		return
	}
	s := stepper.New(net)
	spikes, _ := monitor.NewSpikes(net, "E")
	s.AddMonitor(spikes)
	if err := s.RunMs(1000); err != nil {
		fmt.Println(err)
		return
	}
	st := spikes.Summarize(0, 0, s.Steps(), 0.1)
	counts := spikes.Count()
	fmt.Println(net.Neurons(), "neurons,", net.Synapses(), "synapses")
	fmt.Printf("rate %.1f ± %.1f Hz (mean ± sd over neurons), CV of ISI %.2f\n", st.RateHz, st.RateStdHz, st.CVISI)
	fmt.Println("spikes of the first ten neurons:", counts[:10])
	fmt.Println("fewest, most:", slices.Min(counts), slices.Max(counts))
	// Output:
	// 100 neurons, 1000 synapses
	// rate 7.5 ± 1.6 Hz (mean ± sd over neurons), CV of ISI 0.44
	// spikes of the first ten neurons: [7 7 7 11 7 7 10 7 9 11]
	// fewest, most: 4 11
}

// Build reports the problems together, each naming its object.
func ExampleBuilder_Build() {
	b := network.New(network.Config{DtMs: 0.1})
	b.Population("E", 10, soma.LIF())
	b.Connect("EI", network.Connection{From: "E", To: "I", Pattern: connectivity.AllToAll{}})
	b.Connect("EE", network.Connection{From: "E", To: "E", Pattern: connectivity.Bernoulli{P: 2}})
	_, err := b.Build()
	fmt.Println(err)
	// Output:
	// projection "EI": to = "I": no such population
	// projection "EE": connectivity: bernoulli: P = 2: must lie in [0, 1]
}
