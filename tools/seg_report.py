"""Per-class IoU of finished segmentation runs, side by side, from their logs (mmseg's IoUMetric table).

    python tools/seg_report.py work_dirs/seg/ce work_dirs/seg/ibfocal [--names CE "IB focal"]

Reads the last "per class results" table of each run's newest log and prints a markdown table: one row per
class, one column per run, plus mIoU, mAcc and aAcc.
"""
import argparse
import glob
import os.path as osp
import re
from typing import Dict, List, Tuple


def last_results(work_dir: str) -> Tuple[Dict[str, float], Dict[str, float]]:
    """``({class: IoU}, {'mIoU', 'mAcc', 'aAcc'})`` from the newest log of ``work_dir``."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    if not logs:
        raise FileNotFoundError(f'no log under {work_dir}/<timestamp>/')
    text = open(logs[-1]).read()
    start = text.rfind('per class results:')
    if start < 0:
        raise ValueError(f'{logs[-1]} has no per-class results (did the run reach its validation?)')
    per_class = {}
    for line in text[start:].splitlines()[1:]:
        if line.startswith('+') and per_class:
            break
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if line.startswith('|') and len(cells) >= 2 and re.fullmatch(r'[0-9.]+|nan', cells[1]):
            per_class[cells[0]] = float(cells[1])
    summary = {k: float(v) for k, v in re.findall(r'(aAcc|mIoU|mAcc): ([0-9.]+)', text[start:])[:3]}
    return per_class, summary


def table(work_dirs: List[str], names: List[str]) -> str:
    results = [last_results(d) for d in work_dirs]
    lines = ['| class | ' + ' | '.join(names) + ' |', '|---|' + '---|' * len(names)]
    for cls in results[0][0]:
        lines.append(f'| {cls} | ' + ' | '.join(f'{r[0][cls]:.2f}' for r in results) + ' |')
    for key in ('mIoU', 'mAcc', 'aAcc'):
        lines.append(f'| **{key}** | ' + ' | '.join(f'{r[1].get(key, float("nan")):.2f}' for r in results) + ' |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--names', nargs='+', help='column titles (default: the work dir names)')
    args = parser.parse_args()
    names = args.names or [osp.basename(osp.normpath(d)) for d in args.work_dirs]
    if len(names) != len(args.work_dirs):
        raise ValueError(f'--names needs {len(args.work_dirs)} titles, got {len(names)}')
    print(table(args.work_dirs, names))


if __name__ == '__main__':
    main()
