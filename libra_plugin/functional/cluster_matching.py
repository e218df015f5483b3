"""Scores of an unsupervised segmentation: clusters matched one-to-one to classes by the Hungarian method.

As PiCIE's evaluation (janghyuncho/PiCIE ``commons.py:evaluate``): a histogram of (true class, cluster) over the
evaluated pixels, clusters matched to classes to maximise the matched pixels (``scipy.optimize.
linear_sum_assignment(..., maximize=True)``), then pixel accuracy and IoU per class of the matched prediction. With
more clusters than classes (over-clustering) the unmatched clusters predict no class: their pixels count as wrong.

Class groups (PiCIE's Thing / Stuff) are scored **by class**: a group's accuracy is the matched pixels of its
classes over all pixels whose true class is in it, its mIoU the mean IoU of its classes. PiCIE's released code
instead takes the ``[:12, :12]`` / ``[12:, 12:]`` blocks of the histogram with its rows put in *cluster* order, so
its Thing/Stuff figures mix classes and clusters; :func:`legacy_block_scores` reproduces that figure, labelled.

Example:
    >>> hist = torch.tensor([[8, 2, 0], [1, 9, 0]])  # 2 classes (rows) x 3 clusters (columns)
    >>> match_clusters(hist).tolist()  # cluster -> class; -1: unmatched
    [0, 1, -1]
    >>> s = matched_scores(hist, match_clusters(hist))
    >>> round(s['acc'], 3), [round(v, 3) for v in s['iou'].tolist()]
    (0.85, [0.727, 0.75])
"""
from typing import Dict, Optional, Sequence

import torch
from torch import Tensor


def histogram(labels: Tensor, clusters: Tensor, num_classes: int, num_clusters: int,
              ignore_index: int = 255) -> Tensor:
    """``(num_classes, num_clusters)`` counts of (true class, cluster) over the pixels whose label is a class."""
    if labels.shape != clusters.shape:
        raise ValueError(f'labels {tuple(labels.shape)} and clusters {tuple(clusters.shape)} must have one shape')
    labels, clusters = labels.reshape(-1).long(), clusters.reshape(-1).long()
    keep = (labels != ignore_index)
    bad = keep & ((labels < 0) | (labels >= num_classes))
    if bool(bad.any()):
        raise ValueError(f'labels hold {labels[bad][0].item()}, outside [0, {num_classes}) and not the ignore index '
                         f'{ignore_index}')
    if clusters.numel() and bool(((clusters < 0) | (clusters >= num_clusters)).any()):
        raise ValueError(f'clusters must be in [0, {num_clusters})')
    idx = labels[keep] * num_clusters + clusters[keep]
    return torch.bincount(idx, minlength=num_classes * num_clusters).reshape(num_classes, num_clusters)


def match_clusters(hist: Tensor) -> Tensor:
    """Cluster -> class (``-1`` for a cluster left unmatched) maximising the matched pixels of ``hist``
    ``(C, K)``, one cluster per class at most (Hungarian method)."""
    from scipy.optimize import linear_sum_assignment
    rows, cols = linear_sum_assignment(hist.double().cpu().numpy(), maximize=True)
    mapping = torch.full((hist.shape[1], ), -1, dtype=torch.long)
    mapping[torch.as_tensor(cols, dtype=torch.long)] = torch.as_tensor(rows, dtype=torch.long)
    return mapping


def matched_confusion(hist: Tensor, mapping: Tensor) -> Tensor:
    """``(C, C + 1)`` confusion of the matched prediction: column C holds the pixels of unmatched clusters."""
    num_classes = hist.shape[0]
    target = torch.where(mapping >= 0, mapping, torch.full_like(mapping, num_classes))
    out = hist.new_zeros(num_classes, num_classes + 1)
    return out.index_add_(1, target.to(hist.device), hist)


def matched_scores(hist: Tensor, mapping: Tensor,
                   groups: Optional[Dict[str, Sequence[int]]] = None) -> Dict[str, object]:
    """Pixel accuracy ``acc``, ``miou``, per-class ``iou`` (NaN for a class with no pixel and no prediction) and,
    per named class group, ``{name}_acc`` / ``{name}_miou`` — all fractions."""
    conf = matched_confusion(hist, mapping).double()
    num_classes = hist.shape[0]
    tp = conf[torch.arange(num_classes), torch.arange(num_classes)]
    gt = conf.sum(1)
    pred = conf[:, :num_classes].sum(0)
    union = gt + pred - tp
    iou = torch.where(union > 0, tp / union.clamp_min(1), torch.full_like(tp, float('nan')))
    out = dict(acc=float(tp.sum() / gt.sum().clamp_min(1)), miou=float(iou.nanmean()), iou=iou)
    for name, classes in (groups or {}).items():
        idx = torch.as_tensor(list(classes), dtype=torch.long)
        out[f'{name}_acc'] = float(tp[idx].sum() / gt[idx].sum().clamp_min(1))
        out[f'{name}_miou'] = float(iou[idx].nanmean())
    return out


def legacy_block_scores(hist: Tensor, mapping: Tensor, split: int) -> Dict[str, float]:
    """PiCIE's released Thing/Stuff figures (kept only to compare with its paper; not per-class-group metrics).

    Its code puts the row of each class at the index of its matched cluster (``new_hist[m[i, 1]] = hist[i]``), so
    row ``j`` is the class matched to cluster ``j`` while the columns stay clusters, and scores the
    ``[:split, :split]`` and ``[split:, split:]`` blocks of that as if they were confusions: indices are clusters,
    not classes, and cross-block errors are left out. Returns ``legacy_thing_acc`` / ``_miou`` and
    ``legacy_stuff_acc`` / ``_miou`` (fractions)."""
    if hist.shape[0] != hist.shape[1] or bool((mapping < 0).any()):
        raise ValueError('the legacy figure is defined only for as many clusters as classes')
    h = hist.double()[mapping.to(hist.device)]
    out = {}
    for name, block in (('thing', h[:split, :split]), ('stuff', h[split:, split:])):
        tp = block.diagonal()
        union = block.sum(0) + block.sum(1) - tp
        out[f'legacy_{name}_acc'] = float(tp.sum() / block.sum().clamp_min(1))
        out[f'legacy_{name}_miou'] = float((tp / union).nanmean())
    return out
