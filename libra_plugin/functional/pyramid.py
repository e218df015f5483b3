"""Balanced feature pyramid maths (Libra R-CNN, Pang et al., CVPR 2019, arXiv:1904.02701, §3.2), pure torch.

Integrate: every level is resized to the refine level (max pooling down, nearest up) and averaged. Refine: an
embedded-Gaussian non-local block (Wang et al., CVPR 2018) or a conv, supplied by the caller. Strengthen: the
refined map is resized back to every level (nearest up, max pooling down) and added residually.

``deterministic=True`` replaces ``adaptive_max_pool2d``, whose CUDA backward has no deterministic kernel, by
``max_pool2d`` on a nearest-expanded input. That is the same function: adaptive window ``i`` covers input rows
``floor(i·In/Out) … ceil((i+1)·In/Out) − 1``, which are exactly the rows that an input repeated ``Out`` times
contributes to the window ``[i·In, (i+1)·In)`` of stride ``In``. The expansion is skipped when ``In`` is a
multiple of ``Out`` (the usual FPN case), and otherwise reduced by ``gcd(In, Out)``.
"""
import math
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def _expand_dim(x: Tensor, dim: int, times: int) -> Tensor:
    """Repeat every entry along ``dim`` ``times`` times (expand + reshape: its backward is a plain sum)."""
    if times == 1:
        return x
    shape = list(x.shape)
    x = x.unsqueeze(dim + 1).expand(*shape[:dim + 1], times, *shape[dim + 1:])
    shape[dim] *= times
    return x.reshape(shape)


def max_pool_to(x: Tensor, size: Tuple[int, int], deterministic: bool = False) -> Tensor:
    """``adaptive_max_pool2d(x, size)``; ``max_pool2d`` for integer ratios, and always with ``deterministic``.

    Args:
        x (Tensor): Input of shape ``(B, C, H, W)``.
        size (tuple[int, int]): Output ``(h, w)`` with ``h <= H`` and ``w <= W``.
        deterministic (bool): Avoid ``adaptive_max_pool2d``. Defaults to False.

    Returns:
        Tensor: Shape ``(B, C, h, w)``, equal to ``F.adaptive_max_pool2d(x, size)``.
    """
    in_h, in_w = x.shape[-2:]
    out_h, out_w = size
    if not (0 < out_h <= in_h and 0 < out_w <= in_w):
        raise ValueError(f'max_pool_to: size {tuple(size)} must be positive and at most the input size '
                         f'{(in_h, in_w)}')
    if (in_h, in_w) == (out_h, out_w):
        return x
    if in_h % out_h == 0 and in_w % out_w == 0:  # the usual pyramid case: plain pooling, faster than adaptive
        kernel = (in_h // out_h, in_w // out_w)
        return F.max_pool2d(x, kernel_size=kernel, stride=kernel)
    if not deterministic:
        return F.adaptive_max_pool2d(x, size)
    rep_h, rep_w = out_h // math.gcd(in_h, out_h), out_w // math.gcd(in_w, out_w)
    if in_h % out_h == 0:
        rep_h = 1
    if in_w % out_w == 0:
        rep_w = 1
    x = _expand_dim(_expand_dim(x, x.dim() - 2, rep_h), x.dim() - 1, rep_w)
    kernel = (x.shape[-2] // out_h, x.shape[-1] // out_w)
    return F.max_pool2d(x, kernel_size=kernel, stride=kernel)


def check_levels(num_levels: int, refine_level: int) -> None:
    """At least two levels, and ``refine_level`` one of them (ValueError naming the argument)."""
    if isinstance(num_levels, bool) or not isinstance(num_levels, int) or num_levels < 2:
        raise ValueError(f'num_levels must be an integer >= 2, got {num_levels!r}')
    if isinstance(refine_level, bool) or not isinstance(refine_level, int) or not 0 <= refine_level < num_levels:
        raise ValueError(f'refine_level must be an integer in [0, {num_levels - 1}] (num_levels={num_levels}), '
                         f'got {refine_level!r}')


def check_level_shapes(inputs: Sequence[Tensor]) -> None:
    """Every level ``(B, C, H_i, W_i)`` with the same ``B`` and ``C`` as level 0 (ValueError naming the level)."""
    first = inputs[0]
    for i, feat in enumerate(inputs):
        if feat.dim() != 4:
            raise ValueError(f'BFP inputs: level {i} must be (B, C, H, W), got shape {tuple(feat.shape)}')
        if feat.shape[:2] != first.shape[:2]:
            raise ValueError(f'BFP inputs: level {i} has batch size {feat.shape[0]} and {feat.shape[1]} channels, '
                             f'level 0 has {first.shape[0]} and {first.shape[1]}: every level must come from the '
                             'same images with the same channels')
        if i and (feat.shape[2] > inputs[i - 1].shape[2] or feat.shape[3] > inputs[i - 1].shape[3]):
            raise ValueError(f'BFP inputs: level {i} ({feat.shape[2]}x{feat.shape[3]}) is larger than level {i - 1} '
                             f'({inputs[i - 1].shape[2]}x{inputs[i - 1].shape[3]}): the levels must run from the '
                             'largest map (the finest stride) to the smallest, as FPN gives them; reversed?')


def integrate_levels(inputs: Sequence[Tensor], refine_level: int, deterministic: bool = False) -> Tensor:
    """Balanced semantic feature: the mean of all levels resized to ``inputs[refine_level]``'s size.

    Args:
        inputs (Sequence[Tensor]): Levels ``(B, C, H_i, W_i)``, largest first.
        refine_level (int): Index of the level whose size is used.
        deterministic (bool): See :func:`max_pool_to`.

    Returns:
        Tensor: ``(B, C, H_r, W_r)``, the inputs' dtype (half precision summed in fp32).
    """
    check_levels(len(inputs), refine_level)
    check_level_shapes(inputs)
    size = tuple(inputs[refine_level].shape[-2:])
    total = None
    for i, feat in enumerate(inputs):
        if i < refine_level:
            feat = max_pool_to(feat, size, deterministic)
        elif i > refine_level:
            feat = F.interpolate(feat, size=size, mode='nearest')
        feat = feat.to(torch.promote_types(feat.dtype, torch.float32))  # fp16/bf16 summed in fp32
        total = feat if total is None else total + feat
    return (total / len(inputs)).to(inputs[0].dtype)


def scatter_levels(bsf: Tensor, inputs: Sequence[Tensor], refine_level: int,
                   deterministic: bool = False) -> List[Tensor]:
    """Add the refined feature back to every level: nearest up to the larger ones, max-pool down to the smaller."""
    check_levels(len(inputs), refine_level)
    outs = []
    for i, feat in enumerate(inputs):
        size = tuple(feat.shape[-2:])
        if i < refine_level:
            residual = F.interpolate(bsf, size=size, mode='nearest')
        elif i > refine_level:
            residual = max_pool_to(bsf, size, deterministic)
        else:
            residual = bsf
        outs.append(feat + residual)
    return outs


def embedded_gaussian_attention(theta: Tensor, phi: Tensor, g: Tensor, scale: float = 1.0) -> Tensor:
    """Non-local embedded-Gaussian aggregation ``softmax(θᵀφ · scale) gᵀ`` over all positions.

    Computed by ``scaled_dot_product_attention``, which uses fused (flash / memory-efficient) kernels where the
    device has them, so the ``(HW × HW)`` affinity matrix need not be stored for the backward pass.

    Args:
        theta (Tensor): Queries ``(B, C', H, W)``.
        phi (Tensor): Keys ``(B, C', H, W)``.
        g (Tensor): Values ``(B, C', H, W)``.
        scale (float): Multiplier of the dot products (mmcv's ``use_scale=False`` is 1). Defaults to 1.0.

    Returns:
        Tensor: ``(B, C', H, W)``.
    """
    b, c, h, w = theta.shape

    def tokens(t: Tensor) -> Tensor:  # (B, 1, HW, C'): the 4-d layout selects the fused CPU kernel too
        return t.flatten(2).transpose(1, 2).unsqueeze(1).contiguous()

    y = F.scaled_dot_product_attention(tokens(theta), tokens(phi), tokens(g), scale=scale)
    return y.squeeze(1).transpose(1, 2).reshape(b, g.shape[1], h, w)
