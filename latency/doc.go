// Package latency holds learnable conduction latency — the Python
// Spiral's "training in time latency" (its myelination hook, which it
// left empty): rules that change, with activity, how long a presynaptic
// spike takes to reach each synapse, the way plasticity rules change
// weights.
//
// # Which part of a latency is learnt
//
// The latency of a synapse is split in two:
//
//	total = axonal latency + learnt latency
//	      = (1 + ⌊delay/dt⌋)  + round(L[k])      (steps)
//
// The axonal part belongs to the source population's axon (package axon:
// one value per neuron or terminal, fixed during a run). It is what the
// actor runtime plans its epochs with, so it never changes and every epoch
// stays as long as planned. The learnt part L[k] belongs to each synapse
// k of a projection and lives at the receiving side: when a presynaptic
// event reaches the projection after its axonal latency, the projection
// delivers its weight to synapse k's target round(L[k]) steps later. L is
// continuous (in steps) and kept in [0, Max]; only its rounded value
// delays anything, so small changes accumulate until they move an arrival
// by a whole step. Because the learnt part only adds to a latency that is
// already at least one epoch long, latencies never drop below the epoch
// length and the runtime never has to re-plan.
//
// Biologically, the axonal part is the latency of a fully myelinated
// fibre and the learnt part the slowing of a less myelinated one: more
// myelin, less latency, down to the axonal floor.
//
// # What the rules see
//
// A latency rule sees the synaptic arrivals (the step at which a spike's
// weight is added to the target's input, after both parts) and the
// target's spikes. Weight-plasticity rules of the same projection see the
// axonal arrival (the step at which the event reaches the projection; see
// package plasticity) and change the weight that is then carried to the
// target.
//
// # Align
//
// Align moves every synapse's arrival toward the spikes of its target
// neuron (nearest-spike pairing, within a window W): when target neuron j
// fires at step S and synapse k's last arrival A lies in [S − W, S], L[k]
// grows by η·(S − A) (the spike came early: slow it down); when a spike
// arrives at synapse k at step A and j last fired at S in [A − W, A), L[k]
// shrinks by η·(A − S) (it came late: speed it up). Inputs that help to
// fire a neuron thus come to arrive together, at the step it fires — the
// delay-learning principle of Hüning, Glünder & Palm (1998) and Eurich et
// al. (1999). Every update reads only the synapse's own arrivals and its
// own target's spikes, so the result is the same whatever the split of
// the target population into shards.
package latency
