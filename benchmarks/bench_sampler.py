"""IoU-balanced negative sampling per image: ours vs mmdet's IoUBalancedNegSampler and RandomSampler.

2050 proposals (50 GT boxes among them), num=512, pos_fraction 0.25 -> 384 negatives wanted.

    python benchmarks/bench_sampler.py [--device cuda]
"""
import argparse

import torch
from mmdet.models.task_modules.assigners import AssignResult
from mmdet.models.task_modules.samplers import IoUBalancedNegSampler as MMDetSampler
from mmdet.models.task_modules.samplers import RandomSampler

from common import interleaved_ms, print_table
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
        dict(benchmark='IoU-balanced neg sampling (1 image)', device=device, ours_ms=times['ours'],
             ref='mmdet IoUBalancedNegSampler', ref_ms=times['mmdet'], ratio=times['ours'] / times['mmdet']),
        dict(benchmark="  same, bin_range='all'", device=device, ours_ms=times['ours_all'],
             ref='mmdet IoUBalancedNegSampler', ref_ms=times['mmdet'], ratio=times['ours_all'] / times['mmdet']),
        dict(benchmark='  for scale: random sampling', device=device, ours_ms=times['ours'],
             ref='mmdet RandomSampler', ref_ms=times['random'], ratio=times['ours'] / times['random']),
    ]


COLUMNS = ['benchmark', 'device', 'ours_ms', 'ref', 'ref_ms', 'ratio']

if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    print_table('Sampler', run(parser.parse_args().device), COLUMNS)
