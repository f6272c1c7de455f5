// Package principle holds spike principles: filters applied to the list of
// elements a population fired at a step, after its soma's Step — clamps and
// unclamps (forced spikes and forced silence), k-winners-take-all, k random
// clamps, fire-once.
//
// A principle is a small stateful value: the network builder calls
// Bind(env) once (population size, batch, time step, random key), then the
// population calls Apply after every Step with the ascending list of fired
// elements and gets back the filtered list, ascending. Principles apply in
// the order they were added; to reproduce the Python Spiral put Clamps and
// KRandomClamps before KWTA (the reference ORs clamps into the spikes before
// its add-on principles filter them).
//
// Every principle is batch-aware: element e = b·N+i is neuron i of copy b,
// and a principle acts on each copy separately (k winners per copy, fire
// once per copy, k random clamps per copy).
//
// Random choices (KWTA tie-breaks, k random clamps) are keyed by (seed,
// population, copy, neuron, step, purpose) through the env's key, so they
// are reproducible and independent of everything else.
//
// A principle changes the spike list, not the soma's state. The population
// hands the final list to models that implement soma.Repolarizer
// (SetFired), so exactly the emitted spikes are reset — clamped neurons
// included, suppressed ones not: a neuron that KWTA suppresses stays above
// threshold and fires when the window reopens (the reference's semantics;
// KWTA.SuppressVar resets it instead).
//
// Problems found at run time (a clamp element out of range, more random
// clamps asked than neurons with positive weight, a missing score variable)
// are recorded — the first one — and reported by Err.
package principle
