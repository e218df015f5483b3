"""The report of tools/coco_benchmark.py: a markdown table, a JSON with every number, AP bars and training curves."""
import json
import os.path as osp
from typing import List

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


def table(runs: List[dict]) -> str:
    cols = columns(runs)
    timed = any(run['train_s'] is not None for run in runs)
    lines = ['| config | ' + ' | '.join(c for c, _ in cols) + (' | train time |' if timed else ' |'),
             '|---|' + '---:|' * (len(cols) + timed)]
    for run in runs:
        values = [metric(run, k) for _, k in cols]
        # mmdet reports no metric at all when a model predicts nothing: that is an AP of 0
        cells = ['n/a' if v is not None and v < 0 else f'{100 * (v or 0):.1f}' for v in values]  # -1: no such box
        train = '' if run['train_s'] is None else f"{run['train_s'] / 60:.1f} min"
        lines.append(f"| {run['name']} | " + ' | '.join(cells) + (f' | {train} |' if timed else ' |'))
    return '\n'.join(lines) + ('\n\nAP and AR in percent (COCO evaluation of the last checkpoint); n/a: no ground '
                                'truth box of that size.\n')


def plot(runs: List[dict], out_dir: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cols = columns(runs)
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(cols)), 3.6))
    width = 0.8 / max(1, len(runs))
    for i, run in enumerate(runs):
        values = [100 * max(metric(run, k) or 0, 0) for _, k in cols]  # -1 (no such box): no bar
        ax.bar([j + (i - (len(runs) - 1) / 2) * width for j in range(len(cols))], values, width, label=run['name'])
    ax.set_xticks(range(len(cols)), [c for c, _ in cols])
    ax.set_ylabel('%')
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'ap_bars.png'), dpi=120)
    plt.close(fig)

    fig, (ax_loss, ax_map) = plt.subplots(1, 2, figsize=(10, 3.6))
    for run in runs:
        loss = run['curves']['loss']
        if loss:
            ax_loss.plot([s for s, _ in loss], [v for _, v in loss], label=run['name'], lw=1)
        key = cols[0][1] if cols else None
        val = [(row['step'], row[k]) for row in run['curves']['val'] for k in row if k.split('/', 1)[-1] == key]
        if val:
            ax_map.plot([s for s, _ in val], [100 * v for _, v in val], marker='o', label=run['name'])
    ax_loss.set(xlabel='iteration', ylabel='training loss', yscale='log')
    ax_map.set(xlabel='iteration (or epoch)', ylabel=f'{cols[0][0] if cols else "metric"} (%)')
    for ax in (ax_loss, ax_map):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'curves.png'), dpi=120)
    plt.close(fig)


def write_report(runs: List[dict], args: dict, out_dir: str) -> None:
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(table(runs))
    with open(osp.join(out_dir, 'results.json'), 'w') as f:
        json.dump(dict(args=args, runs=runs), f, indent=1)
    plot(runs, out_dir)
