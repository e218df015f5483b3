"""Re-render a multi-seed report (results.md) from its results.json with the current statistics of
tools/seed_stats.py (sign-flip p-values, Holm-corrected marks), without training anything.

    python tools/seed_report.py docs/results/ablation_aquarium/results.json           # tools/coco_benchmark.py
    python tools/seed_report.py docs/results/lovasz_car/results.json --metrics aAcc mIoU IoU.car   # seg_seeds.py
    python tools/seed_report.py RESULTS.json --baseline NAME --out DIR   # every other config against NAME

The file's runs decide the kind: coco_benchmark's (its JSON has ``summary``; plots redrawn too) or seg_seeds'
(the first run's config is the baseline; ``--metrics`` as given to seg_seeds.py).
"""
import argparse
import json
import os
import os.path as osp

from benchmark_report import write_report  # tools/ is on the path
from seg_seeds import report


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', help='a results.json written by coco_benchmark.py --seeds or seg_seeds.py')
    p.add_argument('--metrics', nargs='+', help='seg_seeds reports: the metric columns')
    p.add_argument('--baseline', help='compare every other config with this run name instead of the recorded '
                                      'baseline(s)')
    p.add_argument('--out', help='write the report into this folder (default: beside the results.json)')
    args = p.parse_args(argv)
    with open(args.results) as f:
        data = json.load(f)
    runs = data['runs']
    names = list(dict.fromkeys(r['name'] for r in runs))
    if args.baseline is not None and args.baseline not in names:
        p.error(f'--baseline: no run named {args.baseline!r} in {args.results}; runs: {", ".join(names)}')
    out_dir = args.out or osp.dirname(osp.abspath(args.results))
    os.makedirs(out_dir, exist_ok=True)
    if 'summary' in data:
        if args.baseline:
            runs = [dict(r, baseline=args.baseline) for r in runs]
        write_report(runs, data.get('args', {}), out_dir)
    else:
        if not args.metrics:
            p.error('--metrics is needed for a seg_seeds.py report')
        with open(osp.join(out_dir, 'results.md'), 'w') as f:
            f.write(report(runs, args.metrics, args.baseline or names[0]))
    with open(osp.join(out_dir, 'results.md')) as f:
        print(f.read())


if __name__ == '__main__':
    main()
