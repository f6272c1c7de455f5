#!/usr/bin/python3
"""Plastic Brunel network for the side-by-side benchmark of Spiral's issue 5:
Brunel (2000) model A with NEST's brunel_delta parameters (12,500 neurons at
scale 1, fixed in-degree CE = 1000, CI = 250, J = 0.1 mV, g = 5, eta = 2,
D = 1.5 ms, t_ref = 2 ms, inputs discarded while refractory, Poisson drive),
with additive all-to-all STDP on E->E:

  w in mV, w(0) = J, bounds [0, 2J]
  on_pre (after the 1.5 ms delay): v_post += w; apre += dApre;
                                   w = clip(w + apost, 0, 2J)
  on_post:                         apost += dApost; w = clip(w + apre, 0, 2J)
  tau_pre = tau_post = 20 ms, dApre = 0.01 J, dApost = -1.05 dApre

It matches examples/brunel/brunel_plastic.yaml in Spiral.  Prints one JSON
object: timings (setup, build+run wall, simulate), rates, CV of ISI, the
final E->E weights' mean and histogram.

  /usr/bin/python3 bench/brian2/brunel_plastic.py [--scale 1] [--duration 1]
      [--seed 1] [--out FILE]

Brian2 runs in its runtime mode (Cython): build_s is net.run(0 ms) (code
generation and compilation, small with a warm cache), sim_s Brian's own
timer around the main loop of the run that follows (its "simulate" phase).
"""
import argparse
import json
import time

t_import = time.perf_counter()
ap = argparse.ArgumentParser(description=__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument('--scale', type=float, default=1.0)
ap.add_argument('--duration', type=float, default=1.0, help='s')
ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--out', default='')
args = ap.parse_args()

import numpy as np
import brian2 as b2
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, Network, ms, mV,
                    second, prefs, seed, device)

prefs.codegen.target = 'cython'
seed(args.seed)
t0 = time.perf_counter()

NE, NI = int(round(10000 * args.scale)), int(round(2500 * args.scale))
N = NE + NI
CE, CI = int(0.1 * NE), int(0.1 * NI)
tau_m, theta, J, D, t_ref, g, eta = 20 * ms, 20 * mV, 0.1 * mV, 1.5 * ms, 2 * ms, 5.0, 2.0
p_rate = eta * theta / (J * CE * tau_m) * CE
dt = 0.1 * ms
b2.defaultclock.dt = dt
ns = dict(tau_m=tau_m, theta=theta, J=J, g=g, lam_ext=float(p_rate * dt),
          taupre=20 * ms, taupost=20 * ms, wmax=0.2, dApre=0.001,
          dApost=-1.05 * 0.001)
P = NeuronGroup(N, 'dv/dt = -v/tau_m : volt (unless refractory)',
                threshold='v >= theta', reset='v = 0*mV', refractory=t_ref,
                method='exact', namespace=ns)
P.v = 0 * mV
P.run_regularly('v += J*poisson(lam_ext)*int(not_refractory)',
                when='synapses', name='external_drive')
See = Synapses(P[:NE], P[:NE],
               '''w : 1
                  dapre/dt = -apre/taupre : 1 (event-driven)
                  dapost/dt = -apost/taupost : 1 (event-driven)''',
               on_pre='''v_post += w*mV*int(not_refractory_post)
                         apre += dApre
                         w = clip(w + apost, 0, wmax)''',
               on_post='''apost += dApost
                          w = clip(w + apre, 0, wmax)''',
               delay=D, namespace=ns)
Sei = Synapses(P[:NE], P[NE:], on_pre='v_post += J*int(not_refractory_post)',
               delay=D, namespace=ns)
Si = Synapses(P[NE:], P, on_pre='v_post += -g*J*int(not_refractory_post)',
              delay=D, namespace=ns)
rng = np.random.default_rng(args.seed)


def indegree(n_pre, n_post, k):
    pre = rng.integers(0, n_pre, size=(n_post, k), dtype=np.int32).ravel()
    post = np.repeat(np.arange(n_post, dtype=np.int32), k)
    o = np.argsort(pre, kind='stable')
    return pre[o], post[o]


i, j = indegree(NE, NE, CE)
See.connect(i=i, j=j)
i, j = indegree(NE, NI, CE)
Sei.connect(i=i, j=j)
i, j = indegree(NI, N, CI)
Si.connect(i=i, j=j)
See.w = 0.1
mon = SpikeMonitor(P)
net = Network(P, See, Sei, Si, mon)
t_setup = time.perf_counter()
net.run(0 * ms)
t_build = time.perf_counter()
net.run(args.duration * second)
t_run = time.perf_counter()
sim_s = float(device._last_run_time)

it = np.asarray(mon.i[:])
tt = np.asarray(mon.t[:] / second)


def stats(lo, hi):
    sel = (it >= lo) & (it < hi)
    rate = sel.sum() / ((hi - lo) * args.duration)
    cvs = []
    ii, ts = it[sel], tt[sel]
    order = np.lexsort((ts, ii))
    ii, ts = ii[order], ts[order]
    bounds = np.flatnonzero(np.diff(ii)) + 1
    for seg in np.split(ts, bounds):
        if len(seg) >= 3:
            isi = np.diff(seg)
            cvs.append(isi.std() / isi.mean())
    return {'rate_hz': float(rate), 'cv_isi': float(np.mean(cvs)) if cvs else None}


w = np.asarray(See.w[:])
hist, _ = np.histogram(w / 0.2, bins=20, range=(0, 1))
res = {
    'model': 'brunel_plastic', 'scale': args.scale, 'duration_s': args.duration,
    'device': 'runtime', 'seed': args.seed, 'N': N,
    'n_synapses': int(len(See) + len(Sei) + len(Si)), 'n_plastic': int(len(See)),
    'E': stats(0, NE), 'I': stats(NE, N),
    'w_mean_mV': float(w.mean()), 'w_hist_over_wmax': hist.tolist(),
    'timing': {'import_s': t0 - t_import, 'setup_s': t_setup - t0,
               'build_s': t_build - t_setup,
               'run_wall_s': t_run - t_build, 'sim_s': sim_s,
               'total_s': t_run - t_import},
    'brian2': b2.__version__,
}
print(json.dumps(res))
if args.out:
    with open(args.out, 'w') as f:
        json.dump(res, f, indent=1)
