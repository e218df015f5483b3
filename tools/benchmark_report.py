"""The report of tools/coco_benchmark.py: a markdown table, a JSON with every number, AP bars and training curves;
with several seeds also mean ± std per config, paired differences against each config's baseline with 95 %
Student-t intervals, and a plot with error bars."""
import json
import os.path as osp
from typing import Dict, List

from seed_stats import correct, fmt_difference, fmt_mean_std, holm_note, paired_difference, summary

BBOX = [('AP', 'bbox_mAP'), ('AP50', 'bbox_mAP_50'), ('AP75', 'bbox_mAP_75'), ('APs', 'bbox_mAP_s'),
        ('APm', 'bbox_mAP_m'), ('APl', 'bbox_mAP_l')]
PROPOSAL = [('AR@100', 'AR@100'), ('AR@300', 'AR@300'), ('AR@1000', 'AR@1000')]


def columns(runs: List[dict]) -> list:
    keys = {k.split('/', 1)[-1] for r in runs for k in r['metrics']}
    cols = [(label, key) for label, key in BBOX + PROPOSAL if key in keys]
    return cols or BBOX  # no run predicted anything


def metric(run: dict, key: str):
    for k, v in run['metrics'].items():
        if k.split('/', 1)[-1] == key:
            return v
    return None


def percent(run: dict, key: str):
    """The metric in percent; mmdet reports no metric when a model predicts nothing (an AP of 0); None for COCO's
    -1 (no ground-truth box of that size)."""
    v = metric(run, key)
    return None if v is not None and v < 0 else 100 * (v or 0)


def table(runs: List[dict]) -> str:
    cols = columns(runs)
    timed = any(run['train_s'] is not None for run in runs)
    seeded = any(run.get('seed') is not None for run in runs)
    lines = ['| config | ' + ('seed | ' if seeded else '') + ' | '.join(c for c, _ in cols)
             + (' | train time |' if timed else ' |'), '|---|' + '---:|' * (len(cols) + timed + seeded)]
    for run in runs:
        cells = ['n/a' if v is None else f'{v:.1f}' for v in (percent(run, k) for _, k in cols)]
        train = '' if run['train_s'] is None else f"{run['train_s'] / 60:.1f} min"
        lines.append(f"| {run['name']} | " + (f"{run['seed']} | " if seeded else '') + ' | '.join(cells)
                     + (f' | {train} |' if timed else ' |'))
    return '\n'.join(lines) + ('\n\nAP and AR in percent (COCO evaluation of the last checkpoint); n/a: no ground '
                                'truth box of that size.\n')


def seed_summary(runs: List[dict]) -> Dict[str, dict]:
    """Per config: its seeds, baseline, mean ± std of every metric, and the paired differences (seeds both ran)."""
    by_name: Dict[str, List[dict]] = {}
    for run in runs:
        by_name.setdefault(run['name'], []).append(run)
    out = {}
    for name, group in by_name.items():
        base_name = group[0].get('baseline')
        base = {r['seed']: r for r in by_name.get(base_name, [])} if base_name and base_name != name else {}
        entry = dict(seeds=[r['seed'] for r in group], baseline=base_name if base else None, mean_std={}, diff={},
                     train_s=summary([r['train_s'] for r in group if r['train_s'] is not None]))
        for label, key in columns(runs):
            values = [percent(r, key) for r in group]
            entry['mean_std'][label] = summary([v for v in values if v is not None])
            pairs = [(v, percent(base[r['seed']], key)) for r, v in zip(group, values) if r['seed'] in base]
            pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
            if base:
                entry['diff'][label] = paired_difference([a for a, _ in pairs], [b for _, b in pairs])
        out[name] = entry
    return out


def seed_tables(stats: Dict[str, dict]) -> str:
    labels = list(next(iter(stats.values()))['mean_std'])
    lines = ['| config | seeds | ' + ' | '.join(labels) + ' | train time |', '|---|---:|' + '---:|' * (len(labels) + 1)]
    for name, e in stats.items():
        t = e['train_s']
        lines.append(f"| {name} | {len(e['seeds'])} | " + ' | '.join(fmt_mean_std(e['mean_std'][k]) for k in labels)
                     + f" | {fmt_mean_std(dict(t, mean=t['mean'] / 60, std=t['std'] / 60)) + ' min' if t['n'] else ''} |")
    text = '\n'.join(lines) + '\n\nMean ± sample standard deviation over seeds, in percent.\n'
    compared = {n: e for n, e in stats.items() if e['baseline']}
    if compared:
        family = correct([e['diff'][k] for e in compared.values() for k in labels])
        lines = ['| config | baseline | pairs | ' + ' | '.join(f'Δ{k}' for k in labels) + ' |',
                 '|---|---|---:|' + '---:|' * len(labels)]
        for name, e in compared.items():
            n = e['diff'][labels[0]]['n']
            lines.append(f"| {name} | {e['baseline']} | {n} | "
                         + ' | '.join(fmt_difference(e['diff'][k]) for k in labels) + ' |')
        text += ('\n' + '\n'.join(lines) + '\n\n' + holm_note(
            family, f'{len(compared)} configs x {len(labels)} metrics, each against its baseline') + '\n')
    return text


def plot(runs: List[dict], out_dir: str) -> None:
    """ap_bars.png: each config's metrics (the mean over its seeds, ± std bars where it has several); curves.png:
    training loss and validation AP per run, one colour per config."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    cols = columns(runs)
    names = list(dict.fromkeys(r['name'] for r in runs))
    colour = {name: f'C{i % 10}' for i, name in enumerate(names)}
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(cols)), 3.6))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        values = np.array([[100 * max(metric(r, k) or 0, 0) for _, k in cols]  # -1 (no such box): 0, no bar
                           for r in runs if r['name'] == name])
        seeds = len(values)
        ax.bar([j + (i - (len(names) - 1) / 2) * width for j in range(len(cols))], values.mean(0), width,
               yerr=values.std(0, ddof=1) if seeds > 1 else None, capsize=2, color=colour[name],
               label=name if seeds == 1 else f'{name} ({seeds} seeds)')
    ax.set_xticks(range(len(cols)), [c for c, _ in cols])
    ax.set_ylabel('%')
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'ap_bars.png'), dpi=120)
    plt.close(fig)

    fig, (ax_loss, ax_map) = plt.subplots(1, 2, figsize=(10, 3.6))
    key = cols[0][1] if cols else None
    labelled = set()  # one legend entry per config
    for run in runs:
        style = dict(color=colour[run['name']], label=None if run['name'] in labelled else run['name'])
        labelled.add(run['name'])
        loss = run['curves']['loss']
        if loss:
            ax_loss.plot([s for s, _ in loss], [v for _, v in loss], lw=1, **style)
        val = [(row['step'], row[k]) for row in run['curves']['val'] for k in row if k.split('/', 1)[-1] == key]
        if val:
            ax_map.plot([s for s, _ in val], [100 * v for _, v in val], marker='o', **style)
    ax_loss.set(xlabel='iteration', ylabel='training loss', yscale='log')
    ax_map.set(xlabel='iteration (or epoch)', ylabel=f'{cols[0][0] if cols else "metric"} (%)')
    for ax in (ax_loss, ax_map):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'curves.png'), dpi=120)
    plt.close(fig)


def plot_seeds(stats: Dict[str, dict], runs: List[dict], out_dir: str) -> None:
    """AP per config (mean, ± std bars, the seeds as dots) and the paired AP differences with their intervals."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    label, key = columns(runs)[0]
    names = list(stats)
    compared = [n for n in names if stats[n]['baseline']]
    fig, axes = plt.subplots(1, 2 if compared else 1, figsize=(11 if compared else 6, 0.45 * len(names) + 1.6),
                             squeeze=False)
    ax = axes[0][0]
    for i, name in enumerate(names):
        s = stats[name]['mean_std'][label]
        ax.errorbar(s['mean'], i, xerr=s['std'], fmt='o', color='C0', capsize=4)
        points = [percent(r, key) for r in runs if r['name'] == name]
        ax.scatter([p for p in points if p is not None], [i] * sum(p is not None for p in points), s=10,
                   color='0.5', zorder=3)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel=f'{label} (%): mean ± std over seeds, seeds as dots')
    if compared:
        ax = axes[0][1]
        for i, name in enumerate(compared):
            d = stats[name]['diff'][label]
            err = [[d['mean'] - d['low']], [d['high'] - d['mean']]] if d['n'] > 1 else None
            ax.errorbar(d['mean'], i, xerr=err, fmt='o', capsize=4, color='C2' if d.get('holm') else 'C1')
        ax.axvline(0, color='0.4', lw=0.8)
        ax.set_yticks(range(len(compared)), [f"{n}\n− {stats[n]['baseline']}" for n in compared], fontsize=6)
        ax.invert_yaxis()
        ax.set(xlabel=f'paired Δ{label} (points), 95 % interval')
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'seeds.png'), dpi=120)
    plt.close(fig)


def write_report(runs: List[dict], args: dict, out_dir: str) -> None:
    text = table(runs)
    stats = seed_summary(runs) if any(run.get('seed') is not None for run in runs) else None
    if stats:
        text = seed_tables(stats) + '\nEvery run:\n\n' + text
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(text)
    with open(osp.join(out_dir, 'results.json'), 'w') as f:
        json.dump(dict(args=args, runs=runs, summary=stats), f, indent=1)
    plot(runs, out_dir)
    if stats:
        plot_seeds(stats, runs, out_dir)
