// Package response holds response functions: maps from a signal (spikes
// or graded values) to a response, step by step. The same functions shape
// transmitter release at axon terminals (identity = delta synapse, leaky =
// exponential current, ...) and serve as synaptic tags (eligibility traces)
// in plasticity rules.
//
// # The functions
//
// Each is a Spec (a plain value describing parameters) that New builds, for
// n elements at time step dt (ms), into a Function that carries state:
//
//	Identity     r_n = x_n
//	Scaling      r_n = c·x_n                               (c per element)
//	Leaky        r_n = x_n + a·r_{n−1}, a = 1 − dt/τ       (Exact: a = e^{−dt/τ})
//	Flat         r_n = r_{n−1} + x_n                       (running total)
//	LimitedFlat  r_n = x_n + x_{n−1} + … + x_{n−W+1}       (W = round(T/dt) steps)
//	Composite    r = f_K(…f_2(f_1(x)))                     (list order)
//	TsodyksMarkram  r_n = E_n·x_n, E_n = u⁺·X⁻ the efficacy of a spike   (see below; 0 for x_n = 0)
//
// A spike is the input 1 for one step, so the impulse response of Leaky
// is 1, a, a², …: at an axon terminal it is an exponentially decaying
// current; as a synaptic tag it is an eligibility trace. LimitedFlat
// counts the inputs of the last W steps (a boxcar), Flat all inputs ever.
//
// Identity and Scaling are memoryless (Function.Memoryless): the response
// of a step depends on that step's input alone and is zero for zero input.
// An axon uses that to turn each spike directly into events and never runs
// the function over silent neurons. All the built-in functions but
// TsodyksMarkram are linear and time-invariant, so a composite of them
// gives the same result in any order; the order matters for
// TsodyksMarkram (it responds to whether the input is zero, not to its
// size) and for user functions that are not linear.
//
// # Short-term plasticity (TsodyksMarkram)
//
// The Tsodyks–Markram model of Markram, Wang & Tsodyks (1998), as NEST's
// tsodyks2_synapse and Brian2's example: per element, x is the fraction of
// available resources (1 at rest) and u the utilisation. One step n with
// input s_n, in this order:
//
//	if s_n ≠ 0 (a spike):
//	    u ← u + U·(1 − u)          facilitation (u⁺)
//	    r ← u·x                    efficacy, x the value before the spike (x⁻)
//	    x ← x − r                  depletion (x⁺)
//	    output r·s_n               (else output 0)
//	x ← 1 − (1 − x)·e^{−dt/τ_D}    recovery over the step, exact
//	u ← u·e^{−dt/τ_F}              facilitation decays (u ← 0 if τ_F = 0)
//
// From rest (x = 1, u = 0 before the first spike) the first spike releases
// U; after a long pause a spike again uses u⁺ → U and x⁻ → 1. With τ_F = 0
// every spike uses U (depression only). In Brian2's variables the
// utilisation of the next spike, û = U + (1 − U)·u, starts at U and decays
// to U with τ_F; the efficacies are the same. For a regular train with interval
// Δ the n-th efficacy follows u⁺_n = U + (1 − U)·u⁺_{n−1}·e^{−Δ/τ_F} and
// x⁻_n = 1 − (1 − x⁻_{n−1}·(1 − u⁺_{n−1}))·e^{−Δ/τ_D}, with the steady
// state u* = U/(1 − (1 − U)·e^{−Δ/τ_F}), x* = (1 − e^{−Δ/τ_D})/(1 −
// (1 − u*)·e^{−Δ/τ_D}), efficacy u*·x*. Parameters: U in (0, 1], TauD > 0,
// TauF ≥ 0 (ms), per element.
//
// # Parameters per element
//
// A parameter (scale, tau_ms, duration_ms, U, tau_d_ms, tau_f_ms) is a
// param.Value: a constant, or
// an array that is repeated over the elements — element e uses value
// e mod L, and L must divide n. That is suffix broadcasting only when L is
// the size of a trailing group of the owner's element order, so the owner
// states the lengths it accepts with a Layout and checks a spec with
// Layout.Check (the specs list their arrays through ArrayLister). At an
// axon, whose elements are ordered (copy, neuron, terminal), the valid
// lengths are 1, Terminals (one value per terminal) and Neurons·Terminals
// (per neuron and terminal, shared by every batch copy); an array of one
// value per neuron on an axon with several terminals is an error, not a
// silent mis-mapping.
// Distributions are not accepted here (New has no random stream): draw them
// into an array first.
//
// Bad parameters are errors from New that name the function, the field,
// the element and the value, e.g. "leaky: tau_ms[1] = 0: must be > 0".
//
// # Differences from the Python reference
//
//   - LimitedFlat's window defaults to round(T/dt) steps; the reference's
//     floor(T/dt)+1 steps is available as LimitedFlat.Reference.
//   - Leaky offers the exact decay e^{−dt/τ} (Exact) beside the reference's
//     Euler factor, and rejects τ < dt with the Euler factor (a negative
//     factor would make the trace alternate in sign).
//   - Conversions of a duration to steps tolerate floating-point error
//     (1.5/0.1 is 15 steps, not 14).
//
// # Cost
//
// Step allocates nothing and runs one tight loop over the elements, with a
// scalar fast path when a parameter is the same for every element.
package response
