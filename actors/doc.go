// Package actors runs a network on actors (github.com/asynkron/protoactor-go):
// one actor per population shard, one per axon bundle, a recorder and a
// clock, exchanging time-stamped batches, so that a network uses every core
// of a machine and computes exactly what the sequential stepper computes —
// the same spikes and the same weights, bit for bit.
//
// # Time: segments and the window
//
// E is the smallest latency of any link (in steps): a spike emitted at step
// n acts no earlier than n + E. Time is cut into segments of at most E
// steps (the clock cuts them, shorter only where a run ends), numbered
// from 0 over the engine's life. To compute segment j, a shard needs only
// the batches of segment j − 1 from every bundle that feeds it: whatever was
// emitted earlier has been applied already, whatever is emitted later
// arrives after segment j. Every link carries exactly one batch per
// segment, empty or not, so a shard knows when its inputs are complete
// without a global barrier. The clock grants segments at most Window ahead
// of the slowest shard, which bounds the memory held in flight.
//
// # Actors
//
//   - shard: the neurons [lo, hi) of a population with their receptors and
//     the synapses that end on them (package shard). It applies the
//     batches of segment j − 1 in the canonical order (emission step, then
//     axon, then projection, then source), steps its neurons through
//     segment j, learns, and sends what fired to the bundles of its
//     population's axons and to the recorder.
//   - bundle: one per axon. It gathers the output of every shard of the
//     source population for a segment, runs the axon (delays, terminals,
//     response function, sign) and sends one batch of events per target
//     shard.
//   - recorder: collects the spikes of every population, in order.
//   - clock: cuts and grants segments, gathers progress, ends runs, pauses
//     and resumes.
//
// A panic in any actor stops the run with an error that names the actor
// and the step; the engine never hangs on a dead actor.
package actors
