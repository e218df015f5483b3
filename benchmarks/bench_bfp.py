"""Balanced feature pyramid forward + backward: ours vs mmdet's BFP (non_local refine, 5 levels x 256 channels).

Levels of an 800 x 1344 input (P2 200 x 336 ... P6 13 x 21). Time: median of interleaved runs in one process.
Peak memory: the most one fwd+bwd (after a warm-up one) holds above the inputs, each variant in a fresh process
(``benchmarks/common.py peak_mib``).

    python benchmarks/bench_bfp.py [--device cuda] [--batch 2]
"""
import argparse
import json

import torch
from mmdet.models.necks import BFP as MMDetBFP

from common import COLUMNS, interleaved_ms, peak_mib, print_table, run_isolated
from libra_plugin.models import BFP

SIZES = [(200, 336), (100, 168), (50, 84), (25, 42), (13, 21)]


def build(kind: str, device: str):
    cls = BFP if kind == 'ours' else MMDetBFP
    torch.manual_seed(0)
    return cls(256, 5, refine_level=2, refine_type='non_local').to(device)


def inputs(batch: int, device: str):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(batch, 256, h, w, generator=g).to(device).requires_grad_() for h, w in SIZES]


def step(neck, xs):
    for x in xs:
        x.grad = None
    outs = neck(xs)
    torch.autograd.backward(outs, [torch.ones_like(o) for o in outs])


def child_peak(kind: str, device: str, batch: int) -> float:
    neck, xs = build(kind, device), inputs(batch, device)
    step(neck, xs)
    return peak_mib(lambda: step(neck, xs), device)


def run(device: str = 'cpu', batch: int = 1) -> list:
    necks = {k: build(k, device) for k in ('ours', 'mmdet')}
    xs = inputs(batch, device)
    times = interleaved_ms({k: (lambda n=n: step(n, xs)) for k, n in necks.items()}, device, warmup=2,
                           repeats=10)
    mem = {k: json.loads(run_isolated(__file__, '--child', k, '--device', device, '--batch', str(batch)))
           for k in necks}
    return [
        dict(benchmark=f'BFP non_local fwd+bwd, batch {batch}', device=device, ours=times['ours'],
             ref='mmdet BFP', ref_value=times['mmdet'], unit='ms', ratio=times['ours'] / times['mmdet']),
        dict(benchmark=f'BFP non_local peak memory, batch {batch}', device=device, ours=mem['ours'],
             ref='mmdet BFP', ref_value=mem['mmdet'], unit='MiB', ratio=mem['ours'] / mem['mmdet']),
    ]


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--child', choices=['ours', 'mmdet'], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_peak(args.child, args.device, args.batch)))
        raise SystemExit
    print_table('Balanced feature pyramid', run(args.device, args.batch), COLUMNS)
