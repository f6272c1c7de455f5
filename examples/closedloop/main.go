// Command closedloop puts an actor of its own into a Spiral network: an
// environment that watches a "motor" population and rewards it, through a
// dopamine-like modulator source, whenever it is active.
//
//	go run ./examples/closedloop
//
// The network: 200 Poisson inputs ("in", 20 Hz) project with plastic
// synapses onto 50 LIF neurons ("motor"); the plastic projection follows
// the modulator source "dopamine", a graded unit whose input the
// environment sets once per segment. The environment is an ordinary
// protoactor actor: it receives an *actors.Observation after every
// segment (the spikes of the populations it observes) and answers with an
// *actors.Actuation (the input of the population it drives during the next
// segment). The engine waits for the answer, so the loop is deterministic
// whatever the number of shards.
package main

import (
	"fmt"
	"os"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/spiral-sim/spiral/actors"
	"github.com/spiral-sim/spiral/axon"
	"github.com/spiral-sim/spiral/connectivity"
	"github.com/spiral-sim/spiral/dendrite"
	"github.com/spiral-sim/spiral/encoder"
	"github.com/spiral-sim/spiral/network"
	"github.com/spiral-sim/spiral/param"
	"github.com/spiral-sim/spiral/plasticity"
	"github.com/spiral-sim/spiral/soma"
)

// environment rewards motor activity: the reward of a segment is the
// number of motor spikes in it, divided by 10.
type environment struct {
	segments, spikes int
	rewards          float64
}

// Receive implements actor.Actor.
func (env *environment) Receive(ctx actor.Context) {
	obs, ok := ctx.Message().(*actors.Observation)
	if !ok {
		return
	}
	n := len(obs.Spikes["motor"].Steps)
	reward := float32(n) / 10
	env.segments++
	env.spikes += n
	env.rewards += float64(reward)
	ctx.Respond(&actors.Actuation{Input: []float32{reward}})
}

func build() (*network.Network, error) {
	b := network.New(network.Config{DtMs: 0.1, Seed: 7})
	b.Population("in", 200, encoder.Poisson{Rate: param.Const(20)}).
		Axon("out", axon.Spec{Delay: param.Const(1)})
	motor := soma.LIF()
	motor.Rest, motor.Threshold = param.Const(-65), param.Const(-50)
	motor.Tau = param.Const(10)
	motor.Integration = soma.Exact
	b.Population("motor", 50, motor).
		Receptor("ampa", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5})
	b.Population("dopamine", 1, soma.RateUnit(soma.Linear)).
		Axon("volume", axon.Spec{Delay: param.Const(5)})
	b.Connect("in-motor", network.Connection{From: "in", To: "motor", Receptor: "ampa",
		Pattern: connectivity.Bernoulli{P: 0.5}, Weight: param.Uniform(0, 4), Wmin: 0, Wmax: 4,
		Plasticity: plasticity.LeakySTDP(20, 20, 0.01, 0.0105), Follow: "dopamine", ModulatorAxon: "volume"})
	return b.Build()
}

func main() {
	net, err := build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	e, err := actors.New(net, actors.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	env := &environment{}
	if err := e.Attach(actors.Attachment{Name: "environment", Actor: env, Observe: []string{"motor"}, Drive: "dopamine"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := e.RunMs(1000); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, motorSpikes, _ := e.Spikes("motor")
	e.Close() // waits until the environment has handled every observation
	fmt.Printf("segments of %d steps: %d; motor spikes seen by the environment: %d; total reward %.1f\n",
		e.SegmentSteps(), env.segments, env.spikes, env.rewards)
	fmt.Printf("motor spikes recorded by the engine: %d\n", len(motorSpikes))
}
