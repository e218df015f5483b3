"""Element-wise weighting and reduction with mmdet's semantics (``mmdet/models/losses/utils.py``), pure torch."""
from typing import Optional

import torch
from torch import Tensor

REDUCTIONS = ('none', 'mean', 'sum')


def check_reduction(reduction: Optional[str], name: str = 'reduction') -> None:
    """Raise ``ValueError`` unless ``reduction`` is one of ``'none'``, ``'mean'``, ``'sum'``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f'{name} must be one of {REDUCTIONS}, got {reduction!r}')


def check_avg_factor(reduction: str, avg_factor: Optional[float]) -> None:
    """``avg_factor`` only divides a ``'mean'`` (or passes through ``'none'``, as mmdet) and is never negative."""
    if avg_factor is None:
        return
    if reduction == 'sum':
        raise ValueError(f"avg_factor can not be used with reduction={reduction!r}; use 'mean' or 'none'")
    if not isinstance(avg_factor, torch.Tensor) and avg_factor < 0:
        raise ValueError(f'avg_factor must be >= 0 (the number of items averaged over), got {avg_factor!r}')


def weight_reduce_loss(loss: Tensor,
                       weight: Optional[Tensor] = None,
                       reduction: str = 'mean',
                       avg_factor: Optional[float] = None) -> Tensor:
    """Multiply by ``weight`` then reduce; with ``avg_factor`` a mean is ``sum / (avg_factor + eps)``.

    Args:
        loss (Tensor): Element-wise loss.
        weight (Tensor, optional): Element-wise weight, broadcastable to ``loss``.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        avg_factor (float, optional): Divisor of the sum for ``'mean'``; not allowed with ``'sum'``.

    Returns:
        Tensor: The weighted, reduced loss.
    """
    if weight is not None:
        try:
            torch.broadcast_shapes(weight.shape, loss.shape)
        except RuntimeError:
            raise ValueError(f'weight of shape {tuple(weight.shape)} does not broadcast to the element-wise loss of '
                             f'shape {tuple(loss.shape)}: give one weight per element (or a broadcastable '
                             'shape)') from None
        loss = loss * weight
    if avg_factor is None:
        if reduction == 'mean':
            return loss.mean()
        if reduction == 'sum':
            return loss.sum()
        return loss
    check_avg_factor(reduction, avg_factor)
    if reduction == 'mean':
        total = loss.sum()
        if not isinstance(avg_factor, torch.Tensor) and avg_factor == 0 and bool(total != 0):
            # mmdet divides by eps here: a loss of ~1e7 that wrecks the run
            raise ValueError(f'avg_factor=0 but the weighted loss sums to {float(total):.4g}: nothing to average '
                             'over; pass the number of items averaged over (an all-ignored batch sums to 0)')
        # eps keeps an all-ignored batch (avg_factor 0, sum 0) finite, as mmdet does
        return total / (avg_factor + torch.finfo(torch.float32).eps)
    return loss


def masked_mean(loss: Tensor, valid: Tensor, weight: Optional[Tensor] = None, over_valid: bool = False) -> Tensor:
    """mmseg's pixel averaging: the sum of ``loss`` (× ``weight``) over the ``valid`` pixels, divided by their number
    (``over_valid``, mmseg's ``avg_non_ignore=True``) or by the number of all pixels (its default).

    Args:
        loss (Tensor): Element-wise loss; values outside ``valid`` are not used (even NaN).
        valid (Tensor): Boolean mask, same shape.
        weight (Tensor, optional): Element-wise weight, same shape. Defaults to None.
        over_valid (bool): Divide by the number of valid pixels (at least 1). Defaults to False.

    Example:
        >>> masked_mean(torch.tensor([1.0, 3.0, float('nan')]), torch.tensor([True, True, False]))
        tensor(1.3333)
    """
    loss = torch.where(valid, loss, 0)
    if weight is not None:
        loss = loss * weight
    denom = valid.sum().clamp_min(1) if over_valid else max(loss.numel(), 1)
    return loss.sum() / denom
