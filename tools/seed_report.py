"""Re-render a multi-seed report (results.md) from its results.json with the current statistics of
tools/seed_stats.py (sign-flip p-values, Holm-corrected marks), without training anything.

    python tools/seed_report.py docs/results/ablation_aquarium/results.json           # tools/coco_benchmark.py
    python tools/seed_report.py docs/results/lovasz_car/results.json --metrics aAcc mIoU IoU.car   # seg_seeds.py

The file's runs decide the kind: coco_benchmark's (its JSON has ``summary``; plots redrawn too) or seg_seeds'
(the first run's config is the baseline; ``--metrics`` as given to seg_seeds.py).
"""
import argparse
import json
import os.path as osp

from benchmark_report import write_report  # tools/ is on the path
from seg_seeds import report


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', help='a results.json written by coco_benchmark.py --seeds or seg_seeds.py')
    p.add_argument('--metrics', nargs='+', help='seg_seeds reports: the metric columns')
    args = p.parse_args(argv)
    with open(args.results) as f:
        data = json.load(f)
    out_dir = osp.dirname(osp.abspath(args.results))
    if 'summary' in data:
        write_report(data['runs'], data.get('args', {}), out_dir)
    else:
        if not args.metrics:
            p.error('--metrics is needed for a seg_seeds.py report')
        with open(osp.join(out_dir, 'results.md'), 'w') as f:
            f.write(report(data['runs'], args.metrics, data['runs'][0]['name']))
    with open(osp.join(out_dir, 'results.md')) as f:
        print(f.read())


if __name__ == '__main__':
    main()
