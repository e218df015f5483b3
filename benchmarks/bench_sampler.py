"""IoU-balanced negative sampling per image: ours vs mmdet's IoUBalancedNegSampler and RandomSampler.

2050 proposals (50 GT boxes among them), num=512, pos_fraction 0.25 -> 384 negatives wanted. Besides the medians
of the negative draw, one whole ``sample()`` call (positives, negatives, the sampling result) is timed, min and
median, on the quiet machine and again under a concurrent load the benchmark starts itself (a process doing
matrix products on every core, as a second training would).

    python benchmarks/bench_sampler.py [--device cuda]
"""
import argparse
import statistics
import subprocess
import sys
import time

import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.models.task_modules.samplers import IoUBalancedNegSampler as MMDetSampler
from mmdet.models.task_modules.samplers import RandomSampler
from mmengine.structures import InstanceData

from common import COLUMNS, interleaved_ms, print_table
from libra_plugin.models import IoUBalancedNegSampler


def make_assign_result(device: str, num_props: int = 2050, num_gts: int = 50) -> AssignResult:
    g = torch.Generator().manual_seed(0)
    n = num_props - num_gts
    ious = torch.where(torch.rand(n, generator=g) < 0.7, torch.rand(n, generator=g) * 0.05,
                       torch.rand(n, generator=g) * 0.75)
    gt_inds = torch.where(ious >= 0.5, torch.randint(1, num_gts + 1, (n, ), generator=g), 0)
    return AssignResult(num_gts, torch.cat([torch.arange(1, num_gts + 1), gt_inds]).to(device),
                        torch.cat([torch.ones(num_gts), ious]).to(device), labels=None)


def run(device: str = 'cpu') -> list:
    result = make_assign_result(device)
    ours = IoUBalancedNegSampler(512, 0.25)
    ours_all = IoUBalancedNegSampler(512, 0.25, bin_range='all')

    def mmdet_call():  # a fresh sampler each call: mmdet's changes its floor_thr on the first one
        return MMDetSampler(512, 0.25)._sample_neg(result, 384)

    times = interleaved_ms({
        'ours': lambda: ours._sample_neg(result, 384),
        'ours_all': lambda: ours_all._sample_neg(result, 384),
        'mmdet': mmdet_call,
        'random': lambda: RandomSampler(512, 0.25)._sample_neg(result, 384),
    }, device, warmup=10, repeats=200)
    return [
        dict(benchmark='IoU-balanced neg sampling (1 image)', device=device, ours=times['ours'],
             ref='mmdet IoUBalancedNegSampler', ref_value=times['mmdet'], unit='ms', ratio=times['ours'] / times['mmdet']),
        dict(benchmark="  same, bin_range='all'", device=device, ours=times['ours_all'],
             ref='mmdet IoUBalancedNegSampler', ref_value=times['mmdet'], unit='ms', ratio=times['ours_all'] / times['mmdet']),
        dict(benchmark='  for scale: random sampling', device=device, ours=times['ours'],
             ref='mmdet RandomSampler', ref_value=times['random'], unit='ms', ratio=times['ours'] / times['random']),
    ]


LOAD = 'import os, torch\ntorch.set_num_threads(os.cpu_count())\na = torch.randn(1024, 1024)\nwhile True: a @ a\n'


def whole_calls(device: str, calls: int = 300) -> dict:
    """Min and median ms of one ``sample()`` call of each sampler, interleaved."""
    result = make_assign_result(device)
    result.labels = torch.zeros_like(result.gt_inds)
    pred = InstanceData(priors=torch.rand(2050, 4, device=device) * 100)
    gt = InstanceData(bboxes=torch.rand(50, 4, device=device) * 100,
                      labels=torch.zeros(50, dtype=torch.long, device=device))
    samplers = {'ours': lambda: IoUBalancedNegSampler(512, 0.25, add_gt_as_proposals=False),
                'mmdet': lambda: MMDetSampler(512, 0.25, add_gt_as_proposals=False),
                'random': lambda: RandomSampler(512, 0.25, add_gt_as_proposals=False)}
    times = {k: [] for k in samplers}
    for i in range(calls + 5):
        for name, make in samplers.items():
            sampler = make()
            start = time.perf_counter()
            sampler.sample(result, pred, gt)
            if device.startswith('cuda'):
                torch.cuda.synchronize()
            if i >= 5:
                times[name].append((time.perf_counter() - start) * 1e3)
    return {k: (min(v), statistics.median(v)) for k, v in times.items()}


def load_rows(device: str) -> list:
    rows = []
    for label, load in (('quiet', None), ('under load', LOAD)):
        proc = subprocess.Popen([sys.executable, '-c', load]) if load else None
        try:
            if proc:
                time.sleep(2)
            t = whole_calls(device)
        finally:
            if proc:
                proc.kill()
                proc.wait()
        for stat, k in (('min', 0), ('median', 1)):
            rows += [dict(benchmark=f'whole sample() call, {label}, {stat}', device=device, ours=t['ours'][k],
                          ref='mmdet IoUBalancedNegSampler', ref_value=t['mmdet'][k], unit='ms', ratio=t['ours'][k] / t['mmdet'][k]),
                     dict(benchmark='  same against random sampling', device=device, ours=t['ours'][k],
                          ref='mmdet RandomSampler', ref_value=t['random'][k], unit='ms', ratio=t['ours'][k] / t['random'][k])]
    return rows



if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    device = parser.parse_args().device
    print_table('Sampler', run(device) + load_rows(device), COLUMNS)
