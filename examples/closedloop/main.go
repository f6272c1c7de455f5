// Command closedloop puts an actor of its own into a Spiral network: an
// environment that watches a "motor" population and rewards it, through a
// dopamine-like modulator source, whenever it is active.
//
//	go run ./examples/closedloop [-gain 1] [-ms 1000] [-workers N]
//
// The network: 200 Poisson inputs ("in", 20 Hz) project with plastic
// synapses onto 50 LIF neurons ("motor"); the plastic projection follows
// the modulator source "dopamine", a graded unit whose input the
// environment sets once per segment. Its rule is modulated STDP: the
// changes STDP proposes times the dopamine the synapses see, so the weights
// change only when the environment rewards. The STDP window favours
// potentiation (a_plus·tau_plus > a_minus·tau_minus), so rewarding activity
// strengthens the input and the motor population fires more: a loop that
// learns to be rewarded. With the reward forced to 0 (-gain 0) the weights
// stay exactly as drawn. The environment is an ordinary
// protoactor actor: it receives an *actors.Observation after every
// segment (the spikes of the populations it observes) and answers with an
// *actors.Actuation (the input of the population it drives during the next
// segment). The engine waits for the answer, so the loop is deterministic
// whatever the number of shards — and of processes: with -workers N the
// shards run in N worker processes of this program (package workers), each
// building only its part of the synapses, while the environment stays in
// this one.
package main

import (
	"flag"
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
	"github.com/spiral-sim/spiral/workers"
)

// environment rewards motor activity: the reward of a segment is the
// number of motor spikes in it, divided by 10, times gain.
type environment struct {
	gain             float32
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
	reward := env.gain * float32(n) / 10
	env.segments++
	env.spikes += n
	env.rewards += float64(reward)
	ctx.Respond(&actors.Actuation{Input: []float32{reward}})
}

func build() (*network.Network, error) { return buildPart(nil) }

// buildPart builds the part of the network that part says (nil: all; see
// network.Part).
func buildPart(part *network.Part) (*network.Network, error) {
	b := network.New(network.Config{DtMs: 0.1, Seed: 7})
	b.Population("in", 200, encoder.Poisson{RateHz: param.Const(20)}).
		Axon("out", axon.Spec{DelayMs: param.Const(1)})
	motor := soma.LIF()
	motor.RestMV, motor.ThresholdMV = param.Const(-65), param.Const(-50)
	motor.TauMs = param.Const(10)
	motor.Integration = soma.Exact
	b.Population("motor", 50, motor).
		Receptor("ampa", dendrite.Spec{Kernel: dendrite.ExpCurrent, TauMs: 5})
	b.Population("dopamine", 1, soma.RateUnit(soma.Linear)).
		Axon("volume", axon.Spec{DelayMs: param.Const(5)})
	b.Connect("in-motor", network.Connection{From: "in", To: "motor", Receptor: "ampa",
		Pattern: connectivity.Bernoulli{P: 0.5}, Weight: param.Uniform(0, 4), Wmin: 0, Wmax: 4,
		Plasticity: plasticity.Modulated{Rule: plasticity.LeakySTDP(20, 20, 0.01, 0.009)}, Follow: "dopamine", ModulatorAxon: "volume"})
	return b.BuildPart(part)
}

// workerShards returns the shards of a run on worker processes: motor in
// two.
func workerShards() map[string]int { return map[string]int{"in": 1, "motor": 2, "dopamine": 1} }

// outcome is what a run of the loop did.
type outcome struct {
	env                    *environment
	segmentSteps           int
	motorSpikes            int     // recorded by the engine
	initialMean, finalMean float64 // mean weight of in-motor
	// The spikes of motor (steps, neurons) and the final weights of
	// in-motor, which the tests hash.
	motorSteps   []int64
	motorNeurons []uint32
	weights      []float32
}

// simulate runs the loop for ms of simulated time with the reward scaled by
// gain.
func simulate(gain float32, ms float64) (outcome, error) { return simulateOn(gain, ms, 0) }

// simulateOn is simulate with the shards on nworkers worker processes of
// this program (0: in this process).
func simulateOn(gain float32, ms float64, nworkers int) (outcome, error) {
	var part *network.Part
	var o actors.Options
	if nworkers > 0 {
		// The workers build the synapses; this process only those it
		// reads: the learning projection, whose weights it gathers.
		part = &network.Part{Whole: []string{"in-motor"}}
		g, err := workers.Start(nworkers, workerShards(), workers.Options{})
		if err != nil {
			return outcome{}, err
		}
		defer g.Stop()
		o = actors.Options{Shards: workerShards(), Workers: g.Addresses, Identity: g.Identity}
	}
	net, err := buildPart(part)
	if err != nil {
		return outcome{}, err
	}
	proj, _ := net.Projection("in-motor")
	out := outcome{env: &environment{gain: gain}, initialMean: mean(proj.Runtime.Syn.W)}
	e, err := actors.New(net, o)
	if err != nil {
		return outcome{}, err
	}
	if err := e.Attach(actors.Attachment{Name: "environment", Actor: out.env, Observe: []string{"motor"}, Drive: "dopamine"}); err != nil {
		e.Close()
		return outcome{}, err
	}
	if err := e.RunMs(ms); err != nil {
		e.Close()
		return outcome{}, err
	}
	steps, motor, _ := e.Spikes("motor")
	if err := e.GatherWeights(); err != nil {
		e.Close()
		return outcome{}, err
	}
	e.Close() // waits until the environment has handled every observation
	out.segmentSteps, out.motorSpikes, out.finalMean = e.SegmentSteps(), len(motor), mean(proj.Runtime.Syn.W)
	out.motorSteps, out.motorNeurons, out.weights = steps, motor, proj.Runtime.Syn.W
	return out, nil
}

func mean(w []float32) float64 {
	s := 0.0
	for _, x := range w {
		s += float64(x)
	}
	return s / float64(len(w))
}

func main() {
	gain := flag.Float64("gain", 1, "reward per 10 motor spikes (0: no reward)")
	ms := flag.Float64("ms", 1000, "simulated time (ms)")
	nworkers := flag.Int("workers", 0, "worker processes of this program that host the shards")
	flag.Parse()
	if workers.Serving() {
		// A copy started by -workers: build this worker's part, host it.
		os.Exit(workers.Serve(buildPart, workers.ServeOptions{Name: "closedloop worker"}))
	}
	o, err := simulateOn(float32(*gain), *ms, *nworkers)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("segments of %d steps: %d; motor spikes seen by the environment: %d; total reward %.1f\n",
		o.segmentSteps, o.env.segments, o.env.spikes, o.env.rewards)
	fmt.Printf("motor spikes recorded by the engine: %d\n", o.motorSpikes)
	fmt.Printf("mean weight in -> motor: %.6f -> %.6f\n", o.initialMean, o.finalMean)
}
