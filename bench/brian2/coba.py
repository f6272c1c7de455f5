#!/usr/bin/python3
"""COBA: the conductance-based variant of the Vogels & Abbott (2005) network
as in Brian2's simulator benchmarks (Brette et al. 2007, benchmark 1, with a
constant drive), as Spiral's built-in model `coba` (package models, COBA):

  N = round(4000*scale) LIF neurons, E = the first round(0.8*N), I the rest
  dv/dt  = (ge*(Ee - v) + gi*(Ei - v) - (v - El) + I) / taum
           (v held while refractory)
  dge/dt = -ge / taue,  dgi/dt = -gi / taui   (in units of the leak
                                               conductance)
  taum 20 ms, taue 5 ms, taui 10 ms, El -60 mV, Ee 0 mV, Ei -80 mV,
  I = 20 mV, spike when v > -50 mV, reset -60 mV, refractory 5 ms,
  exponential Euler (the conductances held over each step)
  every ordered pair (autapses included) connected with p = 0.02/scale;
  no delay; an E spike adds 0.6 to ge, an I spike 6.7 to gi
  v(0) ~ Normal(-55 mV, 5 mV), ge(0) = gi(0) = 0

Prints (and with --out writes) one JSON object: timings, rates and CV of
ISI per population, synaptic events delivered (exact).
"""
import b2run

args = b2run.options('coba', __doc__)
run = b2run.Run(args)

import numpy as np
from brian2 import NeuronGroup, Synapses, SpikeMonitor, Network, ms, mV, second

N = int(round(4000 * args.scale))
NE = int(round(0.8 * N))
p = min(1.0, 0.02 / args.scale)
ns = {'taum': 20 * ms, 'taue': 5 * ms, 'taui': 10 * ms, 'El': -60 * mV,
      'Ee': 0 * mV, 'Ei': -80 * mV, 'I': 20 * mV, 'theta': -50 * mV,
      'v_reset': -60 * mV, 'w_e': 0.6, 'w_i': 6.7}

cells = NeuronGroup(
    N, '''dv/dt = (ge * (Ee - v) + gi * (Ei - v) - (v - El) + I) / taum : volt (unless refractory)
          dge/dt = -ge / taue : 1
          dgi/dt = -gi / taui : 1''',
    threshold='v > theta', reset='v = v_reset', refractory=5 * ms,
    method='exponential_euler', namespace=ns)
cells.v = '-55*mV + 5*mV * randn()'
exc = Synapses(cells[:NE], cells, on_pre='ge += w_e', namespace=ns)
inh = Synapses(cells[NE:], cells, on_pre='gi += w_i', namespace=ns)
exc.connect(p=p)
inh.connect(p=p)
spikes = SpikeMonitor(cells)
net = Network(cells, exc, inh, spikes)
run.built()
run.simulate(net, ns)

counts = np.asarray(spikes.count[:])
res = b2run.network_result(
    np.asarray(spikes.i[:]), np.asarray(spikes.t[:] / second),
    [('E', 0, NE), ('I', NE, N)], args.duration,
    [(counts[:NE], np.asarray(exc.i[:])), (counts[NE:], np.asarray(inh.i[:]))],
    N)
res.update({'N_E': NE, 'N_I': N - NE, 'p_connect': p,
            'params': b2run.quantities(ns) | {
                'refractory': '5. ms', 'method': 'exponential_euler',
                'delay': '0 (same step)', 'v_init': 'N(-55 mV, 5 mV)',
                'autapses': True}})
run.finish(res)
