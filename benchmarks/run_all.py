"""All side-by-side benchmarks in one table: ours vs the mmdet/mmseg built-ins, as ratios from the same run.

    python benchmarks/run_all.py [--device cuda]
"""
import argparse
import os
import platform

import torch

import bench_balanced_l1
import bench_bfp
import bench_sampler
import bench_seg_losses
from common import print_table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    print(f'machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, torch {torch.__version__}'
          f', threads {torch.get_num_threads()}'
          + (f', {torch.cuda.get_device_name()}' if args.device.startswith('cuda') else ''))
    rows = []
    for row in bench_sampler.run(args.device) + bench_balanced_l1.run(args.device):
        rows.append(dict(row, ours=row['ours_ms'], ref_value=row['ref_ms'], unit='ms'))
    rows += bench_bfp.run(args.device, batch=2 if args.device.startswith('cuda') else 1)
    rows += bench_seg_losses.run(args.device)
    print_table('ours vs built-in (ratio < 1: ours is faster / smaller)', rows, bench_bfp.COLUMNS)


if __name__ == '__main__':
    main()
