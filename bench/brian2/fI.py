#!/usr/bin/python3
"""fI: the f-I curve of unconnected LIF neurons under constant currents, as
Spiral's built-in model `fi` (package models, FI):

  n = round(200*scale) + 1 neurons, neuron k gets I_k = Imax*k/(n-1),
  Imax = 200 pA, R = 100 MOhm, so R*I_k runs from 0 to 20 mV (0.1 mV steps
  at scale 1)
  tau_m dv/dt = -(v - EL) + R*I   (v held while refractory)
  tau_m 10 ms, EL 0 mV, spike when v > theta = 10 mV, reset 0 mV,
  refractory 5 ms (counted from the spike step), exact integration, v(0) = 0
  deterministic: the seed changes nothing

Continuous-time rate: f = 0 if R*I <= theta, else
  f = 1 / (t_ref + tau_m * ln(R*I / (R*I - theta))).
The script also iterates the model's discrete-time update in numpy (state
update unless refractory, then threshold, then reset, in every step; a
neuron that spiked in step s integrates again from step s + t_ref/dt) and
reports how far Brian2's ISI rates are from it.

Prints (and with --out writes) one JSON object: timings, the table
[I_pA, RI_mV, rate_count_hz, rate_isi_hz, rate_analytic_hz] per neuron
(rate_count = spikes / T, rate_isi = (spikes - 1) / (t_last - t_first)),
the largest deviations of the measured rates from the prediction and from
the formula.
"""
import b2run


def flags(ap):
    ap.add_argument('--imax', type=float, default=200.0,
                    help='largest current, pA (default %(default)s)')


args = b2run.options('fI', __doc__, more=flags)
run = b2run.Run(args)

import numpy as np
from brian2 import NeuronGroup, SpikeMonitor, Network, ms, mV, pA, Mohm, second

n = int(round(200 * args.scale)) + 1
TAU_MS, THETA_MV, T_REF_MS, R_MOHM = 10.0, 10.0, 5.0, 100.0
ns = {'tau_m': TAU_MS * ms, 'R': R_MOHM * Mohm, 'EL': 0 * mV,
      'theta': THETA_MV * mV, 'v_reset': 0 * mV, 'Imax': args.imax * pA,
      'n_cells': n}

cells = NeuronGroup(n, '''dv/dt = (-(v - EL) + R * I) / tau_m : volt (unless refractory)
                          I : amp (constant)''',
                    threshold='v > theta', reset='v = v_reset',
                    refractory=T_REF_MS * ms, method='exact', namespace=ns)
cells.v = 0 * mV
cells.I = 'Imax * i / (n_cells - 1)'
spikes = SpikeMonitor(cells)
net = Network(cells, spikes)
run.built()
run.simulate(net, ns)

T = args.duration
idx = np.asarray(spikes.i[:])
times = np.asarray(spikes.t[:] / second)
count = np.bincount(idx, minlength=n)
first = np.full(n, np.inf)
last = np.full(n, -np.inf)
np.minimum.at(first, idx, times)
np.maximum.at(last, idx, times)
I_pA = args.imax * np.arange(n) / (n - 1)
RI = I_pA * 1e-12 * R_MOHM * 1e6 * 1e3        # mV
rate_count = count / T
with np.errstate(divide='ignore', invalid='ignore'):
    rate_isi = np.where(count >= 2, (count - 1) / (last - first), 0.0)
    rate_analytic = np.where(
        RI > THETA_MV,
        1e3 / (T_REF_MS + TAU_MS * np.log(RI / (RI - THETA_MV))), 0.0)


def discrete(ri, steps, dt):
    """Iterates the model's update for every neuron; returns the spike
    counts and the ISI rates (Hz)."""
    decay = np.exp(-dt / TAU_MS)
    hold = int(round(T_REF_MS / dt))          # steps from a spike to the next update
    v = np.zeros_like(ri)
    last_spike = np.full(ri.shape, -hold, dtype=np.int64)
    first_spike = np.full(ri.shape, -1, dtype=np.int64)
    n_spikes = np.zeros(ri.shape, dtype=np.int64)
    for s in range(steps):
        free = s - last_spike >= hold
        v = np.where(free, ri + (v - ri) * decay, v)
        fired = free & (v > THETA_MV)
        n_spikes += fired
        first_spike = np.where(fired & (first_spike < 0), s, first_spike)
        last_spike = np.where(fired, s, last_spike)
        v = np.where(fired, 0.0, v)
    span_s = (last_spike - first_spike) * dt * 1e-3
    with np.errstate(divide='ignore', invalid='ignore'):
        rate = np.where(n_spikes >= 2, (n_spikes - 1) / span_s, 0.0)
    return n_spikes, rate


# the prediction costs neurons x steps: at most 2001 neurons and 2 s
pick = np.arange(n) if n <= 2001 else np.linspace(0, n - 1, 2001).astype(int)
pred_ms = min(T * 1e3, 2000.0)
pred_count, pred_isi = discrete(RI[pick], int(round(pred_ms / args.dt)), args.dt)
fires = rate_analytic > 0
rel = np.abs(rate_isi[fires] - rate_analytic[fires]) / rate_analytic[fires]
table = np.column_stack([I_pA, RI, rate_count, rate_isi, rate_analytic])
res = {
    'N': n, 'n_synapses': 0, 'spikes_total': int(count.sum()),
    'rate_hz': {'mean_over_neurons': float(count.sum() / (n * T))},
    'cv_isi': {},
    'syn_events': 0,
    'table_columns': ['I_pA', 'RI_mV', 'rate_count_hz', 'rate_isi_hz',
                      'rate_analytic_hz'],
    'table': table[pick].round(6).tolist(),
    'max_abs_dev_isi_vs_discrete_pred_hz':
        float(np.max(np.abs(rate_isi[pick] - pred_isi))),
    'max_rel_dev_isi_vs_analytic': float(rel.max()) if rel.size else 0.0,
    'discrete_prediction': {'indices': 'all' if n <= 2001 else pick.tolist(),
                            'T_ms': pred_ms,
                            'count': pred_count.tolist(),
                            'rate_isi_hz': pred_isi.tolist()},
    'neuron_updates_per_s': n * round(T * 1e3 / args.dt) / run.timing['sim_s'],
    'params': b2run.quantities(ns) | {
        't_ref': '5 ms', 'v_init': '0 mV', 'method': 'exact'},
}
if n > 2001:
    res['table_subsampled'] = True
run.finish(res)
