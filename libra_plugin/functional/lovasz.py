"""Lovász hinge and Lovász-softmax (Berman et al., CVPR 2018, arXiv:1705.08790), vectorised, pure torch.

The Lovász extension of the Jaccard loss: sort the errors in decreasing order, and weight each by the increase of
the Jaccard loss when it is added. For sorted labels ``y`` with ``p`` positives::

    I_i = p − cumsum(y)_i,   U_i = p + cumsum(1 − y)_i,   J_i = 1 − I_i / U_i,   g = (J_1, J_2 − J_1, …)
    loss = Σ_i relu(e_i) · g_i   (hinge)   or   Σ_i e_i · g_i   (softmax, e = |1[y=c] − p_c|)

All images (and classes) are handled by one sort of a ``(rows, N)`` table instead of a Python loop. Excluded
pixels (ignored, or weight 0) get the error ``−inf`` so they sort after every valid one and change no ``I``/``U``
before them: they are left out exactly, as when the reference removes them before sorting. A pixel weight ``w``
enters the counts (``I``, ``U`` from weighted sums), i.e. the Lovász extension of the weighted Jaccard index; with
weights in {0, 1} this is the reference on the kept pixels.
"""
import numbers
from typing import Optional, Sequence, Union

import torch
from torch import Tensor

from .reduction import check_reduction


def check_classes(classes: Union[str, Sequence[int]], num_classes: Optional[int] = None) -> None:
    """``classes`` of :func:`lovasz_softmax`: ``'present'``, ``'all'`` or class indices (in ``[0, num_classes)``
    when it is known)."""
    if isinstance(classes, str):
        if classes not in ('present', 'all'):
            raise ValueError(f"classes must be 'present', 'all' or a list of class indices, got {classes!r}")
        return
    if not all(isinstance(c, numbers.Integral) and not isinstance(c, bool) for c in classes) or (
            num_classes is not None and any(not 0 <= c < num_classes for c in classes)):
        bound = '' if num_classes is None else f' in [0, {num_classes - 1}]'
        raise ValueError(f'classes must be indices{bound}, got {list(classes)}')


class _LovaszRows(torch.autograd.Function):
    """Lovász loss of every row of ``errors`` (``(R, N)``) with 0/1 labels ``fg``, over the pixels in ``keep``.

    Pixels outside ``keep`` sort last (error ``−inf``) with label 0: they change no ``I``/``U`` before them and
    their own terms are 0, so they are excluded exactly without any gather of a mask. A real-valued ``weight``
    (0 outside ``keep``) makes the counts weighted. The Jaccard increments ``g`` do not depend on the errors'
    values (only on their order), so the gradient is ``g`` (where the hinge is active) sent back through the sort:
    one scatter, saved from the forward pass.
    """

    @staticmethod
    def forward(ctx, errors, fg, keep, weight, hinge):
        errors = torch.where(keep, errors, float('-inf'))
        errors_sorted, perm = torch.sort(errors, dim=1, descending=True)
        fg_sorted = torch.where(keep, fg, 0).gather(1, perm)
        if weight is None:
            cum_tp = fg_sorted.cumsum(1)
            cum_fp = torch.arange(1, errors.shape[1] + 1, device=errors.device, dtype=errors.dtype) - cum_tp
        else:
            w_sorted = weight.gather(1, perm)
            cum_tp = (fg_sorted * w_sorted).cumsum(1)
            cum_fp = w_sorted.cumsum_(1).sub_(cum_tp)
        pos = cum_tp[:, -1:].clone()  # cum_tp is overwritten below
        union = cum_fp.add_(pos).clamp_min_(torch.finfo(errors.dtype).tiny)
        jaccard = cum_tp.neg_().add_(pos).div_(union).neg_().add_(1)  # 1 − I / U
        grad = torch.diff(jaccard, dim=1, prepend=torch.zeros_like(jaccard[:, :1]))
        active = errors_sorted >= 0 if hinge else torch.isfinite(errors_sorted)  # clamp_min(0)'s subgradient
        grad.mul_(active)
        values = errors_sorted.clamp_min_(0) if hinge else errors_sorted.masked_fill_(~active, 0)
        ctx.save_for_backward(perm, grad)
        return (values * grad).sum(1)

    @staticmethod
    def backward(ctx, upstream):
        perm, grad = ctx.saved_tensors
        return torch.empty_like(grad).scatter_(1, perm, grad * upstream[:, None]), None, None, None, None


def _lovasz_rows(errors: Tensor, fg: Tensor, keep: Tensor, weight: Optional[Tensor], hinge: bool) -> Tensor:
    """Per-row Lovász loss (:class:`_LovaszRows`)."""
    return _LovaszRows.apply(errors, fg, keep, weight, hinge)


def _mean_over(losses: Tensor, include: Tensor) -> Tensor:
    """Mean of ``losses`` over the included entries; 0 (with a gradient path) when none is included."""
    include = include.to(losses.dtype)
    return (losses * include).sum() / include.sum().clamp_min(1)


def _reduce_rows(losses: Tensor, include: Tensor, reduction: str, per_image: bool) -> Tensor:
    """``'mean'`` over the included rows (images), ``'sum'``, or ``'none'``: the ``(B,)`` per-image losses (0 for an
    image without a valid pixel); with ``per_image=False`` the one batch loss, a scalar, whatever the reduction."""
    if reduction == 'mean':
        return _mean_over(losses, include)
    losses = losses * include.to(losses.dtype)
    return losses.sum() if reduction == 'sum' or not per_image else losses


def lovasz_hinge(logits: Tensor,
                 labels: Tensor,
                 valid: Optional[Tensor] = None,
                 weight: Optional[Tensor] = None,
                 per_image: bool = True,
                 reduction: str = 'mean') -> Tensor:
    """Binary Lovász hinge loss.

    Args:
        logits (Tensor): Foreground logits ``(B, ...)`` (any trailing shape, e.g. ``(B, H, W)``).
        labels (Tensor): 0/1 labels, same shape (values of excluded pixels do not matter).
        valid (Tensor, optional): Boolean mask of the pixels to use, same shape. Defaults to all.
        weight (Tensor, optional): Non-negative pixel weights, same shape. Defaults to 1.
        per_image (bool): Mean of the per-image losses over images with at least one valid pixel (the
            reference's default); otherwise the batch is one set. Defaults to True.
        reduction (str): Over the images when ``per_image``: ``'mean'`` (over those with a valid pixel),
            ``'sum'`` or ``'none'`` (``(B,)``, 0 for an image without a valid pixel). Defaults to ``'mean'``.

    Returns:
        Tensor: Scalar loss (0 with a gradient path when no pixel is valid), or ``(B,)`` for ``'none'``.

    Example:
        >>> lovasz_hinge(torch.tensor([[2.0, -1.0]]), torch.tensor([[1, 0]]))
        tensor(0.)
    """
    check_reduction(reduction)
    if labels.shape != logits.shape:
        raise ValueError(f'labels {tuple(labels.shape)} must have the shape of logits {tuple(logits.shape)}')
    b = logits.shape[0]
    rows = b if per_image else 1
    x = logits.reshape(rows, -1)
    fg = labels.reshape(rows, -1).to(x.dtype)
    keep = torch.ones_like(x, dtype=torch.bool) if valid is None else valid.reshape(rows, -1)
    w = None
    if weight is not None:
        w = weight.reshape(rows, -1).to(x.dtype) * keep
        keep = keep & (w > 0)
    errors = 1 - x * (2 * fg - 1)
    losses = _lovasz_rows(errors, fg, keep, w, hinge=True)
    return _reduce_rows(losses, keep.any(1), reduction, per_image)


def lovasz_softmax(probs: Tensor,
                   labels: Tensor,
                   valid: Optional[Tensor] = None,
                   weight: Optional[Tensor] = None,
                   classes: Union[str, Sequence[int]] = 'present',
                   per_image: bool = False,
                   class_weight: Optional[Tensor] = None,
                   reduction: str = 'mean') -> Tensor:
    """Multi-class Lovász-softmax loss.

    Args:
        probs (Tensor): Class probabilities ``(B, C, ...)`` (softmax of the logits).
        labels (Tensor): Class indices ``(B, ...)``; values of excluded pixels do not matter.
        valid (Tensor, optional): Boolean mask ``(B, ...)`` of the pixels to use. Defaults to all.
        weight (Tensor, optional): Non-negative pixel weights ``(B, ...)``. Defaults to 1.
        classes (str | Sequence[int]): ``'present'`` (classes present among the valid labels, per image when
            ``per_image``), ``'all'``, or a list of class indices. Defaults to ``'present'``.
        per_image (bool): Mean over images of per-image losses; otherwise the batch is one set. Defaults to False.
        class_weight (Tensor, optional): ``(C,)`` multipliers of the classes' losses before their mean (mmseg's
            meaning: a weighted sum divided by the number of included classes). Defaults to None (all 1).
        reduction (str): Over the images when ``per_image``: ``'mean'`` (over those with a valid pixel),
            ``'sum'`` or ``'none'`` (``(B,)``, 0 for an image without a valid pixel). Defaults to ``'mean'``.

    Returns:
        Tensor: Scalar loss: the mean over included (image, class) pairs of the class's Lovász loss, averaged per
        image first when ``per_image``; ``(B,)`` per-image losses for ``'none'``.
    """
    check_reduction(reduction)
    b, c = probs.shape[:2]
    check_classes(classes, c)
    if labels.shape != probs.shape[:1] + probs.shape[2:]:
        raise ValueError(f'labels {tuple(labels.shape)} must be probs {tuple(probs.shape)} without its class '
                         'dimension')
    if class_weight is not None and tuple(class_weight.shape) != (c, ):
        raise ValueError(f'class_weight must have one weight per class ({c}), got shape {tuple(class_weight.shape)}')
    rows = b if per_image else 1
    p = probs.reshape(b, c, -1)
    if not per_image:
        p = p.transpose(0, 1).reshape(1, c, -1)
    n = p.shape[-1]
    lab = labels.reshape(rows, 1, n)
    keep = torch.ones(rows, 1, n, dtype=torch.bool, device=p.device) if valid is None else valid.reshape(rows, 1, n)
    w = None
    if weight is not None:
        w = weight.reshape(rows, 1, n).to(p.dtype) * keep
        keep = keep & (w > 0)
        w = w.expand(rows, c, n).reshape(rows * c, n)
    fg = (lab == torch.arange(c, device=p.device)[None, :, None]).to(p.dtype)  # (rows, C, N)
    keep_c = keep.expand(rows, c, n)
    losses = _lovasz_rows((fg - p).abs().reshape(rows * c, n), fg.reshape(rows * c, n),
                          keep_c.reshape(rows * c, n), w, hinge=False).reshape(rows, c)
    any_valid = keep.any(-1)  # (rows, 1)
    if classes == 'present':
        include = (fg.bool() & keep_c).any(-1)
    elif classes == 'all':
        include = any_valid.expand(rows, c)
    else:
        include = torch.zeros(rows, c, dtype=torch.bool, device=p.device)
        include[:, list(classes)] = True
        include &= any_valid
    if class_weight is not None:
        losses = losses * class_weight.to(losses.dtype)
    per_row = (losses * include).sum(1) / include.sum(1).clamp_min(1)
    return _reduce_rows(per_row, include.any(1), reduction, per_image)
