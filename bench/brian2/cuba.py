#!/usr/bin/python3
"""CUBA: the Vogels & Abbott (2005) network with current-based exponential
synapses (Brette et al. 2007, benchmark 2), as Spiral's built-in model
`cuba` (package models, CUBA):

  N = round(4000*scale) LIF neurons, E = the first round(0.8*N), I the rest
  dv/dt  = (ge + gi - (v - El)) / taum   (v held while refractory)
  dge/dt = -ge / taue,  dgi/dt = -gi / taui
  taum 20 ms, taue 5 ms, taui 10 ms, El -49 mV, spike when v > -50 mV,
  reset -60 mV, refractory 5 ms, exact integration
  every ordered pair (autapses included) connected with p = 0.02/scale
  (the in-degree stays 80 at every scale); no delay (the spike's step)
  an E spike adds 1.62 mV to ge, an I spike -9 mV to gi
  v(0) ~ U[-60, -50) mV, ge(0) = gi(0) = 0

Prints (and with --out writes) one JSON object: timings, rates and CV of
ISI per population, synaptic events delivered (exact).
"""
import b2run

args = b2run.options('cuba', __doc__)
run = b2run.Run(args)

import numpy as np
from brian2 import NeuronGroup, Synapses, SpikeMonitor, Network, ms, mV, second

N = int(round(4000 * args.scale))
NE = int(round(0.8 * N))
p = min(1.0, 0.02 / args.scale)
ns = {'taum': 20 * ms, 'taue': 5 * ms, 'taui': 10 * ms, 'El': -49 * mV,
      'theta': -50 * mV, 'v_reset': -60 * mV, 'w_e': 1.62 * mV,
      'w_i': -9 * mV}

cells = NeuronGroup(N, '''dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
                          dge/dt = -ge / taue : volt
                          dgi/dt = -gi / taui : volt''',
                    threshold='v > theta', reset='v = v_reset',
                    refractory=5 * ms, method='exact', namespace=ns)
cells.v = 'v_reset + (theta - v_reset) * rand()'
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
                'refractory': '5. ms', 'method': 'exact',
                'delay': '0 (same step)', 'v_init': 'U[v_reset, theta)',
                'autapses': True}})
run.finish(res)
