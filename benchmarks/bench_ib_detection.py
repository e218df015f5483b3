"""The IB focal loss in detection heads, forward + backward, against the losses it replaces there.

* A bbox head (softmax form): 512 sampled RoIs per image x 2 images, 81 classes (80 + the background), the
  1024-d ``fc_cls`` input as the feature; against mmdet's ``CrossEntropyLoss``.
* A RetinaNet head (sigmoid form): a 640 x 640 input's five levels (strides 8-128: 8525 locations, 9 anchors each,
  76,725 anchors) x 2 images x 80 classes, 1 % of anchors positive, the 256-d ``retina_cls`` input per location
  as the feature, one loss call per level as mmdet's ``AnchorHead`` makes them; against mmdet's ``FocalLoss``
  (γ 2, α 0.25), which on a GPU runs mmcv's fused kernel and on the CPU mmdet's PyTorch version.

    python benchmarks/bench_ib_detection.py [--device cuda] [--repeats 20]
"""
import argparse

import torch
import torch.nn as nn
from mmdet.models.losses import CrossEntropyLoss, FocalLoss

from common import COLUMNS, interleaved_ms, print_table
from libra_plugin.models import IBFocalLoss


def _bbox_head(device: str, repeats: int) -> dict:
    g = torch.Generator().manual_seed(0)
    n = 2 * 512
    scores = torch.randn(n, 81, generator=g).to(device).requires_grad_()
    feature = torch.randn(n, 1024, generator=g).relu().to(device).requires_grad_()
    labels = torch.where(torch.rand(n, generator=g) < 0.25, torch.randint(0, 80, (n, ), generator=g),
                         torch.full((n, ), 80)).to(device)  # mmdet's sampler: a quarter positives
    ib, ce = IBFocalLoss(alpha=1000.0, gamma=1.0, class_weight=[1.0] * 81), CrossEntropyLoss()
    ib.start()

    def ib_step():
        scores.grad = feature.grad = None
        ib.set_feature(feature)
        ib(scores, labels, avg_factor=n).backward()

    def ce_step():
        scores.grad = None
        ce(scores, labels, avg_factor=n).backward()

    t = interleaved_ms({'ib': ib_step, 'ce': ce_step}, device, warmup=5, repeats=repeats)
    return dict(benchmark='IB focal (softmax) fwd+bwd, bbox head 2x512 RoIs x 81', device=device, ours=t['ib'],
                ref='mmdet CrossEntropyLoss', ref_value=t['ce'], unit='ms', ratio=t['ib'] / t['ce'])


def _retina_head(device: str, repeats: int) -> dict:
    g = torch.Generator().manual_seed(0)
    sizes = [640 // s for s in (8, 16, 32, 64, 128)]
    feats = [torch.randn(2, 256, s, s, generator=g).relu().to(device).requires_grad_() for s in sizes]
    scores = [torch.randn(2 * s * s * 9, 80, generator=g).to(device).requires_grad_() for s in sizes]
    labels = [torch.where(torch.rand(len(x), generator=g) < 0.01, torch.randint(0, 80, (len(x), ), generator=g),
                          torch.full((len(x), ), 80)).to(device) for x in scores]
    positives = max(1, sum(int((lab < 80).sum()) for lab in labels))
    ib = IBFocalLoss(use_sigmoid=True, alpha=1000.0, gamma=2.0, focal_alpha=0.25, class_weight=[1.0] * 80)
    focal = FocalLoss(use_sigmoid=True, gamma=2.0, alpha=0.25)
    ib.start()
    head, classifier = nn.Identity(), nn.Identity()
    ib.levels_from(head, classifier)  # as IBLossHook wires a RetinaHead: the head's forward, then retina_cls per level

    def ib_step():
        for x in scores + feats:
            x.grad = None
        head(feats[0])
        for f in feats:
            classifier(f)
        sum(ib(s, lab, avg_factor=positives) for s, lab in zip(scores, labels)).backward()

    def focal_step():
        for x in scores:
            x.grad = None
        sum(focal(s, lab, avg_factor=positives) for s, lab in zip(scores, labels)).backward()

    t = interleaved_ms({'ib': ib_step, 'focal': focal_step}, device, warmup=1, repeats=repeats)
    return dict(benchmark=f'IB focal (sigmoid) fwd+bwd, RetinaNet 2x{sum(len(s) for s in scores) // 2} anchors x 80',
                device=device, ours=t['ib'], ref='mmdet FocalLoss', ref_value=t['focal'], unit='ms',
                ratio=t['ib'] / t['focal'])


def run(device: str = 'cpu', repeats: int = 20) -> list:
    return [_bbox_head(device, repeats), _retina_head(device, repeats)]


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=20)
    args = parser.parse_args()
    print_table('IB focal in detection heads', run(args.device, args.repeats), COLUMNS)
