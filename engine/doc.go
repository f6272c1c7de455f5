// Package engine is the one interface through which a built network is
// run, whichever engine runs it. Spiral has three, and for a seed they
// compute the same spikes and weights, bit for bit:
//
//   - the sequential stepper (package stepper): the reference loop, one
//     goroutine, every neuron's state in the network, monitors after
//     every step;
//   - the lockstep engine (package lockstep): the populations split into
//     shards on several cores, a barrier between segments; the fastest in
//     one process;
//   - the actor runtime (package actors): the shards as actors exchanging
//     messages, in this process or in worker processes; user actors,
//     pause and resume.
//
// Each is built with its own constructor and options (shards, workers,
// recording callbacks), then adapted to Engine:
//
//	s := stepper.New(net)                          // sequential
//	e := stepper.Adapt(s, stepper.Options{})
//
//	l, err := lockstep.New(net, lockstep.Options{Shards: layout.Shards(net, nil, runtime.GOMAXPROCS(0))})
//	e := lockstep.Adapt(l)
//
//	a, err := actors.New(net, actors.Options{})
//	e := actors.Adapt(a)
//
// From there the code that runs the network and reads its results does
// not depend on the engine (Example shows a whole run):
//
//	defer e.Close()
//	err := e.RunMs(1000)                  // or e.Run(steps); runs continue one another
//	steps, neurons, err := e.Spikes("exc") // by step, then neuron
//	err = e.GatherWeights()                 // weights back into net.Projections
//
// Package layout chooses the shard counts and cores of the parallel
// engines; spiral-node run builds the engine its --engine flag names and
// does everything else through Engine (docs/engines.md).
//
// # The contract
//
// Every engine runs a network the same way:
//
//   - Run advances by a number of steps, RunMs by a simulated time rounded
//     to whole steps; a run continues the previous one (spikes in flight
//     are kept) and Steps tells how far the engine is.
//   - Spikes are recorded per population, in the canonical order: sorted
//     by step, then by neuron index. Engines built to stream spikes to a
//     callback and not keep them (DiscardSpikes) return an error instead.
//   - The weights of the parallel engines live in their shards:
//     GatherWeights copies them (and learnt latencies) back into the
//     network's projections, where they can be read; the stepper's are
//     there already.
//   - SetLearning switches plasticity for the following runs; traces keep
//     running either way.
//   - Stop, from any goroutine, ends the run in progress early, at a step
//     the engine chooses (the end of a segment): Run returns an error that
//     wraps ErrStopped, everything up to Step is computed and recorded,
//     and a later Run continues from there. A Stop while no run is in
//     progress ends the next Run before it steps.
//   - Close releases the engine's goroutines and actors, once no Run is in
//     progress; a second Close does nothing, and Run afterwards returns an
//     error that wraps ErrClosed.
//
// Errors name the engine ("sequential: ", "lockstep: ", "actors: " or
// the actor runtime's "engine: ") and, where one is at fault, the
// population, projection or shard. An engine is driven from one
// goroutine; only Stop may be called from another.
package engine
