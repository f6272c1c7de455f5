// Package stimulus holds direct inputs to populations: constant and step
// currents, square pulses, the function generator of the Python Spiral
// (baseline, continuous piecewise-linear slope, shared and per-neuron
// Gaussian noise), cyclic input sequences, Poisson event drives, and
// combinators (sum, per-neuron gain, time window, one stimulus per batch
// copy).
//
// A Stimulus adds its value of a step into a population's current:
// Add(step, current) with len(current) = N·Batch, element b·N+i being neuron
// i of copy b (the stepper clears the current, then every stimulus adds).
// Stimuli that need the population's size, time step or random key
// implement Bind(env), which the network builder calls once before the run;
// Bind also validates. A stimulus feeding an encoder population carries the
// data (pixel intensities, class indices, rates), since encoders have no
// dendrites.
//
// Values are computed lazily, step by step: a stimulus never materialises a
// (length × N) table unless asked (FunctionGenerator.Generate). Random
// values are keyed by (seed, population, stream, copy, neuron, step,
// purpose), so the value at (step, neuron) depends on nothing else — not on
// the steps computed before, the population size or its split.
//
// Every stimulus here implements population.Slicer (for a population of
// one batch copy split into shards): a slice adds, bit for bit, what the
// whole adds to its neurons; population noise stays keyed by the population
// index. Combinators slice only when their parts do (Slice says why not).
//
// Bind rejects non-finite values (NaN, ±Inf), naming the stimulus, the
// index and the value. A stimulus object with state (*FunctionGenerator,
// *Gain) belongs to one population: binding it to a second population of
// another size, batch, time step or key is an error ("already bound to a
// population of 50 neurons; use one object per population"). Stimuli with
// scratch buffers (Gain) are not safe for concurrent use.
package stimulus
