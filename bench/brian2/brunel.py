#!/usr/bin/python3
"""Brunel (2000) model A with the parameters of NEST's brunel_delta example,
as Spiral's built-in model `brunel` (package models, Brunel):

  NE = round(10000*scale), NI = round(2500*scale) LIF neurons (E first)
  every neuron gets exactly CE = int(0.1*NE) inputs from E and
  CI = int(0.1*NI) from I, their sources drawn uniformly with replacement
  (multapses and autapses allowed)
  dv/dt = -v / tau_m (v held while refractory), tau_m 20 ms, exact
  spike when v >= theta = 20 mV, reset 0 mV, refractory 2 ms, v(0) = 0
  an E spike adds J = 0.1 mV, an I spike -g*J (g = 5), 1.5 ms later
  external drive: an independent Poisson train per neuron of rate
  eta*theta/(J*tau_m) = 20 kHz (eta = 2), each event adding J
  every input (recurrent or external) that arrives while the target is
  refractory is dropped

Prints (and with --out writes) one JSON object: timings, rates and CV of
ISI per population, synaptic events delivered (exact).
"""
import b2run

args = b2run.options('brunel', __doc__)
run = b2run.Run(args)

import numpy as np
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, Network, ms, mV,
                    second, Hz)

NE, NI = int(round(10000 * args.scale)), int(round(2500 * args.scale))
N = NE + NI
CE, CI = int(0.1 * NE), int(0.1 * NI)
J, theta, tau_m, g, eta = 0.1 * mV, 20 * mV, 20 * ms, 5.0, 2.0
ext_rate = eta * theta / (J * tau_m)            # 20 kHz per neuron
ns = {'tau_m': tau_m, 'theta': theta, 'J': J, 'g': g,
      'ext_mean': float(ext_rate * args.dt * ms)}   # events per step

cells = NeuronGroup(N, 'dv/dt = -v / tau_m : volt (unless refractory)',
                    threshold='v >= theta', reset='v = 0*mV',
                    refractory=2 * ms, method='exact', namespace=ns)
cells.v = 0 * mV
cells.run_regularly('v += J * poisson(ext_mean) * int(not_refractory)',
                    when='synapses', name='poisson_drive')
exc = Synapses(cells[:NE], cells, on_pre='v_post += J * int(not_refractory_post)',
               delay=1.5 * ms, namespace=ns)
inh = Synapses(cells[NE:], cells,
               on_pre='v_post -= g * J * int(not_refractory_post)',
               delay=1.5 * ms, namespace=ns)
draw = np.random.default_rng(args.seed)


def in_degree(n_sources, k):
    """k sources for each of the N targets, with replacement, the synapses
    grouped by source (a stable sort keeps each source's targets in
    order): Brian2 then walks a spike's synapses through contiguous
    memory, which is how a careful Brian2 user builds this network."""
    sources = draw.integers(0, n_sources, size=N * k)
    targets = np.repeat(np.arange(N), k)
    order = np.argsort(sources, kind='stable')
    return sources[order], targets[order]


pre_e, post_e = in_degree(NE, CE)
pre_i, post_i = in_degree(NI, CI)
exc.connect(i=pre_e, j=post_e)
inh.connect(i=pre_i, j=post_i)
spikes = SpikeMonitor(cells)
net = Network(cells, exc, inh, spikes)
run.built()
run.simulate(net, ns)

counts = np.asarray(spikes.count[:])
res = b2run.network_result(
    np.asarray(spikes.i[:]), np.asarray(spikes.t[:] / second),
    [('E', 0, NE), ('I', NE, N)], args.duration,
    [(counts[:NE], pre_e), (counts[NE:], pre_i)], N)
res.update({'N_E': NE, 'N_I': NI, 'CE': CE, 'CI': CI, 'g': g, 'eta': eta,
            'external_poisson_rate_hz': float(ext_rate / Hz),
            'params': b2run.quantities(ns) | {
                't_ref': '2 ms', 'delay': '1.5 ms', 'V_reset': '0 mV',
                'conn': 'fixed in-degree, with replacement',
                'v_init': '0 mV', 'refractory_input': 'discard',
                'ext': 'poisson'}})
run.finish(res)
