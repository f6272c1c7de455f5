// Package axon holds the outgoing side of a population: for every neuron
// a number of terminals, each with a conduction delay, a sign (excitatory
// or inhibitory) and a release response function. The axon turns what the
// population produced at a step into events for the synapses.
//
// # Rows, terminals and events
//
// A population of N neurons with Terminals terminals per neuron has
// Rows = N·Terminals presynaptic rows; row r = i·Terminals + k is terminal
// k of neuron i, and it is the row index of the projection's synapses
// (synapse.CSR). With Batch independent copies, the event source of row r
// in copy b is Src = b·Rows + r.
//
// Each step the population hands its output to the axon — Emit for the
// ascending list of elements e = b·N + i that fired, EmitGraded for the
// dense values of a graded population — and the axon appends Events
// {Src, Delay, Value}. The consumer applies Value to row Src at step
// n + 1 + Delay, where n is the step of the call: even a zero delay costs
// one step (docs/model-core.md, "Time and the order within a step").
//
// # Delays
//
// A delay of d ms becomes D = floor(d/dt + 1e-9) steps: the tolerance
// keeps 1.5 ms at dt = 0.1 ms at 15 steps (1.5/0.1 is 14.999999999999998
// in floating point). A spike at step n therefore acts through row r at
// step n + L, with latency L = 1 + D (the Python reference's delay). Delay
// values may be a constant, one per terminal, one per (neuron, terminal),
// or a distribution drawn per row; negative or non-finite delays, and
// delays beyond MaxDelaySteps steps (or Spec.MaxDelay ms), are errors.
//
// # Response parameters
//
// The response function is built for Batch·Rows elements ordered (copy,
// neuron, terminal). An array parameter of it (a scale, tau_ms,
// duration_ms) must have 1 value, Terminals values (one per terminal) or
// N·Terminals values (one per neuron and terminal, shared by the copies);
// any other length is an error from New (see response.Layout), so an
// array of one value per neuron is not silently repeated over the
// terminals: repeat each neuron's value Terminals times instead.
//
// # Two paths, one result
//
// Direct path — the response function is memoryless (identity, scaling),
// the usual case. A spike of neuron i produces, at once, one event per
// terminal with Delay = D[i,k] and Value = sign·RF(1); a graded value v
// likewise produces sign·RF(v) wherever that is not zero. The axon holds
// nothing in flight: the consumer's ring buffer does (it needs
// MaxLatency() = 1 + max D future slots).
//
// Stateful path — the response function has memory (leaky, flat, limited
// flat, tsodyks_markram short-term plasticity, composites with them), so
// it must see every step of the delayed signal. The axon keeps a history ring of the population's output, one
// value per (copy, neuron) per step (not per terminal), and each step
// computes
//
//	y[b,i,k] = out_{n − (D[i,k] − Dmin)}[b,i]
//	r        = RF(y)                     over all Batch·Rows elements
//
// and emits every non-zero r as an event with Delay = Dmin, the smallest
// delay of the axon. This is exact: the reference computes
// RF(out_{n'−D}) at step n' and delivers it at n'+1; the response
// functions are time-invariant and start from rest, so the value computed
// at step n = n' − Dmin is the same, and it arrives at n + 1 + Dmin =
// n' + 1. Keeping Dmin in the event delay (rather than 0) keeps the link's
// latency, MinLatency(), the same on both paths, so the actor epochs stay
// long; the history needs only max D − Dmin + 1 slots.
//
// For a memoryless function both paths deliver the same values to the
// same rows at the same steps (Spec.Buffered forces the stateful path);
// only the step at which an event is emitted differs. A consumer that sums
// into float32 buffers as events come may therefore round differently
// between the paths unless it applies arrivals in a canonical order.
//
// A stateful response keeps producing events after a spike until it
// decays to exactly zero (a leaky trace reaches float32 zero after some
// hundreds of τ/dt); that is its meaning, and its cost.
//
// # Reset
//
// Reset clears the delay history and the response function's state, so no
// spike survives it (unlike the reference, whose history survived). On the
// direct path the spikes in flight live in the consumer's buffers, which
// the consumer clears on its own reset.
//
// # Neuromodulators
//
// A neuromodulator source is a graded population of N = 1 (a scalar per
// copy) with an ordinary axon: its delay is the transport latency, its
// response function the kinetics (for example Leaky for slow clearance).
// With one terminal the events have Src = b, one per copy and step while
// the concentration is not zero; the consumer broadcasts that value to
// every synapse that follows the modulator and treats a step without an
// event as concentration 0. Giving the source Terminals = the consumer's
// rows instead gives each row its own transport delay.
//
// # Cost
//
// EmitGraded given the wrong number of values emits nothing and records
// the problem (Err). Emit and EmitGraded allocate nothing once ev has
// capacity; the direct
// path costs O(spikes × terminals), the stateful path O(Batch·Rows) per
// step.
package axon
