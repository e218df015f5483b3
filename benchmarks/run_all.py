"""All side-by-side benchmarks in one table: ours vs the mmdet/mmseg built-ins, as ratios from the same run.

Module micro-benchmarks (sampler, Balanced L1, BFP, Lovasz, IB focal in segmentation and detection heads), COCO evaluation, and end to end: training
iteration, inference and peak memory of Libra Faster R-CNN and Libra RetinaNet with our modules vs mmdet's
(on COCO128 when it is under `data/` or LIBRA_SHARED_DATA, else on generated shapes images).

    python benchmarks/run_all.py [--device cuda] [--skip-e2e]
"""
import argparse
import os
import os.path as osp
import platform
import tempfile

import torch

import bench_balanced_l1
import bench_bfp
import bench_coco_eval
import bench_e2e
import bench_ib_detection
import bench_sampler
import bench_seg_losses
from common import COLUMNS, print_table


def e2e_data(tmp: str) -> list:
    if osp.exists(osp.join(bench_coco_eval.COCO128, 'annotations', 'instances_train96.json')):
        return ['--data-root', bench_coco_eval.COCO128 + '/', '--train-ann', 'annotations/instances_train96.json',
                '--val-ann', 'annotations/instances_val32.json', '--val-img', 'train2017/']
    from libra_plugin.datasets import make_shapes_coco
    make_shapes_coco(tmp, num_train=16, num_val=16, size=320, seed=0)
    return ['--data-root', tmp + '/', '--train-ann', 'annotations/instances_train.json', '--train-img', 'train/',
            '--val-ann', 'annotations/instances_val.json', '--val-img', 'val/']


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--skip-e2e', action='store_true', help='module and evaluation benchmarks only')
    args = parser.parse_args()
    print(f'machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, torch {torch.__version__}'
          f', threads {torch.get_num_threads()}'
          + (f', {torch.cuda.get_device_name()}' if args.device.startswith('cuda') else ''))
    rows = bench_sampler.run(args.device) + bench_sampler.load_rows(args.device) + bench_balanced_l1.run(args.device)
    rows += bench_bfp.run(args.device, batch=2 if args.device.startswith('cuda') else 1)
    rows += bench_seg_losses.run(args.device)
    rows += bench_ib_detection.run(args.device)
    rows += bench_coco_eval.run()
    if not args.skip_e2e:
        with tempfile.TemporaryDirectory() as tmp:
            rows += bench_e2e.run(args.device, e2e_data(tmp))
    print_table('ours vs built-in (ratio < 1: ours is faster / smaller)', rows, COLUMNS)


if __name__ == '__main__':
    main()
