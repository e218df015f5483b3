"""Segmentation losses, forward + backward: ours vs mmseg's LovaszLoss, a bare sort, and cross-entropy.

* Lovász hinge, binary, per image, 8 x 512 x 512 logits: ours, mmseg ``LovaszLoss(binary, per_image)`` and a bare
  ``torch.sort`` of the same ``[8, 262144]`` errors (the floor any exact Lovász implementation pays).
* IB focal, 8 x 19 x 512 x 512 logits with 8 x 512 x 64 x 64 features (as an mmseg head produces them), against
  cross-entropy on the same logits.

    python benchmarks/bench_seg_losses.py [--device cuda] [--size 512]
"""
import argparse

import torch
import torch.nn.functional as F
from mmseg.models.losses import LovaszLoss

from common import COLUMNS, interleaved_ms, print_table
from libra_plugin.models import IBFocalLoss, LovaszHingeLoss


def run(device: str = 'cpu', size: int = 512, repeats: int = 5) -> list:
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(8, 1, size, size, generator=g).to(device).requires_grad_()
    label = torch.randint(0, 2, (8, size, size), generator=g).to(device)
    ours, ref = LovaszHingeLoss(per_image=True), LovaszLoss(loss_type='binary', per_image=True, reduction='mean')

    def step(fn):
        logits.grad = None
        fn().backward()

    def bare_sort():
        errors = 1 - logits[:, 0].reshape(8, -1) * (2 * label.reshape(8, -1) - 1)
        return torch.sort(errors, dim=1, descending=True)[0].sum()

    t = interleaved_ms({'ours': lambda: step(lambda: ours(logits, label)),
                        'mmseg': lambda: step(lambda: ref(logits[:, 0], label)),
                        'sort': lambda: step(bare_sort)}, device, warmup=1, repeats=repeats)
    rows = [
        dict(benchmark=f'Lovász hinge per-image fwd+bwd 8x{size}x{size}', device=device, ours=t['ours'],
             ref='mmseg LovaszLoss', ref_value=t['mmseg'], unit='ms', ratio=t['ours'] / t['mmseg']),
        dict(benchmark='  same, against a bare sort (fwd+bwd)', device=device, ours=t['ours'], ref='torch.sort',
             ref_value=t['sort'], unit='ms', ratio=t['ours'] / t['sort']),
    ]
    del logits, label
    scores = torch.randn(8, 19, size, size, generator=g).to(device).requires_grad_()
    labels = torch.randint(0, 19, (8, size, size), generator=g).to(device)
    feature = torch.randn(8, 512, size // 8, size // 8, generator=g).to(device).requires_grad_()
    ib = IBFocalLoss(alpha=1000.0, class_weight=[1.0] * 19)
    ib.start()

    def ib_step():
        scores.grad = feature.grad = None
        ib.set_feature(feature)
        ib(scores, labels).backward()

    def ce_step():
        scores.grad = None
        F.cross_entropy(scores, labels).backward()

    t = interleaved_ms({'ib': ib_step, 'ce': ce_step}, device, warmup=1, repeats=repeats)
    rows.append(dict(benchmark=f'IB focal fwd+bwd 8x19x{size}x{size} (+features)', device=device, ours=t['ib'],
                     ref='F.cross_entropy', ref_value=t['ce'], unit='ms', ratio=t['ib'] / t['ce']))
    return rows


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--size', type=int, default=512)
    args = parser.parse_args()
    print_table('Segmentation losses', run(args.device, args.size), COLUMNS)
