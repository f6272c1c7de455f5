// Package modelfile reads Spiral model files: a network described in YAML
// (JSON is accepted, being YAML) and built with the network builder.
//
//	network: {dt_ms: 0.1, seed: 1, batch: 1}
//	run: {duration_ms: 1000, shards: 1}
//	populations:
//	  E:
//	    size: 3200
//	    model: {kind: lif, tau_ms: 20, rest_mV: -49, threshold_mV: -50,
//	            reset_mV: -60, refractory_ms: 5, integration: exact,
//	            v0_mV: {uniform: [-60, -50]}}
//	    receptors: {ge: {kernel: exp_current, tau_ms: 5}}
//	    axons: {out: {delay_ms: 1.5, terminals: 1, inhibitory: false}}
//	    stimuli: [{constant: 20}, {per_neuron: [...]}, {square_pulse: {low, high, period_steps, width_steps, phase_steps}}]
//	    drives: [{receptor: in, poisson_rate_hz: 20000, weight: 0.1}]
//	projections:
//	  EE: {from: E, axon: out, to: E, receptor: ge,
//	       connectivity: {kind: bernoulli, p: 0.02}, autapses: true,
//	       weight: 1.62, wmin: 0, wmax: 1,
//	       plasticity: {kind: stdp, tau_plus_ms: 20, tau_minus_ms: 20,
//	                    traces: exact, a_plus: 0.0001, a_minus: 0.000105, pre_first: true}}
//
// Model kinds: lif, if, eif, aif, adex (tau_ms, resistance, rest_mV,
// threshold_mV, reset_mV, refractory_ms, refractory_from_spike,
// drop_refractory_input, fire_at_threshold, integration, v0_mV; eif/adex
// add delta_t_mV, theta_rh_mV; aif/adex add a, b, tau_w_ms,
// adaptation_form; any of them an adaptive threshold: theta_delta_mV,
// tau_theta_ms, theta_exact), izhikevich (a, b, c, d, peak_mV, v0_mV, u0, method),
// hh (area_um2, cm_uF_cm2, gl_mS_cm2, gna_mS_cm2, gk_mS_cm2, el_mV, ena_mV,
// ek_mV, vt_mV, threshold_mV, v0_mV, substeps), rate (transfer, tau_ms,
// gain, threshold, bias, max, integration, r0), tissue (a dopaminergic
// neuromodulator source: form leaky|impulse|windowed, tau_ms, integration,
// window_ms), poisson (rate_hz) and
// spike_array (neurons, times_ms), ttfs (window_ms), one_hot (size) and
// position (k, window_ms, means, sd, ignore_threshold); a population may
// also list principles (kwta, fire_once, k_random_clamps). Omitted parameters take the defaults of
// the soma constructors (soma.LIF, soma.TraubMiles, ...). Every numeric
// neuron parameter is a number, a list with one value per neuron, or
// {uniform: [lo, hi]} / {normal: [mean, sd]}; so are weight and delay_ms.
// Connectivity kinds: all_to_all, one_to_one, bernoulli (p),
// fixed_in_degree / fixed_out_degree (k, multapses), fixed_total (n,
// multapses). STDP rates are eta_plus/eta_minus (the rule's rate, per ms)
// or a_plus/a_minus (change per spike pair, eta = a/dt), with pairing
// (all_to_all, nearest) and weight_dependence (additive, multiplicative,
// soft_bound). Plasticity kinds: stdp, triplet, inhibitory_stdp,
// convergent, and the three-factor rstdp and modulated, which wrap an
// inner rule (rule: {...}) and need the projection's follow. Axon
// response kinds: identity, scaling, leaky, flat, limited_flat,
// tsodyks_markram (u, tau_d_ms, tau_f_ms). Receptor "in" and
// axon "out" exist by default. Map order in the file is kept (it fixes the
// random streams, as the order of builder calls does).
//
// Parse and Load validate everything in one pass and return Errors, one
// FieldError per problem: "file:line: field.path: value: what is valid",
// with did-you-mean suggestions for unknown fields, values and references
// (at most MaxErrors, then a line counting the rest).
//
// Any bytes may be given: Load reads only a regular file of at most
// MaxFileSize bytes (ReadFile), Parse builds at most MaxNodes YAML values
// (aliases counted as what they stand for), numbers must fit a float32,
// integers and seeds are read exactly, and costly but valid settings are
// listed by Model.Warnings (docs/security.md).
package modelfile
