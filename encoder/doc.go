// Package encoder holds sensory encoders: spiking populations without
// dendrites that turn data into spikes. Every encoder is a soma.Spec whose
// New builds a soma.Model, so the network steps an encoder population like
// any other population.
//
// The data reach an encoder through soma.Input.Current: element e = b·N+i
// (neuron i of batch copy b) reads Current[e]. An encoder population has no
// dendrites, so the current the stepper hands it is exactly the sum of the
// stimuli that drive it (see package stimulus). Encoders whose input is one
// value per group of neurons (OneHot, Position) read the group's value in
// every element of the group; ExpandGroups builds such a vector.
//
// Encoders:
//
//   - Poisson: Bernoulli spikes with probability rate·dt/1000 per step
//     (optionally scaled by the input, or with the input as the rate).
//   - OneHot: a class index per group of Size neurons, −1 = silent;
//     ObjectIndex maps arbitrary Go values (runes, strings, ...) to indices.
//   - TTFS, RankOrder, Position: temporal codes over windows of T ms: the
//     larger (or better tuned) the value, the earlier the single spike.
//   - SpikeArray: given spike times.
//   - Lazy: a spike wherever the input is not zero.
//
// Random draws (Poisson) are keyed by (seed, population, copy, neuron, step,
// purpose) through soma.Env.Key, so the spikes of a neuron never depend on
// the population size, on the other neurons, or on how the population is
// split. Bad input found at run time (a probability above 1, a value
// outside [0, 1], a class index out of range) is never clipped silently: the
// first problem is kept and reported by Err (soma.Failer), which the stepper
// should check after each step or epoch.
//
// Every encoder but RankOrder implements soma.Splitter, so that a population
// of one batch copy can be cut into shards that fire exactly the spikes of
// the whole (Poisson parts keep the population's neuron indices for their
// draws; OneHot and Position parts may cut a group). RankOrder does not: a
// neuron's rank depends on all N inputs.
//
// Decoders (TTFSDecode, PositionCode.Decode, DecodeOneHot, PoissonGain)
// invert the codes where that makes sense.
package encoder
