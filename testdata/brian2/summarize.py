#!/usr/bin/python3
"""Summarise the <model>_seed<k>.json files of this folder (written by
run.sh with the scripts of bench/brian2) into reference.json and print
Markdown tables (used for README.md).
Usage: /usr/bin/python3 testdata/brian2/summarize.py"""
import glob, json, os, re, statistics as st

HERE = os.path.dirname(os.path.abspath(__file__))


def load(model):
    fs = sorted(glob.glob(os.path.join(HERE, f'{model}_seed*.json')),
                key=lambda f: int(re.search(r'seed(\d+)', f).group(1)))
    return [json.load(open(f)) for f in fs]


def summ(vals):
    vals = [float(v) for v in vals if v is not None]
    return {'mean': st.fmean(vals), 'sd': st.stdev(vals) if len(vals) > 1 else 0.0,
            'min': min(vals), 'max': max(vals), 'n': len(vals)}


def network(model, runs):
    stats = {}
    keys = ['rate_hz', 'cv_isi_mean', 'cv_isi_median', 'rate_std_hz',
            'frac_silent', 'pop_count_cv', 'n_cv']
    for win, tag in [('full', ''), ('steady_after_0.1s', 'steady_')]:
        for pop in ['E', 'I']:
            for k in keys:
                stats[f'{tag}{k}_{pop}'] = summ(r['stats'][win][pop][k] for r in runs)
    stats['rate_hz_all'] = summ(r['rate_hz_all'] for r in runs)
    stats['n_synapses'] = summ(r['n_synapses'] for r in runs)
    r0 = runs[0]
    par = {'scale': r0['scale'], 'duration_s': r0['duration_s'], 'dt_ms': r0['dt_ms'],
           'N': r0['N'], 'N_E': r0['N_E'], 'N_I': r0['N_I'],
           'seeds': [r['seed'] for r in runs], 'device': r0['device']}
    for k in ['p_connect', 'CE', 'CI', 'regime', 'g', 'eta',
              'external_poisson_rate_hz']:
        if k in r0:
            par[k] = r0[k]
    par['model_params'] = r0['params']
    return {'params': par, 'stats': stats}


def stdp(runs):
    stats = {}
    for k in ['post_rate_hz', 'post_rate_last10s_hz', 'input_rate_hz',
              'w_mean_final', 'w_frac_below_0.1', 'w_frac_above_0.9']:
        stats[k] = summ(r[k] for r in runs)
    nb = len(runs[0]['w_hist_counts'])
    for b in range(nb):
        stats[f'w_hist_bin{b:02d}'] = summ(r['w_hist_counts'][b] for r in runs)
    for ti, t in enumerate(runs[0]['w_mean_timecourse']['t_s']):
        if t in (1.0, 5.0, 10.0, 19.0):
            stats[f'w_mean_t{int(t)}s'] = summ(
                r['w_mean_timecourse']['mean_w_over_gmax'][ti] for r in runs)
    r0 = runs[0]
    par = {'scale': r0['scale'], 'duration_s': r0['duration_s'], 'dt_ms': r0['dt_ms'],
           'N': r0['N'], 'N_inputs': r0['N_inputs'], 'w_hist_edges': r0['w_hist_edges'],
           'seeds': [r['seed'] for r in runs], 'device': r0['device'],
           'model_params': r0['params']}
    return {'params': par, 'stats': stats}


def brunel_plastic(runs):
    stats = {}
    for pop in ['E', 'I']:
        for k in ['rate_hz', 'cv_isi']:
            stats[f'{k}_{pop}'] = summ(r[pop][k] for r in runs)
    stats['w_mean_mV'] = summ(r['w_mean_mV'] for r in runs)
    r0 = runs[0]
    par = {'scale': r0['scale'], 'duration_s': r0['duration_s'], 'N': r0['N'],
           'n_synapses': r0['n_synapses'], 'n_plastic': r0['n_plastic'],
           'seeds': [r['seed'] for r in runs], 'device': r0['device']}
    return {'params': par, 'stats': stats}


def fI(runs):
    tab0 = runs[0]['table']
    identical = all(r['table'] == tab0 for r in runs)
    stats = {'spikes_total': summ(r['spikes_total'] for r in runs),
             'mean_rate_hz': summ(r['rate_hz']['mean_over_neurons'] for r in runs),
             'max_abs_dev_isi_vs_discrete_pred_hz':
                 summ(r['max_abs_dev_isi_vs_discrete_pred_hz'] for r in runs),
             'max_rel_dev_isi_vs_analytic':
                 summ(r['max_rel_dev_isi_vs_analytic'] for r in runs)}
    fire = [row for row in tab0 if row[2] > 0]
    stats['max_abs_dev_count_vs_analytic_hz'] = summ(
        [max(abs(row[2] - row[4]) for row in tab0)])
    stats['max_abs_dev_isi_vs_analytic_hz'] = summ(
        [max(abs(row[3] - row[4]) for row in tab0)])
    r0 = runs[0]
    par = {'scale': r0['scale'], 'duration_s': r0['duration_s'], 'dt_ms': r0['dt_ms'],
           'N': r0['N'], 'seeds': [r['seed'] for r in runs], 'device': r0['device'],
           'deterministic_identical_across_seeds': identical,
           'first_firing_RI_mV': fire[0][1],
           'table_columns': r0['table_columns'],
           'table': tab0, 'model_params': r0['params']}
    return {'params': par, 'stats': stats}


ref = {'_meta': {'brian2': None, 'generated_by': 'summarize.py', 'source': 'run.sh',
                 'scripts': 'bench/brian2/*.py'}}
for m in ['cuba', 'coba', 'brunel', 'brunel_s1']:
    ref[m] = network(m, load(m))
ref['stdp'] = stdp(load('stdp'))
ref['stdp_T100'] = stdp(load('stdp_T100'))
ref['fI'] = fI(load('fI'))
ref['brunel_plastic'] = brunel_plastic(load('brunel_plastic'))
v = load('cuba')[0]['versions']
ref['_meta'].update(brian2=v['brian2'], numpy=v['numpy'], python=v['python'],
                    cpu=v['cpu'])
with open(os.path.join(HERE, 'reference.json'), 'w') as f:
    json.dump(ref, f, indent=1)


def fmt(x):
    if abs(x) >= 100 or x == int(x):
        return f'{x:.1f}' if x != int(x) else f'{int(x)}'
    return f'{x:.4g}'


for m in ['cuba', 'coba', 'brunel', 'brunel_s1', 'stdp', 'stdp_T100', 'fI',
          'brunel_plastic']:
    s = ref[m]['stats']
    print(f'\n### {m}  (n = {next(iter(s.values()))["n"]})\n')
    print('| statistic | mean | sd | min | max |')
    print('|---|---|---|---|---|')
    for k, d in s.items():
        if m.startswith('stdp') and k.startswith('w_hist_bin'):
            continue
        print(f"| {k} | {fmt(d['mean'])} | {fmt(d['sd'])} | {fmt(d['min'])} | {fmt(d['max'])} |")
    if m.startswith('stdp'):
        print('\nFinal w/gmax histogram (20 bins on [0,1], counts of 1000): mean (min–max) per bin:\n')
        print(' '.join(f"{s[f'w_hist_bin{b:02d}']['mean']:.0f}({s[f'w_hist_bin{b:02d}']['min']:.0f}–{s[f'w_hist_bin{b:02d}']['max']:.0f})" for b in range(20)))
