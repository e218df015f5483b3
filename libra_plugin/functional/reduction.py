"""Element-wise weighting and reduction with mmdet's semantics (``mmdet/models/losses/utils.py``), pure torch."""
from typing import Optional

import torch
from torch import Tensor

REDUCTIONS = ('none', 'mean', 'sum')


def check_reduction(reduction: Optional[str], name: str = 'reduction') -> None:
    """Raise ``ValueError`` unless ``reduction`` is one of ``'none'``, ``'mean'``, ``'sum'``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f'{name} must be one of {REDUCTIONS}, got {reduction!r}')


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
        loss = loss * weight
    if avg_factor is None:
        if reduction == 'mean':
            return loss.mean()
        if reduction == 'sum':
            return loss.sum()
        return loss
    if reduction == 'mean':
        # eps keeps an all-ignored batch (avg_factor 0) finite, as mmdet does
        return loss.sum() / (avg_factor + torch.finfo(torch.float32).eps)
    if reduction != 'none':
        raise ValueError(f"avg_factor can not be used with reduction={reduction!r}; use 'mean' or 'none'")
    return loss
