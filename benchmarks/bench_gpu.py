"""The GPU check: host synchronisations, time, peak memory, determinism and autocast of the plugin's maths, on a
machine with only torch (no OpenMMLab package, no internet): ``libra_plugin.functional`` against explicit
references written out here (mmdet's IoU-balanced sampler on numpy, mmcv's non-local block with its HW x HW
affinity matrix, mmdet's Balanced L1 formula, a bare sort, cross-entropy).

    python benchmarks/bench_gpu.py [--device cuda] [--small] [--out-json gpu.json] [--out-md gpu.md]

Writes one JSON and one markdown table. ``--small`` shrinks every workload (the CPU test runs it that way).
"""
import argparse
import json
import os
import platform
import sys
import warnings

os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')  # deterministic cuBLAS, before CUDA starts
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # benchmarks/common.py and the repository's libra_plugin
from common import interleaved_ms, peak_mib  # noqa: E402
from libra_plugin.functional import (balanced_l1, embedded_gaussian_attention, gaussian_l1, integrate_levels,  # noqa
                                     iou_balanced_neg_sample, lovasz_hinge, lovasz_softmax, scatter_levels)
from libra_plugin.functional.ib_focal import feature_l1_norm, ib_focal  # noqa: E402
from libra_plugin.functional.reduction import masked_mean  # noqa: E402


def mmdet_iou_balanced_neg(max_overlaps, neg_inds, num_expected, num_bins=3, rng=np.random):
    """mmdet 3.3 ``IoUBalancedNegSampler._sample_neg`` with ``floor_thr=-1`` (its first call), as written there:
    the IoUs to numpy, Python sets per bin, the result back to the device."""
    neg_set = set(neg_inds.cpu().numpy())
    overlaps = max_overlaps.cpu().numpy()
    iou_sampling_set = set(np.where(overlaps > -1)[0]) & neg_set
    max_iou = overlaps.max()
    iou_interval = (max_iou - 0) / num_bins
    per_bin = int(num_expected / num_bins)
    sampled = []
    for i in range(num_bins):
        start, end = i * iou_interval, (i + 1) * iou_interval
        tmp = list(set(np.where(np.logical_and(overlaps >= start, overlaps < end))[0]) & iou_sampling_set)
        sampled += list(rng.choice(tmp, size=per_bin, replace=False)) if len(tmp) > per_bin else tmp
    if len(sampled) < num_expected:
        extra = np.array(list(iou_sampling_set - set(sampled)))
        sampled += list(rng.choice(extra, size=num_expected - len(sampled), replace=False))
    return torch.from_numpy(np.array(sampled)).long().to(max_overlaps.device)


def count_syncs(fn, device):
    """Host synchronisations of one ``fn()`` (CUDA's sync debug mode); None on other devices."""
    if not device.startswith('cuda'):
        return None
    torch.cuda.synchronize()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        torch.cuda.set_sync_debug_mode('warn')
        try:
            fn()
        finally:
            torch.cuda.set_sync_debug_mode(0)
    return sum('synchroniz' in str(w.message) for w in caught)


def peak(fn, device):
    """Peak CUDA memory of ``fn()`` in MiB (common.peak_mib); None on CPU (reported as n/a)."""
    return peak_mib(fn, device) if device.startswith('cuda') else None


def sampler_rows(device, small):
    g = torch.Generator().manual_seed(0)
    n = 500 if small else 2050
    ious = torch.where(torch.rand(n, generator=g) < 0.7, torch.rand(n, generator=g) * 0.05,
                       torch.rand(n, generator=g) * 0.75).to(device)

    def ours():
        return iou_balanced_neg_sample(ious, torch.nonzero(ious < 0.5).view(-1), 96 if small else 384, bin_range='all')

    def ref():
        return mmdet_iou_balanced_neg(ious, torch.nonzero(ious < 0.5).view(-1), 96 if small else 384)

    t = interleaved_ms({'ours': ours, 'ref': ref}, device, warmup=2, repeats=5 if small else 50)
    return [dict(benchmark='IoU-balanced sampling, one image: host syncs', device=device, ours=count_syncs(ours, device),
                 ref='mmdet (numpy)', ref_value=count_syncs(ref, device), unit='syncs'),
            dict(benchmark='IoU-balanced sampling, one image: time', device=device, ours=t['ours'], ref='mmdet (numpy)',
                 ref_value=t['ref'], unit='ms', ratio=t['ours'] / t['ref'])]


class PurePyramid(torch.nn.Module):
    """BFP non_local (integrate, refine, scatter) in plain torch; ``explicit``: mmcv's NonLocal2d aggregation with
    the HW x HW affinity matrix; else the plugin's ``embedded_gaussian_attention``."""

    def __init__(self, channels, explicit, deterministic=False):
        super().__init__()
        self.explicit, self.deterministic = explicit, deterministic
        self.g, self.theta, self.phi, self.out = (torch.nn.Conv2d(channels, channels, 1) for _ in range(4))

    def forward(self, xs):
        bsf = integrate_levels(xs, 2, self.deterministic)
        theta, phi, g = self.theta(bsf), self.phi(bsf), self.g(bsf)
        if self.explicit:
            b, c, h, w = bsf.shape
            pairwise = torch.matmul(theta.flatten(2).transpose(1, 2), phi.flatten(2)).softmax(-1)
            y = torch.matmul(pairwise, g.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, c, h, w)
        else:
            y = embedded_gaussian_attention(theta, phi, g)
        return scatter_levels(bsf + self.out(y), xs, 2, self.deterministic)


def bfp_rows(device, small):
    sizes = [(200, 336), (100, 168), (50, 84), (25, 42), (13, 21)]
    sizes, channels, batch = ([(h // 8 + 1, w // 8 + 1) for h, w in sizes], 16, 1) if small else (sizes, 256, 2)
    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(batch, channels, h, w, generator=g).to(device).requires_grad_() for h, w in sizes]
    torch.manual_seed(0)
    ours = PurePyramid(channels, False).to(device)
    ref = PurePyramid(channels, True).to(device)
    ref.load_state_dict(ours.state_dict())

    def step(neck):
        for x in xs:
            x.grad = None
        torch.autograd.backward(neck(xs), [torch.ones_like(x) for x in xs])
        return [x.grad.clone() for x in xs]

    t = interleaved_ms({'ours': lambda: step(ours), 'ref': lambda: step(ref)}, device, warmup=1,
                       repeats=3 if small else 10)
    mem = {k: peak(lambda n=n: step(n), device) for k, n in (('ours', ours), ('ref', ref))}
    torch.use_deterministic_algorithms(True)
    try:
        ours.deterministic = True
        first, second = step(ours), step(ours)
    finally:
        torch.use_deterministic_algorithms(False)
        ours.deterministic = False
    same = all(torch.equal(a, b) for a, b in zip(first, second))
    close = max((a - b).abs().max().item() for a, b in zip(step(ours), step(ref)))
    name = f'BFP non_local fwd+bwd, batch {batch}, {sizes[0][0]}x{sizes[0][1]} P2'
    return [dict(benchmark=name + ': time', device=device, ours=t['ours'], ref='explicit HWxHW (mmcv)',
                 ref_value=t['ref'], unit='ms', ratio=t['ours'] / t['ref']),
            dict(benchmark=name + ': peak memory', device=device, ours=mem['ours'], ref='explicit HWxHW (mmcv)',
                 ref_value=mem['ref'], unit='MiB', ratio=None if mem['ours'] is None else mem['ours'] / mem['ref']),
            dict(benchmark=name + ': input gradients of two deterministic runs bit-identical', device=device,
                 ours=same, ref='max |ours - explicit| of the gradients', ref_value=close, unit='')]


def mmdet_balanced_l1(pred, target, alpha=0.5, gamma=1.5, beta=1.0):
    diff = (pred - target).abs()
    b = np.e**(gamma / alpha) - 1
    return torch.where(diff < beta, alpha / b * (b * diff + 1) * torch.log(b * diff / beta + 1) - alpha * diff,
                       gamma * diff + gamma / b - alpha * beta)


def loss_rows(device, small):
    g = torch.Generator().manual_seed(0)
    s = 64 if small else 512
    logits = torch.randn(8, s, s, generator=g).to(device).requires_grad_()
    binary = torch.randint(0, 2, (8, s, s), generator=g).to(device)
    scores = torch.randn(8, 19, s, s, generator=g).to(device).requires_grad_()
    labels = torch.randint(0, 19, (8, s, s), generator=g).to(device)
    feature = torch.randn(8, 512 if not small else 32, s // 8, s // 8, generator=g).to(device).requires_grad_()
    pred = torch.randn(512 * 4 if not small else 64, 4, generator=g).to(device).requires_grad_()
    target = torch.randn(pred.shape, generator=g).to(device)

    def bwd(fn, *ts):
        for t in ts:
            t.grad = None
        fn().backward()

    def sort_floor():
        errors = 1 - logits.reshape(8, -1) * (2 * binary.reshape(8, -1) - 1)
        return torch.sort(errors, dim=1, descending=True)[0].sum()

    def ib():
        norm = feature_l1_norm(feature, (s, s))
        return masked_mean(ib_focal(scores, labels, norm, alpha=1000.0), labels < 255)

    pairs = [(f'Lovász hinge per image fwd+bwd 8x{s}x{s}', lambda: lovasz_hinge(logits, binary), sort_floor,
              'errors + sort (floor)', (logits, )),
             (f'IB focal fwd+bwd 8x19x{s}x{s} + features', ib, lambda: F.cross_entropy(scores, labels),
              'F.cross_entropy', (scores, feature)),
             (f'Balanced L1 fwd+bwd {tuple(pred.shape)}', lambda: balanced_l1(pred, target).mean(),
              lambda: mmdet_balanced_l1(pred, target).mean(), 'mmdet formula', (pred, ))]
    rows = []
    for name, ours, ref, ref_name, leaves in pairs:
        t = interleaved_ms({'ours': lambda: bwd(ours, *leaves), 'ref': lambda: bwd(ref, *leaves)}, device, warmup=1,
                           repeats=3 if small else 10)
        rows.append(dict(benchmark=name, device=device, ours=t['ours'], ref=ref_name, ref_value=t['ref'], unit='ms',
                         ratio=t['ours'] / t['ref']))
    return rows


def autocast_rows(device, small):
    """Every functional loss / op under fp16 and bf16 autocast: finite, and its relative error against fp32."""
    g = torch.Generator().manual_seed(1)
    s = 32 if small else 128
    x = torch.randn(4, s, s, generator=g).to(device)
    lab2 = torch.randint(0, 2, (4, s, s), generator=g).to(device)
    scores = torch.randn(4, 5, s, s, generator=g).to(device)
    lab5 = torch.randint(0, 5, (4, s, s), generator=g).to(device)
    feat = torch.randn(4, 8, s // 4, s // 4, generator=g).to(device)
    boxes, tgt = (torch.rand(256, 4, generator=g).to(device) for _ in range(2))
    levels = [torch.randn(2, 8, s // 2**i, s // 2**i, generator=g).to(device) for i in range(4)]
    cases = {  # c: the inputs as a model under autocast hands them over (in the low precision)
        'balanced_l1': lambda c: balanced_l1(c(boxes * 2), c(tgt * 2)).mean(),
        'gaussian_l1': lambda c: gaussian_l1(c(boxes), c(tgt)).mean(),
        'lovasz_hinge': lambda c: lovasz_hinge(c(x * 2), lab2),
        'lovasz_softmax': lambda c: lovasz_softmax(c(scores * 2).softmax(1), lab5),
        'ib_focal': lambda c: ib_focal(c(scores * 2), lab5, feature_l1_norm(c(feat * 2), (s, s)), alpha=10.0).mean(),
        'embedded_gaussian_attention': lambda c: embedded_gaussian_attention(*(c(levels[1]) for _ in range(3))).mean(),
        'integrate + scatter levels': lambda c: sum(o.float().mean() for o in scatter_levels(
            integrate_levels([c(v) for v in levels], 1), [c(v) for v in levels], 1)),
    }
    rows = []
    for dtype, tol in ((torch.float16, 1e-2), (torch.bfloat16, 2e-2)):
        for name, fn in cases.items():
            full = fn(lambda t: t).float()
            try:
                with torch.autocast(device_type=device.split(':')[0], dtype=dtype):
                    low = fn(lambda t, d=dtype: t.to(d)).float()
                err = ((low - full).abs() / full.abs().clamp_min(1e-6)).item()
                ok = bool(torch.isfinite(low)) and err <= tol
            except RuntimeError as e:  # an op without a kernel for this dtype on this device
                err, ok = None, f'not run: {str(e).splitlines()[0][:80]}'
            rows.append(dict(benchmark=f'{name} under {str(dtype)[6:]} autocast', device=device, ours=ok,
                             ref=f'relative error vs fp32 (tolerance {tol})', ref_value=err, unit=''))
    return rows


def markdown(rows, info):
    def cell(v):
        return 'n/a' if v is None else f'{v:.3g}' if isinstance(v, float) else str(v)
    lines = [f"GPU check on {info['device_name']} (torch {info['torch']}, {info['python']})", '',
             '| benchmark | ours | reference | reference value | unit | ratio |', '|---|---:|---|---:|---|---:|']
    lines += [f"| {r['benchmark']} | {cell(r['ours'])} | {r['ref']} | {cell(r['ref_value'])} | {r['unit']} | "
              f"{cell(r.get('ratio'))} |" for r in rows]
    return '\n'.join(lines) + '\n'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--small', action='store_true', help='small workloads (a smoke run, e.g. on CPU)')
    p.add_argument('--out-json', default='bench_gpu.json')
    p.add_argument('--out-md', default='bench_gpu.md')
    args = p.parse_args(argv)
    info = dict(device_name=torch.cuda.get_device_name(0) if args.device.startswith('cuda') else platform.processor()
                or platform.machine(), torch=torch.__version__, python=platform.python_version())
    rows = []
    for part in (sampler_rows, bfp_rows, loss_rows, autocast_rows):
        rows += part(args.device, args.small)
    with open(args.out_json, 'w') as f:
        json.dump(dict(info=info, rows=rows), f, indent=1)
    text = markdown(rows, info)
    with open(args.out_md, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
