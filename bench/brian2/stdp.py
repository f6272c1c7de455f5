#!/usr/bin/python3
"""STDP: Song, Miller & Abbott (2000) as in Brian2's STDP example, as
Spiral's built-in model `stdp` (package models, STDP):

  N = round(1000*scale) Poisson inputs at 15 Hz, all onto one LIF neuron
  dv/dt = (ge*(Ee - vr) + El - v) / taum,  dge/dt = -ge / taue
  taum 10 ms, taue 5 ms, Ee 0 mV, vr -60 mV, El -74 mV, spike when
  v > -54 mV, reset vr, no refractory period, exact integration, v(0) = vr
  additive all-to-all STDP with exponential traces (20 ms each) and hard
  bounds [0, gmax], gmax = 0.01, w(0) ~ U[0, gmax):
    presynaptic spike:  ge += w; apre += 0.01*gmax; w = clip(w + apost, 0, gmax)
    postsynaptic spike: apost -= 1.05*0.01*gmax;    w = clip(w + apre, 0, gmax)
  (in a step the presynaptic updates come first)

Prints (and with --out writes) one JSON object: timings, the input and
output rates (the whole run and its last 10 s), the final weights (mean,
histogram of w/gmax, the fractions below 0.1 and above 0.9), the mean w/gmax
once a second from t = 0 (w_mean_timecourse), the
synaptic events (presynaptic and postsynaptic updates of the synapses).
"""
import b2run

args = b2run.options('stdp', __doc__, duration=100.0)
run = b2run.Run(args)

import numpy as np
from brian2 import (NeuronGroup, PoissonGroup, Synapses, SpikeMonitor,
                    StateMonitor, Network, ms, mV, second, Hz)

N = int(round(1000 * args.scale))
gmax = 0.01
ns = {'taum': 10 * ms, 'taue': 5 * ms, 'Ee': 0 * mV, 'vr': -60 * mV,
      'El': -74 * mV, 'vt': -54 * mV, 'tau_trace': 20 * ms, 'gmax': gmax,
      'd_pre': 0.01 * gmax, 'd_post': -1.05 * 0.01 * gmax}

inputs = PoissonGroup(N, rates=15 * Hz)
cell = NeuronGroup(1, '''dv/dt = (ge * (Ee - vr) + El - v) / taum : volt
                         dge/dt = -ge / taue : 1''',
                   threshold='v > vt', reset='v = vr', method='exact',
                   namespace=ns)
cell.v = -60 * mV
syn = Synapses(inputs, cell,
               '''w : 1
                  dapre/dt = -apre / tau_trace : 1 (event-driven)
                  dapost/dt = -apost / tau_trace : 1 (event-driven)''',
               on_pre='''ge += w
                         apre += d_pre
                         w = clip(w + apost, 0, gmax)''',
               on_post='''apost += d_post
                          w = clip(w + apre, 0, gmax)''',
               namespace=ns)
syn.connect()
syn.w = 'gmax * rand()'
in_spikes = SpikeMonitor(inputs, record=False)
out_spikes = SpikeMonitor(cell)
# every weight once a second, at t = 0, 1, 2, ... s (start of the step);
# the indices are given (syn.connect() made one synapse per input), as the
# standalone device cannot resolve record=True for a synaptic variable
w_samples = StateMonitor(syn, 'w', record=np.arange(N), dt=1 * second)
net = Network(inputs, cell, syn, in_spikes, out_spikes, w_samples)
run.built()
run.simulate(net, ns)

T = args.duration
n_in = int(np.sum(in_spikes.count[:]))
t_out = np.asarray(out_spikes.t[:] / second)
n_out = int(len(t_out))
last = min(10.0, T)                     # the last 10 s (or the whole run)
w = np.asarray(syn.w[:]) / gmax
hist, edges = np.histogram(w, bins=20, range=(0.0, 1.0))
run.finish({
    'N': N + 1, 'N_inputs': N, 'n_synapses': int(len(syn)),
    'spikes_total': n_in + n_out,
    'rate_hz': {'inputs': n_in / (N * T), 'post': n_out / T},
    'cv_isi': {},
    'input_rate_hz': n_in / (N * T), 'post_rate_hz': n_out / T,
    'w_mean_final': float(w.mean()),
    'w_frac_below_0.1': float((w < 0.1).mean()),
    'w_frac_above_0.9': float((w > 0.9).mean()),
    'post_rate_last10s_hz': float(np.sum(t_out >= T - last)) / last,
    'w_hist_counts': hist.tolist(), 'w_hist_edges': edges.tolist(),
    'w_mean_timecourse': {
        't_s': np.asarray(w_samples.t[:] / second).tolist(),
        'mean_w_over_gmax': (np.asarray(w_samples.w[:]).mean(axis=0)
                             / gmax).tolist()},
    'syn_events': n_in + n_out * N,
    'params': b2run.quantities(ns) | {
        'F': '15 Hz', 'w_init': 'U[0, gmax)', 'v_init': 'vr',
        'method': 'exact'},
})
