"""Re-render a multi-seed report (results.md) from its results.json with the current statistics of
tools/seed_stats.py (sign-flip p-values, Holm-corrected marks), without training anything.

    python tools/seed_report.py docs/results/ablation_aquarium/results.json           # tools/coco_benchmark.py
    python tools/seed_report.py docs/results/lovasz_car/results.json --metrics aAcc mIoU IoU.car   # seg_seeds.py
    python tools/seed_report.py RESULTS.json --baseline NAME --out DIR   # every other config against NAME
    python tools/seed_report.py A/results.json B/results.json --out DIR  # one table (one Holm family) of both

The file's runs decide the kind: coco_benchmark's (its JSON has ``summary``; plots redrawn too) or seg_seeds'
(the first run's config is the baseline; ``--metrics`` as given to seg_seeds.py). Several files of one kind make
one report of all their runs (each config in one file only), so its Holm family is every test of the joint table.
"""
import argparse
import json
import os
import os.path as osp

from benchmark_report import write_report  # tools/ is on the path
from seg_seeds import report


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', nargs='+', help='results.json files written by coco_benchmark.py --seeds or '
                                              'seg_seeds.py (several: one joint report, --out needed)')
    p.add_argument('--metrics', nargs='+', help='seg_seeds reports: the metric columns')
    p.add_argument('--baseline', help='compare every other config with this run name instead of the recorded '
                                      'baseline(s)')
    p.add_argument('--out', help='write the report into this folder (default: beside the results.json)')
    args = p.parse_args(argv)
    if len(args.results) > 1 and not args.out:
        p.error('--out is needed with several results files')
    runs, kinds, sources = [], set(), {}
    for path in args.results:
        with open(path) as f:
            data = json.load(f)
        kinds.add('summary' in data)
        sources[path] = data.get('args', {})
        seen = {r['name'] for r in runs}
        again = [name for name in dict.fromkeys(r['name'] for r in data['runs']) if name in seen]
        if again:
            p.error(f'{path}: config {again[0]!r} is already in an earlier results file; give each config once')
        runs += data['runs']
    if len(kinds) > 1:
        p.error('the results files mix coco_benchmark.py and seg_seeds.py records; give one kind')
    names = list(dict.fromkeys(r['name'] for r in runs))
    if args.baseline is not None and args.baseline not in names:
        p.error(f'--baseline: no run named {args.baseline!r} in {" ".join(args.results)}; runs: {", ".join(names)}')
    out_dir = args.out or osp.dirname(osp.abspath(args.results[0]))
    os.makedirs(out_dir, exist_ok=True)
    if kinds.pop():
        if args.baseline:
            runs = [dict(r, baseline=args.baseline) for r in runs]
        write_report(runs, sources.popitem()[1] if len(sources) == 1 else dict(joined=sources), out_dir)
    else:
        if not args.metrics:
            p.error('--metrics is needed for a seg_seeds.py report')
        with open(osp.join(out_dir, 'results.md'), 'w') as f:
            f.write(report(runs, args.metrics, args.baseline or names[0]))
    with open(osp.join(out_dir, 'results.md')) as f:
        print(f.read())


if __name__ == '__main__':
    main()
