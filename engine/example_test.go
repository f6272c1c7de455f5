package engine_test

import (
	"fmt"
	"runtime"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/engine"
	"github.com/spiral-sim/spiral/layout"
	"github.com/spiral-sim/spiral/lockstep"
	"github.com/spiral-sim/spiral/models"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/stepper"
)

// start builds the engine called name for net: the only code that knows
// which engine runs.
func start(name string, net *network.Network) (engine.Engine, error) {
	switch name {
	case "sequential":
		return stepper.Adapt(stepper.New(net), stepper.Options{}), nil
	case "lockstep":
		l := layout.Choose(net, 0, runtime.GOMAXPROCS(0)) // the automatic layout
		e, err := lockstep.New(net, lockstep.Options{Shards: l.Shards, Workers: l.Cores})
		if err != nil {
			return nil, err
		}
		return lockstep.Adapt(e), nil
	case "actors":
		e, err := actors.New(net, actors.Options{})
		if err != nil {
			return nil, err
		}
		return actors.Adapt(e), nil
	}
	return nil, fmt.Errorf("no engine %q", name)
}

// simulate runs net for 500 ms on any engine and reports its spikes and
// the mean learnt weight.
func simulate(e engine.Engine, net *network.Network) (string, error) {
	defer e.Close()
	if err := e.RunMs(500); err != nil {
		return "", err
	}
	in, _, err := e.Spikes("in")
	if err != nil {
		return "", err
	}
	out, _, err := e.Spikes("out")
	if err != nil {
		return "", err
	}
	if err := e.GatherWeights(); err != nil { // into net's projections
		return "", err
	}
	p, _ := net.Projection("syn")
	sum := 0.0
	for _, w := range p.Runtime.Syn.W {
		sum += float64(w)
	}
	return fmt.Sprintf("%d steps, %d input spikes, %d output spikes, mean weight %.9f",
		e.Steps(), len(in), len(out), sum/float64(len(p.Runtime.Syn.W))), nil
}

// Example runs one plastic network (Song, Miller & Abbott's STDP, 1000
// Poisson inputs onto one neuron) on every engine: the spikes and the
// learnt weights are the same.
func Example() {
	for _, name := range []string{"sequential", "lockstep", "actors"} {
		net, err := models.STDP(models.Options{Seed: 1})
		if err != nil {
			fmt.Println(err)
			return
		}
		e, err := start(name, net)
		if err != nil {
			fmt.Println(err)
			return
		}
		res, err := simulate(e, net)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s\n", name, res)
	}
	// Output:
	// sequential: 5000 steps, 7347 input spikes, 34 output spikes, mean weight 0.005029015
	// lockstep: 5000 steps, 7347 input spikes, 34 output spikes, mean weight 0.005029015
	// actors: 5000 steps, 7347 input spikes, 34 output spikes, mean weight 0.005029015
}
