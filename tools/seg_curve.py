"""Learning curves of multi-seed segmentation runs (tools/seg_seeds.py work dirs), against a floor.

    python tools/seg_curve.py work_dirs/picie_dev --config picie_mnv2-fpn_camvid-dev_ce \
        --floor picie_mnv2-fpn_camvid-dev_floor --metrics Acc mIoU [--out docs/results/picie_dev/curve]

Reads every validation of WORK/<config>/seed<k> (of the training that made each run's checkpoints: a resumed
run's later rows replace the ones it redid, an abandoned training's are left out) and writes a markdown table (per
validation step: mean ± std over seeds, and the paired difference with the floor's last validation of the same
seed, raw 95 % t interval and sign-flip p) and a plot with one line per seed. The floor is a config validated
once, e.g. PiCIE's one epoch at learning rate 0.
"""
import argparse
import glob
import os.path as osp
from typing import Dict, List

from seed_stats import fmt_difference, fmt_mean_std, paired_difference, summary  # tools/ is on the path

from libra_plugin.cli import records


def validations(run_dir: str) -> Dict[int, dict]:
    """Step -> the metrics of that validation, of the training that made the run's checkpoints."""
    return {int(row['step']): row for row in records.training_rows(run_dir) if 'mIoU' in row}


def seeds_of(work: str, config: str) -> Dict[int, Dict[int, dict]]:
    out = {}
    for run_dir in sorted(glob.glob(osp.join(work, config, 'seed*'))):
        rows = validations(run_dir)
        if rows:
            out[int(osp.basename(run_dir)[4:])] = rows
    if not out:
        raise FileNotFoundError(f'no validation under {work}/{config}/seed*/')
    return out


def curve_table(curve: Dict[int, Dict[int, dict]], floor: Dict[int, Dict[int, dict]], metrics: List[str]) -> str:
    steps = sorted({s for rows in curve.values() for s in rows})
    base = {seed: rows[max(rows)] for seed, rows in floor.items()}
    head = '| step | seeds | ' + ' | '.join(metrics) + ''.join(f' | Δ{m} vs floor' for m in metrics) + ' |'
    lines = [head, '|---:|---:|' + '---:|' * (2 * len(metrics))]
    for step in steps:
        seeds = sorted(s for s, rows in curve.items() if step in rows)
        cells = [fmt_mean_std(summary([curve[s][step][m] for s in seeds])) for m in metrics]
        paired = [s for s in seeds if s in base]
        diffs = [fmt_difference(paired_difference([curve[s][step][m] for s in paired],
                                                  [base[s][m] for s in paired])) for m in metrics]
        lines.append(f'| {step} | {len(seeds)} | ' + ' | '.join(cells + diffs) + ' |')
    floor_cells = [fmt_mean_std(summary([base[s][m] for s in sorted(base)])) for m in metrics]
    lines.append(f'| floor | {len(base)} | ' + ' | '.join(floor_cells) + ' |' + ' |' * len(metrics))
    return '\n'.join(lines) + ('\n\nMean ± std over seeds per validation step (epoch); Δ: paired with the floor of '
                               'the same seed, mean [raw 95 % t interval], * where it excludes 0 (uncorrected: a '
                               'curve, not a table of recipes), and the exact sign-flip p.\n')


def plot(curve, floor, metrics: List[str], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4), squeeze=False)
    for ax, m in zip(axes[0], metrics):
        for i, (seed, rows) in enumerate(sorted(curve.items())):
            steps = sorted(rows)
            ax.plot(steps, [rows[s][m] for s in steps], marker='o', ms=3, color=f'C{i}', label=f'seed {seed}')
            if seed in floor:
                ax.axhline(floor[seed][max(floor[seed])][m], color=f'C{i}', ls='--', lw=0.8)
        ax.set(xlabel='epoch', ylabel=f'{m} (%)', title=f'{m}; dashed: floor of the same seed')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('work_dir', help='the --work-dir of tools/seg_seeds.py')
    p.add_argument('--config', required=True, help='the trained config (its name, as a folder of WORK)')
    p.add_argument('--floor', required=True, help='the floor config (its name)')
    p.add_argument('--metrics', nargs='+', default=['Acc', 'mIoU'])
    p.add_argument('--out', help='write OUT.md and OUT.png')
    args = p.parse_args(argv)
    curve, floor = seeds_of(args.work_dir, args.config), seeds_of(args.work_dir, args.floor)
    text = curve_table(curve, floor, args.metrics)
    if args.out:
        with open(args.out + '.md', 'w') as f:
            f.write(text)
        plot(curve, floor, args.metrics, args.out + '.png')
    print(text)


if __name__ == '__main__':
    main()
