"""Balanced L1 forward + backward on 100k x 4 box deltas: ours vs mmdet's BalancedL1Loss.

    python benchmarks/bench_balanced_l1.py [--device cuda]
"""
import argparse

import torch
from mmdet.models.losses import BalancedL1Loss as MMDetLoss

from common import COLUMNS, interleaved_ms, print_table
from libra_plugin.models import BalancedL1Loss


def run(device: str = 'cpu') -> list:
    torch.manual_seed(0)
    pred = torch.randn(100_000, 4, device=device, requires_grad=True)
    target = torch.randn(100_000, 4, device=device)
    weight = torch.rand(100_000, 4, device=device)
    rows = []
    for beta in (1.0, 0.11):
        ours, ref = BalancedL1Loss(beta=beta), MMDetLoss(beta=beta)

        def step(loss):
            pred.grad = None
            loss(pred, target, weight, avg_factor=1000.0).backward()

        times = interleaved_ms({'ours': lambda: step(ours), 'mmdet': lambda: step(ref)}, device, repeats=30)
        rows.append(dict(benchmark=f'Balanced L1 fwd+bwd 100k x 4, beta {beta}', device=device,
                         ours=times['ours'], ref='mmdet BalancedL1Loss', ref_value=times['mmdet'], unit='ms',
                         ratio=times['ours'] / times['mmdet']))
    return rows


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    print_table('Balanced L1', run(parser.parse_args().device),
                COLUMNS)
