"""Learning curves against a floor: ``curves_vs_floor.md`` and ``curves_vs_floor.png`` of an experiment whose spec
names a ``floor`` config (e.g. PiCIE's untrained model: the same evaluation of the pretrained features alone).

For every other config whose records hold validations (``run.json``'s ``curves``), per validation step: the mean ±
std over seeds of each metric, and the paired difference from the floor's final value of the same seed (mean, raw
95 % Student-t interval, exact sign-flip p). A curve is a description, read to choose a schedule, not a family of
hypotheses: its intervals are uncorrected and carry no mark. The plot draws each config's mean curve with a band of
± one std over seeds (each seed a thin line), and the floor's mean ± std as a grey band.
"""
import os.path as osp
from typing import Dict, List, Optional

from .stats import fmt_difference, fmt_mean_std, paired_difference, summary


def _steps(run: dict, key: str) -> Dict[int, float]:
    return {row['step']: row[key] for row in run.get('curves', {}).get('val', []) if key in row}


def _floor_summary(spec: dict, runs: List[dict], key: str, scale: float) -> dict:
    """Mean ± std over seeds of the floor's final ``key``."""
    return summary([scale * r['metrics'][key] for r in runs if r['name'] == spec['floor'] and key in r['metrics']])


def curve_rows(spec: dict, runs: List[dict], name: str) -> List[dict]:
    """``[{step, seeds, metric: (summary, difference)}]`` of config ``name`` against the floor (module doc)."""
    floor = {r['seed']: r for r in runs if r['name'] == spec['floor']}
    mine = [r for r in runs if r['name'] == name and r['seed'] in floor]
    steps = sorted({s for r in mine for s in _steps(r, spec['metrics'][0][1])})
    out = []
    for step in steps:
        row = dict(step=step, seeds=0, cells={})
        for label, key, scale in spec['metrics']:
            pairs = [(scale * _steps(r, key)[step], scale * floor[r['seed']]['metrics'][key]) for r in mine
                     if step in _steps(r, key) and key in floor[r['seed']]['metrics']]
            row['seeds'] = max(row['seeds'], len(pairs))
            d = paired_difference([a for a, _ in pairs], [b for _, b in pairs]) if pairs else None
            row['cells'][label] = (summary([a for a, _ in pairs]), None if d is None else dict(d, holm=False))
        out.append(row)
    return out


def render_curves(spec: dict, runs: List[dict]) -> Optional[str]:
    """The markdown, or None when no config other than the floor logged validations."""
    names = [n for n in spec['order'] if n != spec['floor'] and any(r['name'] == n and r.get('curves', {}).get('val')
                                                                      for r in runs)]
    if not names:
        return None
    labels = [m[0] for m in spec['metrics']]
    floor_stats = {label: _floor_summary(spec, runs, key, scale) for label, key, scale in spec['metrics']}
    lines = [f"# {spec['name']}: learning curves against {spec['floor']}", '']
    for name in names:
        lines += [f'## {name}', '', '| step | seeds | ' + ' | '.join(labels) + ' | '
                  + ' | '.join(f'Δ{k} vs floor' for k in labels) + ' |', '|---:|---:|' + '---:|' * 2 * len(labels)]
        for row in curve_rows(spec, runs, name):
            lines.append(f"| {row['step']} | {row['seeds']} | "
                         + ' | '.join(fmt_mean_std(row['cells'][k][0]) for k in labels) + ' | '
                         + ' | '.join(fmt_difference(row['cells'][k][1]) for k in labels) + ' |')
        lines.append('')
    lines += [f"floor ({spec['floor']}): " + ', '.join(f'{k} {fmt_mean_std(floor_stats[k])}' for k in labels), '',
              'Mean ± sample std over seeds at each validation step; Δ: paired with the floor of the same seed, mean '
              '[raw 95 % Student-t interval] and the exact sign-flip p. Uncorrected and unmarked: a curve describes, '
              'it is not a family of tests.']
    return '\n'.join(lines) + '\n'


def plot_curves_vs_floor(spec: dict, runs: List[dict], out_dir: str) -> None:
    """``curves_vs_floor.png``: one panel per metric (the first four), each config's mean ± std over seeds with its
    seeds as thin lines, the floor's mean ± std as a grey band."""
    from .report_plots import _pyplot
    plt = _pyplot()
    metrics = spec['metrics'][:4]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.4), squeeze=False)
    names = [n for n in spec['order'] if n != spec['floor']]
    for ax, (label, key, scale) in zip(axes[0], metrics):
        f = _floor_summary(spec, runs, key, scale)
        if f['n']:
            ax.axhspan(f['mean'] - f['std'], f['mean'] + f['std'], color='0.85', label=f"{spec['floor']} (floor)")
            ax.axhline(f['mean'], color='0.4', lw=1)
        for k, name in enumerate(names):
            rows = curve_rows(spec, runs, name)
            if not rows:
                continue
            steps = [r['step'] for r in rows]
            means = [r['cells'][label][0]['mean'] for r in rows]
            halves = [r['cells'][label][0]['std'] for r in rows]
            for run in (r for r in runs if r['name'] == name):
                own = sorted(_steps(run, key).items())
                ax.plot([s for s, _ in own], [scale * v for _, v in own], color=f'C{k}', lw=0.6, alpha=0.5)
            ax.plot(steps, means, marker='o', ms=3, color=f'C{k}', label=name)
            ax.fill_between(steps, [m - h for m, h in zip(means, halves)], [m + h for m, h in zip(means, halves)],
                            color=f'C{k}', alpha=0.2)
        ax.set_title(label)
        ax.set_xlabel('validation (epoch or iteration)')
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'curves_vs_floor.png'), dpi=110)
    plt.close(fig)
