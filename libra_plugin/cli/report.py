"""The one report writer of the experiment tool: ``results.md`` and the plots of an experiment, from its
``results.json`` alone (``python -m libra_plugin report NAME|results.json``).

``results.json`` holds ``spec`` (what the report compares: the metrics as ``[label, key, scale]``, each config's
baseline, the declared interactions, a title and notes) and ``runs`` (one record per config and seed, as
:mod:`libra_plugin.cli.records` writes them). The report: mean ± std per config over its seeds; the paired
differences against each config's baseline with raw 95 % Student-t intervals, exact sign-flip p-values and
Holm–Bonferroni marks over the table's family (:mod:`libra_plugin.cli.stats`); the declared interactions
``Δ(combined) − Σ Δ(part)`` paired by seed, a table and a Holm family of their own; every run; and the plots
``ap_bars.png`` (means with ± std), ``seeds.png`` (each seed a dot, the paired intervals) and ``curves.png``
(training loss and validations, where the records have them); with a ``floor`` in the spec, the learning curves
against it (:mod:`libra_plugin.cli.report_curves`).
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional

from .stats import correct, fmt_difference, fmt_mean_std, holm_note, paired_difference, signed, summary


def value(run: dict, key: str, scale: float = 1.0) -> Optional[float]:
    """A run's metric ``key`` times ``scale``; None where the host reports none (COCO's -1: no ground-truth box of
    that size); a detector that predicted nothing has no COCO metric at all: 0. ``mean(a,b,c)`` is the mean of
    those metrics (None if one is missing)."""
    if key.startswith('mean(') and key.endswith(')'):
        parts = [value(run, k.strip(), scale) for k in key[5:-1].split(',')]
        return None if any(p is None for p in parts) else sum(parts) / len(parts)
    metrics = run['metrics']
    if key not in metrics:
        return 0.0 if any(k.startswith('coco/') for k in metrics) or not metrics else None
    v = metrics[key]
    return None if v is None or (scale != 1 and v < 0) else scale * v


def _by_name(runs: List[dict]) -> Dict[str, List[dict]]:
    out: Dict[str, List[dict]] = {}
    for run in runs:
        out.setdefault(run['name'], []).append(run)
    return out


def summarise(spec: dict, runs: List[dict]) -> Dict[str, dict]:
    """Per config: its seeds, its baseline (None for a baseline), mean ± std of every metric, the paired differences
    with its baseline (the seeds both ran) and the training time (runs never resumed)."""
    groups = _by_name(runs)
    baselines = spec.get('baselines', {})
    out = {}
    for name, group in groups.items():
        base_name = baselines.get(name)
        base = {r['seed']: r for r in groups.get(base_name, [])} if base_name and base_name != name else {}
        times = [r['train_s'] for r in group if r.get('train_s') is not None and not r.get('resumed')]
        entry = dict(seeds=[r['seed'] for r in group], baseline=base_name if base else None, mean_std={}, diff={},
                     train_s=summary(times))
        for label, key, scale in spec['metrics']:
            values = [value(r, key, scale) for r in group]
            entry['mean_std'][label] = summary([v for v in values if v is not None])
            if base:
                pairs = [(v, value(base[r['seed']], key, scale)) for r, v in zip(group, values) if r['seed'] in base]
                pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
                entry['diff'][label] = paired_difference([a for a, _ in pairs], [b for _, b in pairs])
        out[name] = entry
    return out


def interactions(spec: dict, runs: List[dict]) -> List[dict]:
    """Each declared interaction ``dict(name, baseline, parts, combined)``: per metric the paired (by seed) mean of
    ``(combined − baseline) − Σ (part − baseline)`` with its interval; 0 is "the parts add up"."""
    groups = {name: {r['seed']: r for r in group} for name, group in _by_name(runs).items()}
    out = []
    for inter in spec.get('interactions', []):
        names = [inter['baseline'], inter['combined'], *inter['parts']]
        if not all(n in groups for n in names):
            continue
        seeds = sorted(set.intersection(*(set(groups[n]) for n in names)))
        row = dict(inter, seeds=seeds, diff={})
        for label, key, scale in spec['metrics']:
            vals = {n: [value(groups[n][s], key, scale) for s in seeds] for n in names}
            ok = [i for i in range(len(seeds)) if all(vals[n][i] is not None for n in names)]
            base = [vals[inter['baseline']][i] for i in ok]
            excess = [vals[inter['combined']][i] - base[j] - sum(vals[p][i] - base[j] for p in inter['parts'])
                      for j, i in enumerate(ok)]
            row['diff'][label] = paired_difference(excess, [0.0] * len(excess))
        out.append(row)
    return out


def differences_of_differences(spec: dict, runs: List[dict], reference: List[dict]) -> List[dict]:
    """Per compared config and metric: ``(config − baseline) − (its counterpart − the baseline's counterpart)`` in
    the ``reference`` runs (``spec['compare']``: another experiment, ``pairs`` naming each config's counterpart),
    paired by seed."""
    compare = spec.get('compare') or {}
    pairs = compare.get('pairs', {})
    here = {name: {r['seed']: r for r in group} for name, group in _by_name(runs).items()}
    there = {name: {r['seed']: r for r in group} for name, group in _by_name(reference).items()}
    out = []
    for name, base in spec.get('baselines', {}).items():
        names = [(here, name), (here, base), (there, pairs.get(name)), (there, pairs.get(base))]
        if not all(n in g for g, n in names):
            continue
        seeds = sorted(set.intersection(*(set(g[n]) for g, n in names)))
        row = dict(name=name, baseline=base, against=pairs[name], seeds=seeds, diff={})
        for label, key, scale in spec['metrics']:
            dd = []
            for s in seeds:
                x, b, rx, rb = (value(g[n][s], key, scale) for g, n in names)
                if None not in (x, b, rx, rb):
                    dd.append((x - b) - (rx - rb))
            row['diff'][label] = paired_difference(dd, [0.0] * len(dd))
        out.append(row)
    return out


def _time_cell(t: dict) -> str:
    return fmt_mean_std(dict(t, mean=t['mean'] / 60, std=t['std'] / 60)) + ' min' if t['n'] else ''


def mean_table(spec: dict, stats: Dict[str, dict]) -> List[str]:
    """Mean ± std of every metric per config, and the training time."""
    labels = [m[0] for m in spec['metrics']]
    lines = ['| config | seeds | ' + ' | '.join(labels) + ' | train time |', '|---|---:|' + '---:|' * (len(labels) + 1)]
    for name, e in stats.items():
        lines.append(f"| {name} | {len(e['seeds'])} | " + ' | '.join(fmt_mean_std(e['mean_std'][k]) for k in labels)
                     + f" | {_time_cell(e['train_s'])} |")
    return lines + ['', 'Mean ± sample standard deviation over seeds, in percent; train time: the runs that were '
                    'never resumed.', '']


def per_class_spec(spec: dict, runs: List[dict]) -> Optional[dict]:
    """The spec of the per-class table (every ``IoU.<class>`` the records hold), or None where they hold none."""
    keys = [k for k in (runs[0]['metrics'] if runs else {}) if k.startswith('IoU.')]
    return dict(spec, metrics=[[k, k, 1.0] for k in keys], interactions=[]) if keys else None


def render(spec: dict, runs: List[dict], reference: Optional[List[dict]] = None,
           bootstrap: Optional[dict] = None) -> str:
    """The markdown of the report (module doc); ``reference``: the runs of ``spec['compare']``'s experiment;
    ``bootstrap``: config -> metric -> the paired bootstrap interval over images and seeds."""
    stats = summarise(spec, runs)
    labels = [m[0] for m in spec['metrics']]
    lines = [f"# {spec['name']}" + (f": {spec['title']}" if spec.get('title') else ''), '']
    if spec.get('frozen'):
        lines += [f"Records only ({spec['frozen']}).", '']
    lines += mean_table(spec, stats)
    compared = {n: e for n, e in stats.items() if e['baseline']}
    if compared:
        family = correct([e['diff'][k] for e in compared.values() for k in labels])
        lines += ['| config | baseline | pairs | ' + ' | '.join(f'Δ{k}' for k in labels) + ' |',
                  '|---|---|---:|' + '---:|' * len(labels)]
        for name, e in compared.items():
            lines.append(f"| {name} | {e['baseline']} | {e['diff'][labels[0]]['n']} | "
                         + ' | '.join(fmt_difference(e['diff'][k]) for k in labels) + ' |')
        lines += ['', holm_note(family, f'{len(compared)} configs x {len(labels)} metrics, each against its '
                                        'baseline'), '']
        if bootstrap:
            lines += ['Paired bootstrap over the evaluated images and the seeds together (95 % percentile interval of '
                      'the mean difference, points; outside the Holm family):', '',
                      '| config | baseline | ' + ' | '.join(f'Δ{k}' for k in labels) + ' |',
                      '|---|---|' + '---:|' * len(labels)]
            for name, e in compared.items():
                cells = [bootstrap.get(name, {}).get(k) for k in labels]
                lines.append(f"| {name} | {e['baseline']} | " + ' | '.join(
                    'n/a' if c is None else f'[{signed(c[0])}, {signed(c[1])}]' for c in cells) + ' |')
            lines.append('')
    inter = interactions(spec, runs)
    if inter:
        family = correct([row['diff'][k] for row in inter for k in labels])
        lines += ['Interactions: (combined − baseline) − Σ (part − baseline), paired by seed; 0 means the '
                  "parts' differences add up.", '',
                  '| interaction | combined | parts | pairs | ' + ' | '.join(labels) + ' |',
                  '|---|---|---|---:|' + '---:|' * len(labels)]
        for row in inter:
            lines.append(f"| {row['name']} | {row['combined']} | {' + '.join(row['parts'])} | {len(row['seeds'])} | "
                         + ' | '.join(fmt_difference(row['diff'][k]) for k in labels) + ' |')
        lines += ['', holm_note(family, f'{len(inter)} interactions x {len(labels)} metrics').replace(
            'Paired differences (config − baseline, same seed)', 'Interactions'), '']
    dds = differences_of_differences(spec, runs, reference or [])
    if dds:
        family = correct([row['diff'][k] for row in dds for k in labels])
        lines += [f"Differences of differences against {spec['compare']['experiment']}: (config − baseline) − "
                  '(its counterpart − the baseline\'s counterpart there), paired by seed.', '',
                  '| config | counterpart | pairs | ' + ' | '.join(f'ΔΔ{k}' for k in labels) + ' |',
                  '|---|---|---:|' + '---:|' * len(labels)]
        for row in dds:
            lines.append(f"| {row['name']} | {row['against']} | {len(row['seeds'])} | "
                         + ' | '.join(fmt_difference(row['diff'][k]) for k in labels) + ' |')
        lines += ['', holm_note(family, f'{len(dds)} configs x {len(labels)} metrics').replace(
            'Paired differences (config − baseline, same seed)', 'Differences of differences'), '']
    lines += ['Every run:', '', '| config | seed | ' + ' | '.join(labels) + ' | train time |',
              '|---|---:|' + '---:|' * (len(labels) + 1)]
    for run in runs:
        cells = ['n/a' if v is None else f'{v:.1f}' for v in (value(run, k, s) for _, k, s in spec['metrics'])]
        t = run.get('train_s')
        lines.append(f"| {run['name']} | {run['seed']} | " + ' | '.join(cells) + ' | '
                     + ('' if t is None else f'{t / 60:.1f} min' + (' (resumed)' if run.get('resumed') else ''))
                     + ' |')
    if any(key.startswith('coco/') for _, key, _ in spec['metrics']):
        lines += ['', 'AP and AR in percent (COCO evaluation of the last checkpoint); n/a: no ground truth box of that '
                  'size.']
    if spec.get('note'):
        lines += ['', spec['note']]
    return '\n'.join(lines) + '\n'


def write(spec: dict, runs: List[dict], out_dir: str, reference: Optional[List[dict]] = None,
          bootstrap: Optional[dict] = None) -> str:
    """``results.json``, ``results.md`` and the plots into ``out_dir``; returns the markdown."""
    os.makedirs(out_dir, exist_ok=True)
    order = {name: i for i, name in enumerate(spec.get('order', []))}
    runs = sorted(runs, key=lambda r: (order.get(r['name'], len(order)), r['name'], r['seed']))
    text = render(spec, runs, reference, bootstrap)
    extra = dict(**({'reference_runs': reference} if reference else {}), **({'bootstrap': bootstrap} if bootstrap
                                                                          else {}))
    with open(osp.join(out_dir, 'results.json'), 'w') as f:
        json.dump(dict(spec=spec, runs=runs, **extra), f, indent=1)
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(text)
    per_class = per_class_spec(spec, runs)
    if per_class:
        with open(osp.join(out_dir, 'results_per_class.md'), 'w') as f:
            f.write('\n'.join(mean_table(per_class, summarise(per_class, runs))))
    from .report_plots import plot_all
    plot_all(spec, runs, summarise(spec, runs), out_dir)
    if spec.get('floor'):
        from .report_curves import plot_curves_vs_floor, render_curves
        curves = render_curves(spec, runs)
        if curves:
            with open(osp.join(out_dir, 'curves_vs_floor.md'), 'w') as f:
                f.write(curves)
            plot_curves_vs_floor(spec, runs, out_dir)
    return text


def rerender(path: str, baseline: Optional[str] = None, out_dir: Optional[str] = None) -> str:
    """Re-render a ``results.json`` (optionally every config against ``baseline``) into ``out_dir`` (default: its
    folder), training nothing."""
    with open(path) as f:
        data = json.load(f)
    if 'spec' not in data:
        raise ValueError(f'{path} is not a results.json of the experiment tool (no "spec")')
    spec, runs, reference, boot = data['spec'], data['runs'], data.get('reference_runs'), data.get('bootstrap')
    if baseline is not None:
        names = list(dict.fromkeys(r['name'] for r in runs))
        if baseline not in names:
            raise ValueError(f'--baseline {baseline!r} is not a config of {path}; its configs: {", ".join(names)}')
        spec = dict(spec, baselines={n: baseline for n in names if n != baseline}, interactions=[],
                    order=[baseline] + [n for n in spec.get('order', names) if n != baseline])
    return write(spec, runs, out_dir or osp.dirname(osp.abspath(path)), reference, None if baseline else boot)

