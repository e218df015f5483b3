"""IoU-balanced and instance-balanced sampling (Libra R-CNN, Pang et al., CVPR 2019, arXiv:1904.02701, §3.1).

Pure torch, no OpenMMLab import. Both samplers work on the device of their inputs with no host round trip: the
selection is expressed as a priority per candidate (a random key, lifted by a tier) followed by one fixed-size
``topk``. The caller's ``nonzero`` on the assignment is the only synchronisation (it is needed to know how many
candidates exist); everything here has a size known in advance.

Equivalence with mmdet's loops (``IoUBalancedNegSampler``, ``InstanceBalancedPosSampler``): a candidate that mmdet
picks in an earlier stage gets a higher tier here, and within a tier the order is a uniform random permutation, so
``topk`` returns the same distribution of index sets as mmdet's stage-by-stage ``random_choice`` calls.
"""
from typing import Optional

import torch
from torch import Tensor

BIN_RANGES = ('negatives', 'all')


def check_neg_sample_args(floor_thr: float, floor_fraction: float, num_bins: int, bin_range: str) -> None:
    """The options of :func:`iou_balanced_neg_sample` (ValueError naming the first one out of its range)."""
    if not (isinstance(floor_thr, (int, float)) and (floor_thr == -1 or floor_thr >= 0)):
        raise ValueError(f'floor_thr must be -1 (no floor) or >= 0, got {floor_thr!r}')
    if not (isinstance(floor_fraction, (int, float)) and 0 <= floor_fraction <= 1):
        raise ValueError(f'floor_fraction must be in [0, 1], got {floor_fraction!r}')
    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
        raise ValueError(f'num_bins must be an integer >= 1, got {num_bins!r}')
    if bin_range not in BIN_RANGES:
        raise ValueError(f'bin_range must be one of {BIN_RANGES}, got {bin_range!r}')


def _check_num_expected(num_expected: int) -> None:
    if isinstance(num_expected, bool) or not isinstance(num_expected, int) or num_expected < 0:
        raise ValueError(f'num_expected must be an integer >= 0, got {num_expected!r}')


def _uniform(n: int, like: Tensor, generator: Optional[torch.Generator]) -> Tensor:
    return torch.rand(n, device=like.device, generator=generator)


def rank_within_groups(group: Tensor, key: Tensor) -> Tensor:
    """Rank of every element inside its group when each group is ordered by ``key`` (ascending).

    Args:
        group (Tensor): Integer group id per element, shape ``(N,)``.
        key (Tensor): Values in ``[0, 1)`` that order the elements of a group, shape ``(N,)``.

    Returns:
        Tensor: ``long`` ranks starting at 0 within each group, shape ``(N,)``.
    """
    n = group.numel()
    order = torch.argsort(group.double() * 2 + key.double())  # groups contiguous, each sorted by key
    sorted_group = group[order]
    pos = torch.arange(n, device=group.device)
    is_start = torch.ones_like(sorted_group, dtype=torch.bool)
    is_start[1:] = sorted_group[1:] != sorted_group[:-1]
    group_start = torch.cummax(torch.where(is_start, pos, torch.zeros_like(pos)), dim=0).values
    ranks = torch.empty_like(pos)
    ranks[order] = pos - group_start
    return ranks


def _take_top(priority: Tensor, candidates: Tensor, num: int) -> Tensor:
    return candidates[torch.topk(priority, num, sorted=False).indices]


def _top_mask(key: Tensor, num: int) -> Tensor:
    """Boolean mask of the ``num`` largest entries of ``key``."""
    mask = torch.zeros_like(key, dtype=torch.bool)
    mask[torch.topk(key, num, sorted=False).indices] = True
    return mask


def quota_per_group(group: Tensor, key: Tensor, quota: int, num_groups: int) -> Tensor:
    """Mask of the ``quota`` smallest-``key`` members of each group ``0 … num_groups − 1`` (all if fewer).

    One batched ``topk`` over a ``(num_groups, N)`` table instead of a sort: elements outside a group get a key
    above every real one (keys must lie in ``[0, 1)``), and picks of such fillers are dropped. Elements of group
    ``-1`` (or any id outside the range) are never picked.
    """
    n = key.numel()
    if quota <= 0 or n == 0:
        return torch.zeros_like(key, dtype=torch.bool)
    ids = torch.arange(num_groups, device=key.device)[:, None]
    table = torch.where(group[None, :] == ids, key[None, :], torch.full_like(key, 2.0)[None, :])
    vals, idx = torch.topk(table, min(quota, n), dim=1, largest=False, sorted=False)
    hits = torch.zeros(n, device=key.device).scatter_add_(0, idx.reshape(-1), (vals < 2).reshape(-1).float())
    return hits > 0


def iou_balanced_neg_sample(max_overlaps: Tensor,
                            neg_inds: Tensor,
                            num_expected: int,
                            floor_thr: float = -1,
                            floor_fraction: float = 0.0,
                            num_bins: int = 3,
                            bin_range: str = 'negatives',
                            generator: Optional[torch.Generator] = None) -> Tensor:
    """Sample ``num_expected`` negatives with equal quotas over IoU bins.

    Negatives with IoU below ``floor_thr`` (the "floor" set) receive ``floor_fraction`` of the quota and are drawn
    uniformly; the others are split into ``num_bins`` equal-width IoU bins, ``int(n / num_bins)`` are drawn
    uniformly from each, a bin's shortfall is filled uniformly from the remaining IoU-sampled negatives, then from
    the floor set; whatever is still missing comes from the leftovers. This is mmdet's procedure
    (``IoUBalancedNegSampler``), without its state change (mmdet sets ``floor_thr = 0`` on its first call) and with
    the choice of bin range:

    * ``'all'`` (mmdet): bins span ``[floor, max IoU over all proposals]``. GT boxes are added as proposals, so the
      top is ~1.0 while negatives stop at ``neg_iou_thr``: the upper bins are empty (mmdetection#5323).
    * ``'negatives'``: bins span ``[floor, max IoU over the negatives]`` (inclusive), so every bin holds
      negatives, which is the paper's intent ("> 60% of hard negatives have IoU > 0.05").

    Here ``floor = max(floor_thr, 0)``; with ``floor_thr = -1`` every negative is IoU-sampled; with ``floor_thr = 0``
    the floor set is the negatives with IoU exactly 0 (as mmdet).

    Args:
        max_overlaps (Tensor): Max IoU of every proposal with any GT, shape ``(N,)``.
        neg_inds (Tensor): ``long`` indices of the negative proposals, shape ``(M,)``.
        num_expected (int): Number of negatives to return.
        floor_thr (float): IoU floor, ``-1`` or ``>= 0``. Defaults to -1.
        floor_fraction (float): Fraction of the quota drawn below the floor, in ``[0, 1]``. Defaults to 0.
        num_bins (int): Number of IoU bins, ``>= 1``. Defaults to 3.
        bin_range (str): ``'negatives'`` or ``'all'``. Defaults to ``'negatives'``.
        generator (torch.Generator, optional): Random generator on the inputs' device. Defaults to the global one.

    Returns:
        Tensor: ``long`` indices into the proposals, shape ``(min(M, num_expected),)``.

    Example:
        >>> ious = torch.rand(2000) * 0.5
        >>> neg = torch.arange(2000)
        >>> iou_balanced_neg_sample(ious, neg, 384).shape
        torch.Size([384])
    """
    check_neg_sample_args(floor_thr, floor_fraction, num_bins, bin_range)
    _check_num_expected(num_expected)
    if neg_inds.numel() <= num_expected:
        return neg_inds
    ious = max_overlaps[neg_inds].float()
    m = neg_inds.numel()
    u = torch.rand(3, m, device=ious.device, generator=generator)  # within-bin order, fill order, final order
    floor = max(float(floor_thr), 0.0)
    num_iou = int(num_expected * (1 - floor_fraction))
    if floor_thr > 0:
        in_iou = ious >= floor_thr
    elif floor_thr == 0:
        in_iou = ious > 0
    else:
        in_iou = None  # every negative is IoU-sampled

    # bin of each negative; -1: in no bin (mmdet's exclusive top edge, or below the floor)
    if bin_range == 'all':
        top = max_overlaps.max().float()
    else:
        top = (ious if in_iou is None else torch.where(in_iou, ious, torch.full_like(ious, floor))).max()
    edges = floor + torch.arange(num_bins + 1, device=ious.device, dtype=ious.dtype) * ((top - floor) / num_bins)
    # edges[b] <= iou < edges[b + 1]: bucketize(right=True) - 1, counted by one broadcast comparison instead;
    # CPU bucketize opens a parallel region even for 2k values and waits on busy cores (a 10x slower median)
    bins = (ious[:, None] >= edges).sum(1) - 1
    if bin_range == 'negatives':
        bins = bins.clamp(0, num_bins - 1)  # the largest negative belongs to the last bin
    if in_iou is not None:
        bins = torch.where(in_iou, bins, torch.full_like(bins, -1))
    first_round = quota_per_group(bins, u[0], int(num_iou / num_bins), num_bins)
    fill_key = first_round.to(u.dtype) + u[1]  # bin picks first, then a uniform fill
    if in_iou is None:
        return _take_top(fill_key, neg_inds, num_expected)
    # mmdet keeps exactly num_iou IoU-sampled negatives (when it has more); the rest only compete for what the
    # floor set cannot fill: tiers kept 2 > floor 1 > leftover 0, uniform inside each tier.
    kept = in_iou & _top_mask(torch.where(in_iou, fill_key, torch.full_like(fill_key, -1.0)), num_iou)
    tier = kept.to(u.dtype) * 2 + (~in_iou).to(u.dtype)
    return _take_top(tier + u[2], neg_inds, num_expected)


def instance_balanced_pos_sample(gt_inds: Tensor,
                                 pos_inds: Tensor,
                                 num_expected: int,
                                 generator: Optional[torch.Generator] = None) -> Tensor:
    """Sample ``num_expected`` positives with about the same number per ground-truth box.

    mmdet's rule: each GT contributes up to ``round(num_expected / num_gts) + 1`` of its positives, drawn
    uniformly; if that is short of ``num_expected`` the rest is drawn uniformly from the remaining positives, if it
    is over, ``num_expected`` are drawn uniformly from the picks. Vectorised over GTs (mmdet loops in Python).

    Args:
        gt_inds (Tensor): Assigned GT index per proposal (1-based, 0 negative, -1 ignored), shape ``(N,)``.
        pos_inds (Tensor): ``long`` indices of the positive proposals, shape ``(P,)``.
        num_expected (int): Number of positives to return.
        generator (torch.Generator, optional): Random generator on the inputs' device.

    Returns:
        Tensor: ``long`` indices into the proposals, shape ``(min(P, num_expected),)``.
    """
    _check_num_expected(num_expected)
    if pos_inds.numel() <= num_expected:
        return pos_inds
    p = pos_inds.numel()
    owner = gt_inds[pos_inds]
    u = _uniform(p, owner, generator)
    rank = rank_within_groups(owner, u)
    sorted_owner = torch.sort(owner).values
    num_gts = 1 + (sorted_owner[1:] != sorted_owner[:-1]).sum()
    num_per_gt = torch.round(num_expected / num_gts.double()) + 1  # round half to even, like Python's round
    first_round = rank < num_per_gt
    return _take_top(first_round.to(u.dtype) + _uniform(p, owner, generator), pos_inds, num_expected)
