"""Shared plumbing of Spiral's Brian2 benchmark scripts (cuba.py, coba.py,
brunel.py, stdp.py, fI.py in this folder): the command line that `go run ./bench`
passes, choosing Brian2's device, timing the phases, the spike statistics
and the JSON that the harness reads (bench/results.go, parseBrianJSON).

A script does:

    args = b2run.options('cuba', __doc__)        # parse the command line
    run = b2run.Run(args)                         # device, seed, dt
    import brian2 ...                             # build the model
    run.built()                                   # end of construction
    run.simulate(net, namespace)                  # build/compile + simulate
    run.finish({...})                             # write the JSON

Timings (seconds, wall clock unless said otherwise) in the JSON's "timing":

  setup_s          model construction in Python (runtime: synapse creation
                   included; cpp_standalone: only recorded, created by the
                   binary)
  build_s          runtime: net.run(0 ms), i.e. code generation and Cython
                   compilation (small with a warm cache);
                   cpp_standalone: code generation and compiling the project
  sim_s            Brian2's own timer around its main loop (runtime: the
                   network's last run; cpp_standalone: the binary's timer):
                   the figure compared with Spiral's simulate_s
  run_wall_s       wall time of the timed run (runtime) or of the binary
  total_process_s  from the first line of the script to writing the JSON
"""
import argparse
import json
import os
import platform
import shutil
import sys
import time

_STARTED = time.perf_counter()


def options(model, doc, duration=1.0, more=None):
    """Parses the command line shared by every script; more(parser) adds
    the script's own flags."""
    ap = argparse.ArgumentParser(
        prog=model + '.py', description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--scale', type=float, default=1.0,
                    help='network size factor (see the model above)')
    ap.add_argument('--duration', type=float, default=duration,
                    help='simulated time, s (default %(default)s)')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--dt', type=float, default=0.1, help='time step, ms')
    ap.add_argument('--device', choices=('runtime', 'cpp_standalone'),
                    default='runtime')
    ap.add_argument('--threads', type=int, default=1,
                    help='cpp_standalone: 1 = serial code, N > 1 = OpenMP '
                         'with N threads (runtime mode ignores it)')
    ap.add_argument('--builddir', default='',
                    help='cpp_standalone project directory (default: a new '
                         'temporary directory, removed afterwards)')
    ap.add_argument('--cython-cache', default='',
                    help="runtime: Brian2's Cython cache directory "
                         "(default: Brian2's own)")
    ap.add_argument('--out', default='', help='also write the JSON here')
    if more is not None:
        more(ap)
    args = ap.parse_args()
    args.model = model
    return args


class Run:
    """One benchmark run: sets up Brian2 (device, seed, dt) and measures."""

    def __init__(self, args):
        from brian2 import prefs, set_device, seed, defaultclock, ms
        self.args = args
        self.timing = {}
        self.cache_warm = None
        self.tmpdir = None
        if args.device == 'runtime':
            prefs.codegen.target = 'cython'
            if args.cython_cache:
                os.makedirs(args.cython_cache, exist_ok=True)
                prefs.codegen.runtime.cython.cache_dir = args.cython_cache
                self.cache_warm = any(
                    f.endswith('.so') for f in os.listdir(args.cython_cache))
        else:
            self.builddir = args.builddir
            if not self.builddir:
                import tempfile
                self.tmpdir = tempfile.mkdtemp(prefix=args.model + '_b2_')
                self.builddir = self.tmpdir
            set_device('cpp_standalone', directory=self.builddir,
                       build_on_run=False)
            # 0 threads: plain serial code without OpenMP.
            prefs.devices.cpp_standalone.openmp_threads = (
                args.threads if args.threads > 1 else 0)
        seed(args.seed)
        defaultclock.dt = args.dt * ms
        self._t0 = time.perf_counter()
        self.timing['import_s'] = self._t0 - _STARTED

    def built(self):
        """Marks the end of the model's construction."""
        self.timing['setup_s'] = time.perf_counter() - self._t0

    def simulate(self, net, namespace):
        """Runs net for --duration seconds and records the timings."""
        from brian2 import second, ms, device
        T = self.args.duration * second
        if 'setup_s' not in self.timing:
            self.built()
        if self.args.device == 'runtime':
            t = time.perf_counter()
            net.run(0 * ms, namespace=namespace)
            self.timing['build_s'] = time.perf_counter() - t
            t = time.perf_counter()
            net.run(T, namespace=namespace)
            self.timing['run_wall_s'] = time.perf_counter() - t
        else:
            net.run(T, namespace=namespace)
            t = time.perf_counter()
            device.build(directory=self.builddir, compile=True, run=False)
            self.timing['build_s'] = time.perf_counter() - t
            t = time.perf_counter()
            device.run(self.builddir, False, [])
            self.timing['run_wall_s'] = time.perf_counter() - t
        self.timing['sim_s'] = float(device._last_run_time)

    def finish(self, result):
        """Adds the run's settings, timings and versions to result, prints
        it as one line of JSON and writes it to --out (indented)."""
        import brian2
        import numpy
        a = self.args
        res = {'model': a.model, 'scale': a.scale, 'duration_s': a.duration,
               'dt_ms': a.dt, 'device': a.device, 'seed': a.seed,
               'threads': a.threads if a.device == 'cpp_standalone' else 1}
        res.update(result)
        if self.cache_warm is not None:
            res['cython_cache_warm'] = self.cache_warm
        res['versions'] = {'brian2': brian2.__version__,
                           'numpy': numpy.__version__,
                           'python': platform.python_version(),
                           'python_executable': sys.executable,
                           'gxx': _gxx(),
                           'cpu': _cpu_model(),
                           'ncpu': os.cpu_count(),
                           'platform': platform.platform()}
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.timing['total_process_s'] = time.perf_counter() - _STARTED
        res['timing'] = self.timing
        text = json.dumps(res, default=_plain)
        print(text)
        if a.out:   # the same object, one key a line (diffable fixtures)
            with open(a.out, 'w') as f:
                f.write(json.dumps(res, default=_plain, indent=1) + '\n')
        return res


def _plain(x):
    """numpy scalars and arrays as JSON numbers and lists."""
    if hasattr(x, 'tolist'):
        return x.tolist()
    raise TypeError(type(x).__name__)


def population_stats(i, t, first, stop, t0, t1, min_spikes=3, bin_s=1e-3):
    """Statistics of the neurons first..stop-1 over the spikes with
    t0 <= t < t1 (i: neuron indices, t: times in s); the definitions of
    testdata/brian2/README.md:

      n, spikes      neurons, spikes in the window
      rate_hz        spikes / (neurons * (t1 - t0)), silent neurons included
      rate_std_hz    std (ddof 0) over the neurons of count / (t1 - t0)
      frac_silent    fraction of neurons without a spike
      cv_isi_mean,   mean and median over the neurons with at least
      cv_isi_median  min_spikes spikes of std(ISI) / mean(ISI) (population
                     std, ddof 0); None when no neuron has that many
      n_cv           how many neurons the CV is taken over
      pop_count_cv   std / mean of the population's spike count in bins of
                     bin_s (1 ms): a synchrony indicator, about
                     sqrt(1 / (n * rate * bin_s)) when asynchronous; None
                     without spikes
    """
    import numpy as np
    i = np.asarray(i)
    t = np.asarray(t)
    keep = (i >= first) & (i < stop) & (t >= t0) & (t < t1)
    i, t = i[keep] - first, t[keep]
    n = stop - first
    T = t1 - t0
    counts = np.bincount(i, minlength=n)
    order = np.lexsort((t, i))              # by neuron, then by time
    i_s, t_s = i[order], t[order]
    same = i_s[1:] == i_s[:-1]              # consecutive spikes of one neuron
    isi, who = np.diff(t_s)[same], i_s[1:][same]
    k = np.bincount(who, minlength=n).astype(float)
    m1 = np.bincount(who, weights=isi, minlength=n)
    m2 = np.bincount(who, weights=isi * isi, minlength=n)
    ok = counts >= min_spikes
    mean = m1[ok] / k[ok]
    sd = np.sqrt(np.maximum(m2[ok] / k[ok] - mean * mean, 0.0))
    cvs = sd / mean
    # population count per bin (the whole window, bins of bin_s)
    bins = np.histogram(t, bins=max(1, int(round(T / bin_s))), range=(t0, t1))[0]
    per_neuron = counts / T
    return {'n': int(n), 'spikes': int(counts.sum()),
            'rate_hz': float(per_neuron.mean()) if n else 0.0,
            'rate_std_hz': float(per_neuron.std()) if n else 0.0,
            'frac_silent': float((counts == 0).mean()) if n else 0.0,
            'cv_isi_mean': float(cvs.mean()) if cvs.size else None,
            'cv_isi_median': float(np.median(cvs)) if cvs.size else None,
            'n_cv': int(ok.sum()),
            'pop_count_cv': (float(bins.std() / bins.mean())
                             if bins.sum() > 0 else None)}


def delivered(counts, pre):
    """Synaptic events delivered: every spike of a presynaptic neuron
    reaches each of its synapses. counts: spikes per neuron of the source
    group; pre: the source index of every synapse."""
    import numpy as np
    out_degree = np.bincount(np.asarray(pre), minlength=len(counts))
    return int((np.asarray(counts, dtype=np.int64) * out_degree).sum())


STEADY_AFTER_S = 0.1   # start of the "steady" window, s


def network_stats(i, t, pops, duration):
    """population_stats of every population pops = [(name, first, stop)]
    over the whole run ("full": [0, duration)) and, for runs longer than
    0.2 s, after the start transient ("steady_after_0.1s": [0.1 s,
    duration))."""
    out = {'full': {name: population_stats(i, t, a, b, 0.0, duration)
                    for name, a, b in pops}}
    if duration > 2 * STEADY_AFTER_S:
        out['steady_after_%gs' % STEADY_AFTER_S] = {
            name: population_stats(i, t, a, b, STEADY_AFTER_S, duration)
            for name, a, b in pops}
    return out


def network_result(i, t, pops, duration, projections, n_neurons):
    """The JSON fields of a network of populations pops = [(name, first,
    stop)]; projections = [(counts of the source group, pre indices)].
    rate_hz and cv_isi (the harness's fields) are the whole run's rate_hz
    and cv_isi_mean per population; stats holds every statistic of
    population_stats for both windows (network_stats)."""
    stats = network_stats(i, t, pops, duration)
    full = stats['full']
    return {
        'N': n_neurons,
        'n_synapses': int(sum(len(pre) for _, pre in projections)),
        'spikes_total': int(len(i)),
        'rate_hz': {k: v['rate_hz'] for k, v in full.items()},
        'rate_hz_all': float(len(i) / (n_neurons * duration)),
        'cv_isi': {k: v['cv_isi_mean'] for k, v in full.items()},
        'stats': stats,
        'syn_events': sum(delivered(c, pre) for c, pre in projections),
    }


def quantities(ns):
    """A namespace as strings with units (the JSON's "params")."""
    return {k: str(v) for k, v in ns.items()}


def _cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _gxx():
    import subprocess
    try:
        out = subprocess.run(['g++', '--version'], capture_output=True,
                             text=True, timeout=10).stdout
        return out.splitlines()[0] if out else None
    except (OSError, subprocess.SubprocessError):
        return None


if __name__ == '__main__':
    sys.exit('b2run.py is a module of the benchmark scripts; run cuba.py, '
             'coba.py, brunel.py, stdp.py or fI.py')
