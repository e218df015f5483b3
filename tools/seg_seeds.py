"""Train mmseg configs (e.g. the PiCIE CE / focal / IB focal recipes) over several seeds and compare them.

    python tools/seg_seeds.py configs/picie/picie_mnv2-fpn_camvid_ce.py configs/picie/picie_mnv2-fpn_camvid_focal.py \
        configs/picie/picie_mnv2-fpn_camvid_ibfocal.py --seeds 0 1 2 --work-dir work_dirs/picie_camvid \
        [--metrics Acc mIoU Thing_mIoU Stuff_mIoU] [--cfg-options k=v ...]

The first config is the baseline. Each (config, seed) trains with tools/train.py in WORK/<config>/seed<k>
(``randomness.seed=k``), seed-major, one at a time. Resumable (``libra_plugin.cli.records``): a finished run
(run.json written for the same prepared config) is not repeated; an interrupted one resumes from its newest
complete checkpoint; checkpoints of a changed config are not continued. The metrics are the last validation's;
WORK gets results.md and results.json: per config mean ± std over seeds, and per config the paired differences
against the baseline with 95 % Student-t intervals (tools/seed_stats.py), plus the mean training time.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List

from mmengine.config import DictAction
from seed_stats import (correct, fmt_difference, fmt_mean_std, holm_note,  # tools/ is on the path
                        paired_difference, summary)
from seg_report import last_results

from libra_plugin.cli import records
from libra_plugin.cli.config_tools import load

TOOLS = osp.dirname(osp.abspath(__file__))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('configs', nargs='+', help='mmseg configs; the first is the baseline')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4],
                   help='five by default: the fewest for a table the README quotes')
    p.add_argument('--work-dir', default='work_dirs/seg_seeds')
    p.add_argument('--metrics', nargs='+', default=['Acc', 'mIoU', 'Thing_mIoU', 'Stuff_mIoU'],
                   help='validation metrics to report (as logged, e.g. mIoU or IoU.car)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, default={}, help='applied to every config')
    args = p.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f'--seeds has repeated seeds: {args.seeds}')
    return args


def name_of(config: str) -> str:
    return osp.splitext(osp.basename(config))[0]


def last_metrics(work: str) -> Dict[str, float]:
    """The last validation's metrics of the training that made the run's checkpoints."""
    rows = [row for row in records.training_rows(work) if 'mIoU' in row]
    if not rows:
        raise RuntimeError(f'{work}: the run logged no validation (mIoU); is val_interval within the schedule?')
    metrics = {k: v for k, v in rows[-1].items() if k not in ('step', 'epoch', 'iter', 'data_time', 'time')}
    if not any(k.startswith('IoU.') for k in metrics):  # mmseg's IoUMetric prints its per-class IoU, logs none
        per_class, _ = last_results(work)
        metrics.update({f'IoU.{name}': value for name, value in per_class.items()})
    return metrics


def run_one(config: str, seed: int, args: argparse.Namespace) -> dict:
    work = osp.abspath(osp.join(args.work_dir, name_of(config), f'seed{seed}'))
    os.makedirs(work, exist_ok=True)
    cfg = load(config)
    cfg.merge_from_dict(args.cfg_options)
    cfg.randomness = dict(cfg.get('randomness', {}), seed=seed)
    cfg.work_dir = work
    prepared = osp.join(work, 'prepared_config.py')
    text = cfg.pretty_text
    done = records.finished_run(work, text)
    if done is not None:
        print(f'{name_of(config)} seed {seed}: done before, not repeated', flush=True)
        return done
    resume = records.start_training(work, text)
    with open(prepared, 'w') as f:
        f.write(text)
    cmd = [sys.executable, osp.join(TOOLS, 'train.py'), prepared, '--work-dir', work]
    cmd += ['--resume'] if resume else []
    print(f'{name_of(config)} seed {seed}: training' + (' (resuming)' if resume else ''), flush=True)
    start = time.time()
    with open(osp.join(work, 'train.log'), 'a') as log:
        if subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode != 0:
            raise RuntimeError(f'{name_of(config)} seed {seed} failed; see {work}/train.log')
    run = dict(name=name_of(config), seed=seed, config=config, train_s=time.time() - start,
               resumed=resume, metrics=last_metrics(work), config_text=text)
    records.save_run(work, run)
    return run


def report(runs: List[dict], metrics: List[str], baseline: str) -> str:
    by_name: Dict[str, Dict[int, dict]] = {}
    for run in runs:
        by_name.setdefault(run['name'], {})[run['seed']] = run
    lines = ['| config | seeds | ' + ' | '.join(metrics) + ' | train time |',
             '|---|---:|' + '---:|' * (len(metrics) + 1)]
    for name, seeds in by_name.items():
        cells = [fmt_mean_std(summary([r['metrics'][m] for r in seeds.values()])) for m in metrics]
        t = summary([r['train_s'] / 60 for r in seeds.values() if not r.get('resumed')])
        time_cell = f"{fmt_mean_std(t)} min" if t['n'] else 'n/a'
        lines.append(f'| {name} | {len(seeds)} | ' + ' | '.join(cells) + f' | {time_cell} |')
    text = '\n'.join(lines) + ('\n\nMean ± sample standard deviation over seeds (percent); train time of the runs '
                               'that were not resumed.\n')
    base = by_name.get(baseline, {})
    compared = {}
    for name, seeds in by_name.items():
        if name == baseline:
            continue
        common = sorted(set(seeds) & set(base))
        compared[name] = (common, [paired_difference([seeds[s]['metrics'][m] for s in common],
                                                     [base[s]['metrics'][m] for s in common]) for m in metrics])
    if compared:
        family = correct([d for _, diffs in compared.values() for d in diffs])
        rows = [f'| {name} | {baseline} | {len(common)} | ' + ' | '.join(map(fmt_difference, diffs)) + ' |'
                for name, (common, diffs) in compared.items()]
        text += ('\n| config | baseline | pairs | ' + ' | '.join(f'Δ{m}' for m in metrics) + ' |\n|---|---|---:|'
                 + '---:|' * len(metrics) + '\n' + '\n'.join(rows) + '\n\n'
                 + holm_note(family, f'{len(compared)} configs x {len(metrics)} metrics against {baseline}') + '\n')
    return text


def main(argv=None) -> None:
    args = parse_args(argv)
    runs = [run_one(config, seed, args) for seed in args.seeds for config in args.configs]
    for run in runs:
        missing = [m for m in args.metrics if m not in run['metrics']]
        if missing:
            raise ValueError(f"--metrics {missing} are not among {run['name']} seed {run['seed']}'s metrics: "
                             f"{sorted(run['metrics'])}")
    text = report(runs, args.metrics, name_of(args.configs[0]))
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(text)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(runs=[{k: v for k, v in r.items() if k != 'config_text'} for r in runs]), f, indent=1)
    print(text, flush=True)


if __name__ == '__main__':
    main()
