// Package plasticity holds synaptic learning rules (STDP with pluggable
// tags and all-to-all or nearest pairing, triplet STDP, inhibitory STDP,
// convergent decay, composite rules), their learning rates, and the
// machinery that applies weight changes with bounds.
//
// # Pieces
//
// Synapses is the rule's view of a projection's synapses: the CSR rows (one
// per presynaptic terminal), the column view (the synapses into each
// postsynaptic neuron), the batch size B, dt and the weight bounds. A Spec
// (STDP, Triplet, Inhibitory, Convergent, Composite) describes a rule and binds it to a
// projection with New. Every step the rule receives a StepData and adds
// its changes into a Delta; a Learner runs the rules, then applies the
// Delta (w ← clip(w + Δw, Wmin, Wmax), then an optional normalisation) when
// learning is on, or discards it when it is off. Rules run every step in
// either case, so their traces are always up to date. Additive STDP (rates
// that do not depend on the weight, no mask) skips the accumulator when
// learning is on: each change is applied at once and clipped, in the
// rule's order (potentiation, then depression), as event-driven
// simulators apply each spike's change. It differs from summing first only
// for a synapse with a presynaptic arrival and a postsynaptic spike in the
// same step, and saves two random memory accesses per change (plastic
// Brunel: 1.8× faster).
//
// Learning rates (RateSpec) scale the terms of a rule: ConstRate η;
// SoftBoundRate η·(wmax − w)·(w − wmin), which vanishes at both bounds;
// UpperBoundRate η·(wmax − w) and LowerBoundRate η·(w − wmin), which
// vanish at one bound each; DescendingRate η0·(1 − dt/τ)^k at the k-th
// step since reset.
//
// # STDP and its timing
//
// Time runs in steps of dt. At step n the rule sees
//
//	x = |Pre|: the presynaptic signal arriving at the synapse at step n
//	    (a spike emitted at step m with latency L arrives at m + L; L ≥ 1);
//	y = Post:  the postsynaptic output of step n − 1.
//
// With the smallest latency, L = 1, both refer to step n − 1: the rule
// looks at the step that has just finished on both sides. It updates the
// tags first, then the weights:
//
//	P_n = Pre tag(x_n)     leaky: P_n = x_n + (1 − dt/τ+)·P_{n−1}
//	Q_n = Post tag(y_n)    leaky: Q_n = y_n + (1 − dt/τ−)·Q_{n−1}
//	Δw[i→j] = dt · (1/B) Σ_b [ η+(w)·P[b,i]·y[b,j] − η−(w)·x[b,i]·Q[b,j] ]
//
// A postsynaptic spike potentiates every synapse into the neuron by the
// presynaptic trace (which includes a presynaptic spike arriving at the
// same step); a presynaptic arrival depresses every synapse out of the row
// by the postsynaptic trace (which includes a postsynaptic spike of the
// same step). For leaky tags and an isolated pair in which the
// postsynaptic neuron fires at step s_post and the presynaptic spike,
// emitted at step s_pre with latency L, arrives at s_pre + L, let
// Δt = s_post − (s_pre + L − 1) (with L = 1 simply the difference of the
// firing steps). Then
//
//	Δt > 0: Δw = +η+·dt·(1 − dt/τ+)^Δt
//	Δt < 0: Δw = −η−·dt·(1 − dt/τ−)^|Δt|
//	Δt = 0: Δw = (η+ − η−)·dt
//
// With an axonal delay the presynaptic spike counts when it arrives, so the
// window is shifted by the delay. Every pair of spikes interacts (all-to-all
// pairing); other tags give other windows (flat: every earlier spike counts
// fully; limited-flat: those within a window).
//
// The copies of a batch share the weights: the change is the plain mean of
// the copies' changes (no extra 1/B, unlike the reference).
//
// Choices that differ from, or refine, the Python reference:
//
//   - The presynaptic signal is |Pre|. Pre carries the axon's sign, so an
//     inhibitory axon would otherwise reverse the rule; the magnitude makes
//     STDP Hebbian on excitatory and inhibitory synapses alike. (A graded
//     presynaptic signal is therefore taken by magnitude too.) Post is used
//     with its sign: a negative graded output depresses where a spike
//     would potentiate.
//   - One presynaptic tag per (copy, row) instead of one per synapse: every
//     synapse of a row receives the same signal, so the reference's
//     per-synapse tags are equal along a row. Only a mask that changes over
//     time would make them differ; here a masked synapse just does not
//     learn at that step (Synapses.Mask).
//   - Graded signals (any value, not just 0 and 1) enter the formulas as
//     values; the event lists (PreActive, PostActive) only say where the
//     values are not zero.
//   - Rates receive the bounds the right way round.
//
// Cost: the tags are stepped over all rows and columns (O(B·(rows+cols))
// per step); the weight changes only visit the synapses of active rows and
// columns, through the row view (depression) and the column view
// (potentiation), so they cost in proportion to activity.
//
// # Pairing, weight dependence, triplet and inhibitory rules
//
// Pairing. With STDP.Pairing = Nearest each spike resets its trace to the
// spike's value instead of adding to it (Morrison, Diesmann & Gerstner
// 2008, symmetric nearest-spike pairing): a postsynaptic spike pairs only
// with the last presynaptic spike before it, and vice versa. Isolated
// pairs give the all-to-all window; pre-pre-post, for example, gives
// η+·dt·a+^Δt2 (the later pair only) instead of η+·dt·(a+^Δt1 + a+^Δt2).
// Resetting is defined for exponential traces, so Nearest needs leaky
// tags (Euler or Exact, τ per element allowed) and refuses counting tags
// and chains.
//
// Weight dependence. The rates of STDP choose it: additive (ConstRate on
// both terms: the weights drift to the bounds, which the Learner clips),
// soft-bound (SoftBoundRate on both), or multiplicative (van Rossum, Bi &
// Turrigiano 2000; Rubin, Lee & Sompolinsky 2001): potentiation at
// η+·(wmax − w) (UpperBoundRate), depression at η−·(w − wmin)
// (LowerBoundRate), so the weights settle inside the bounds
// (MultiplicativeSTDP). Rates that use a bound need it finite
// (BoundsChecker).
//
// Triplet (Pfister & Gerstner 2006) adds slow traces r2 (τx) and o2 (τy)
// to STDP's pair traces r1 (τ+) and o1 (τ−): a postsynaptic spike
// potentiates by dt·r1·(A2+ + A3+·o2⁻), a presynaptic arrival depresses by
// dt·o1·(A2− + A3−·r2⁻), where o2⁻ and r2⁻ hold only earlier spikes. Its
// traces are all-to-all or nearest (Pairing).
//
// Inhibitory (Vogels, Sprekeler et al. 2011) is symmetric: traces r and o
// of one τ; a presynaptic arrival changes w by η·dt·(o − α), a
// postsynaptic spike by η·dt·r, with α = 2·ρ0·τ for a target rate ρ0. A
// lone presynaptic spike depresses by η·α·dt; a pair at any interval
// changes w by η·dt·(a^|Δt| − α). The weights are magnitudes (x = |Pre|).
//
// # Three-factor rules
//
// A projection that follows a modulator source receives its concentration
// M per row (StepData.Modulator). RSTDP (Izhikevich 2007) feeds an inner
// rule's changes into an eligibility trace per synapse,
// c_n = (1 − dt/τc)·c_{n−1} + Δ_inner,n, and changes the weight by
// dt·c_n·M_n; Modulated (the reference's FlatRSTDP, with limited-flat
// tags) changes it by Δ_inner·M. Without a modulator neither changes a
// weight; the inner rule's traces still run. See docs/learning.md for the
// sources of modulators and their transport.
//
// # Using a Learner
//
//	proj, _ := plasticity.NewSynapses(csr, batch, dt, 0, 1)
//	l, _ := plasticity.NewLearner(proj, plasticity.LeakySTDP(20, 20, 0.01, 0.012))
//	for n := ...; ; n++ {
//		// fill d.Pre/PreActive with what arrives at step n and
//		// d.Post/PostActive with the postsynaptic output of step n−1
//		l.Step(&d, plasticityOn)
//	}
package plasticity
