package network_test

import (
	"fmt"

	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/monitor"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/soma"
	"github.com/spiral-sim/spiral/stepper"
	"github.com/spiral-sim/spiral/stimulus"
)

// A population of 100 LIF neurons driven by a constant current of 25 mV
// (above the 20 mV threshold) with recurrent exponential-current synapses,
// built, run for 100 ms and summarised.
func Example() {
	b := network.New(network.Config{DtMs: 0.1, Seed: 1})
	lif := soma.LIF()
	lif.Rest = param.Const(0)
	lif.Threshold = param.Const(20)
	lif.Refractory = param.Const(2)
	lif.Integration = soma.Exact
	b.Population("E", 100, lif).
		Receptor("syn", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5}).
		Stimulus(stimulus.Constant(25))
	b.Connect("EE", network.Connection{From: "E", To: "E", Receptor: "syn",
		Pattern: connectivity.FixedInDegree{K: 10}, Weight: param.Uniform(0, 0.1)})
	net, err := b.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	s := stepper.New(net)
	spikes, _ := monitor.NewSpikes(net, "E")
	s.AddMonitor(spikes)
	if err := s.RunMs(100); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(net.Neurons(), "neurons,", net.Synapses(), "synapses")
	fmt.Println("every neuron fired:", spikes.Summarise(0, 0, s.Step(), 0.1).FracSilent == 0)
	// Output:
	// 100 neurons, 1000 synapses
	// every neuron fired: true
}

// Build reports every problem at once, each naming its object.
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
