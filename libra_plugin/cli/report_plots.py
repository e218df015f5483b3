"""The plots of an experiment's report (:mod:`libra_plugin.cli.report`), drawn with matplotlib (Agg)."""
import os.path as osp
from typing import Dict, List


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_all(spec: dict, runs: List[dict], stats: Dict[str, dict], out_dir: str) -> None:
    plot_bars(spec, runs, out_dir)
    plot_seeds(spec, runs, stats, out_dir)
    if any(r.get('curves', {}).get('loss') or r.get('curves', {}).get('val') for r in runs):
        plot_curves(spec, runs, out_dir)


def plot_bars(spec: dict, runs: List[dict], out_dir: str) -> None:
    """``ap_bars.png``: each config's metrics, the mean over its seeds with ± std bars."""
    import numpy as np

    from .report import value
    plt = _pyplot()
    metrics = spec['metrics']
    names = list(dict.fromkeys(r['name'] for r in runs))
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(metrics)), 3.6))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        values = np.array([[max(value(r, k, s) or 0, 0) for _, k, s in metrics] for r in runs if r['name'] == name])
        seeds = len(values)
        ax.bar([j + (i - (len(names) - 1) / 2) * width for j in range(len(metrics))], values.mean(0), width,
               yerr=values.std(0, ddof=1) if seeds > 1 else None, capsize=2, color=f'C{i % 10}',
               label=name if seeds == 1 else f'{name} ({seeds} seeds)')
    ax.set_xticks(range(len(metrics)), [m[0] for m in metrics])
    ax.set_ylabel('%')
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'ap_bars.png'), dpi=120)
    plt.close(fig)


def plot_seeds(spec: dict, runs: List[dict], stats: Dict[str, dict], out_dir: str) -> None:
    """``seeds.png``: the first metric per config (mean ± std, each seed a dot) and the paired differences with their
    95 % intervals (green where Holm marks them)."""
    from .report import value
    plt = _pyplot()
    label, key, scale = spec['metrics'][0]
    names = list(stats)
    compared = [n for n in names if stats[n]['baseline']]
    fig, axes = plt.subplots(1, 2 if compared else 1, figsize=(11 if compared else 6, 0.45 * len(names) + 1.6),
                             squeeze=False)
    ax = axes[0][0]
    for i, name in enumerate(names):
        s = stats[name]['mean_std'][label]
        ax.errorbar(s['mean'], i, xerr=s['std'], fmt='o', color='C0', capsize=4)
        points = [p for p in (value(r, key, scale) for r in runs if r['name'] == name) if p is not None]
        ax.scatter(points, [i] * len(points), s=10, color='0.5', zorder=3)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel=f'{label}: mean ± std over seeds, seeds as dots')
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


def plot_curves(spec: dict, runs: List[dict], out_dir: str) -> None:
    """``curves.png``: training loss and the first metric at each validation, per run, one colour per config."""
    plt = _pyplot()
    label, key, scale = spec['metrics'][0]
    names = list(dict.fromkeys(r['name'] for r in runs))
    colour = {name: f'C{i % 10}' for i, name in enumerate(names)}
    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 3.6))
    labelled = set()
    for run in runs:
        style = dict(color=colour[run['name']], label=None if run['name'] in labelled else run['name'])
        labelled.add(run['name'])
        curves = run.get('curves', {})
        if curves.get('loss'):
            ax_loss.plot([s for s, _ in curves['loss']], [v for _, v in curves['loss']], lw=1, **style)
        val = [(row['step'], scale * row[key]) for row in curves.get('val', []) if key in row]
        if val:
            ax_val.plot([s for s, _ in val], [v for _, v in val], marker='o', **style)
    ax_loss.set(xlabel='iteration', ylabel='training loss', yscale='log')
    ax_val.set(xlabel='iteration (or epoch)', ylabel=label)
    for ax in (ax_loss, ax_val):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'curves.png'), dpi=120)
    plt.close(fig)
