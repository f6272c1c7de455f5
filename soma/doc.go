// Package soma holds the neuron models of Spiral: the integrate-and-fire
// family with stackable membrane terms, Izhikevich, Hodgkin–Huxley, and
// classical (graded, non-spiking) units.
//
// A model is plain state — struct of float32 slices — advanced one step at a
// time by Step. It knows nothing of actors, messages or other populations:
// the population (or the sequential stepper) sums its inputs into an Input
// and routes the spikes it returns.
//
// A population of N neurons simulated with a batch of B independent copies
// has Len() = B·N elements; element b·N+i is neuron i of copy b.
// Per-neuron parameters are shared by the copies.
//
// # Building a model
//
// A Spec (IF, Izhikevich, HH, Rate) is a struct of parameters; every
// numeric parameter is a param.Value, so it may be one number, one value
// per neuron (param.Array, length N) or a distribution drawn from the
// population's random key (rng.PurposeInitialState, one stream per
// parameter name), the same numbers at every build. New checks every
// value and reports the first bad one with its name, its value and what
// would be valid, e.g. "lif: tau_ms = -3: must be > 0". The zero value of
// a param.Value is 0, so start from a constructor (LIF, AdEx, IzhikevichRS,
// TraubMiles, RateUnit...), which fills in the documented defaults, and
// change what you need:
//
//	s := soma.LIF()
//	s.TauMs = param.Uniform(15, 25)  // per neuron
//	s.RefractoryMs = param.Const(2)  // ms
//	m, err := s.New(soma.Env{N: 1000, Batch: 1, Dt: 0.1, Key: key})
//
// Units are nominal, as in the Python Spiral: potentials in mV, time in
// ms, and R·I in mV for the integrate-and-fire family (Input.Current is
// I). Hodgkin–Huxley is the exception: its current is in nA.
//
// # Integrate-and-fire (IF)
//
// One step n (dt ms) of an integrate-and-fire neuron, with the Python
// Spiral's defaults τ = 20 ms, R = 1, u_rest = −70.6 mV, θ = −40 mV:
//
//	u'  = V_reset                 if the neuron fired at step n−1, else u_{n−1}
//	u_n = u' + (dt/τ)·R·I_n                                  (core)
//	         − (dt/τ)·(u' − u_rest)                          (Leak)
//	         + (dt/τ)·Δ_T·exp((u' − θ_rh)/Δ_T)               (Exponential)
//	         − R·w_{n−1}                                     (Adaptation, reference form)
//	u_n += J_n                                               (delta-synapse jumps)
//	w_n = w_{n−1} + (dt/τ_w)·(a·(u_n − u_rest) − w_{n−1} + b·τ_w·s_{n−1})
//	θa_n = (θa_{n−1} + Δθ·s_{n−1})·d                         (AdaptiveThreshold; else θa = 0)
//	s_n = u_n > θ + θa_n
//
// Every term is computed from u', so the order of IF.Terms never matters
// (they are summed in a fixed order, bit for bit the same). With the
// defaults (V_reset = u_rest, no refractory period, Euler) this is exactly
// the integrate-and-fire update of the Python Spiral, including its
// quirks: the reset is applied at the start of the next step, so the
// potential recorded at a spike step is the supra-threshold value, and the
// reference adaptation subtracts R·w unscaled and adds the spike-triggered
// b·dt one step late. Defaults of the terms: Δ_T = 2 mV, θ_rh = −50.4 mV,
// a = 4, b = 0.0805, τ_w = 144 ms (Brette & Gerstner).
//
// Options:
//
//   - Reset: a reset potential V_reset other than u_rest (must be < θ).
//   - Refractory t_ref (ms): after a spike at step n the neuron is held at
//     V_reset for K = round(t_ref/dt) steps (n+1 … n+K): not integrated,
//     not tested against θ; it integrates again at step n+K+1. This is
//     NEST's convention (Brian2 holds K−1 steps: to reproduce a Brian2
//     model use t_ref − dt). Jumps arriving while refractory are added to
//     the held potential, or discarded with DropRefractoryInput (NEST
//     iaf_psc_delta); currents never act on a held neuron. The adaptation
//     current keeps evolving during the refractory period.
//   - FireAtThreshold: u ≥ θ instead of u > θ.
//   - Integration Exact (Leak alone): u_n = u_rest + (u'−u_rest)·e^{−dt/τ} +
//     R·I·(1 − e^{−dt/τ}), exact for an input constant over the step.
//   - Adaptation.Form AdaptTextbook: the membrane gets −(dt/τ)·R·w and w
//     jumps by b with each reset, the AdEx of Brette & Gerstner (2005).
//   - AdaptiveThreshold (threshold homeostasis, Diehl & Cook 2015; GLIF
//     threshold adaptation): the threshold becomes θ + θa; θa jumps by Δθ
//     with the reset that follows each spike and decays with τθ, by
//     d = 1 − dt/τθ (Euler, τθ ≥ dt) or e^{−dt/τθ} (its Exact option, or
//     Exact integration), in float64. The jump is decayed by the step it
//     is applied in, so the step after a spike tests θ + (θa + Δθ)·d
//     (Brian's order). Var("theta") is θa. It is an option, not a
//     membrane term: it works with every term, with conductance input and
//     with both integrations, and leaves Kind alone.
//   - V0: the initial potential, any param.Value; a distribution is drawn
//     for each batch copy b from its own stream (so copy b has the same
//     numbers whatever the batch size) and redrawn identically by Reset.
//
// The exponential term's exponent is clipped at 50 (e^50 ≈ 5e21), so no
// Inf or NaN can appear however large the input; the clip is far above
// any potential a neuron reaches before its reset.
//
// Without Exponential and Adaptation (IF, LIF, with or without
// refractoriness and jumps) the model runs a specialised loop:
// u ← u' + k·(u_rest − u') + g·I (+ J), k = dt/τ or 1 − e^{−dt/τ},
// g = k·R, with scalar coefficients when all neurons share them. It makes
// no call and no allocation per neuron or per step; refractory neurons are
// handled from a list, outside the loop. See BenchmarkLIF.
//
// # After-spike actions and the population
//
// Spiking models apply the reset (and refractoriness, adaptation jumps) of
// the spikes of step n at the start of step n+1. They implement
// Repolarizer: a population whose principles change the list Step returned
// (clamps, k-winners-take-all) calls SetFired with the final list, so that
// exactly the emitted spikes are reset; one whose receptors read Var("v")
// before Step (conductance synapses) calls Repolarize first.
//
// # Izhikevich
//
//	dv/dt = 0.04·v² + 5·v + 140 − u + I,   du/dt = a·(b·v − u)
//	if v ≥ 30 mV: spike; v ← c, u ← u + d (at the start of the next step)
//
// Default integration: Izhikevich (2003)'s code, v in sub-steps of at most
// 0.5 ms then u over dt with the new v; or IzhikevichEuler. v is recorded
// as 30 mV (the peak) at a spike step. Constructors: IzhikevichRS, IB, CH,
// FS; V0 defaults to −65 mV and U0 to b·V0.
//
// # Hodgkin–Huxley (HH)
//
// The Traub–Miles model of Brian2's COBAHH example (TraubMiles): area
// 20000 µm², C_m 1 µF/cm², g_l 0.05 mS/cm², g_Na 100 mS/cm², g_K
// 30 mS/cm², E_l −60 mV, E_Na 50 mV, E_K −90 mV, V_T −63 mV; current in nA
// (see HH for the equations). Exponential Euler with sub-steps of at most
// 0.1 ms by default, as Brian2 (first order: at dt = 0.1 ms interspike
// intervals are about 3 % (I = 0) to 13 % (I = 2 nA) longer than the exact
// solution's; set Substeps to 10 or more for accuracy). A spike is an
// upward crossing of −20 mV. With these parameters the cell fires spontaneously at I = 0
// (about 14 Hz); it rests below about −0.03 nA.
//
// # Rate units (Rate)
//
//	τ·dr/dt = −r + f(Gain·(I − Threshold) + Bias),   Output() = r
//
// with f linear, ReLU, sigmoid, tanh, threshold-linear (optionally
// saturating at Max) or any Go function (Custom). τ = 0 gives r = f(...)
// at every step. Rate units implement Graded; their Step returns the spike
// list unchanged.
package soma
