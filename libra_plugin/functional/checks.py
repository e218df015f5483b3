"""Argument checks shared by the functions of ``functional`` (and by the modules that call them at build time)."""
from torch import Tensor


def check_same_shape(pred: Tensor, target: Tensor) -> None:
    """``pred`` and ``target`` must have one shape (ValueError naming both)."""
    if pred.shape != target.shape:
        raise ValueError(f'pred and target must have the same shape, got {tuple(pred.shape)} and '
                         f'{tuple(target.shape)}')
