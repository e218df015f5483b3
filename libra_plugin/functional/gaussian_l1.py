"""Multimodal coordinate regression loss: L1 plus an inverted Gaussian well, pure torch.

When an input admits several equally plausible targets (identical objects, one of them labelled), MSE's optimum
is their mean, a point on no object, and L1's optimum is anywhere on the flat valley between them. Adding a
narrow well ``λ (1 − exp(−‖p − t‖² / σ²))`` around each target makes every target a strict local optimum, so the
prediction settles on one of them instead of between them.
"""
import math

import torch
from torch import Tensor

from .checks import check_same_shape


def check_gaussian_l1_args(sigma: float, gaussian_weight: float) -> None:
    """σ must be a finite number > 0 whose ``1/σ²`` is a float32 number (a smaller σ makes the gradient at zero error
    0 · inf = NaN), and λ a number >= 0 (ValueError naming the argument)."""
    if not (isinstance(sigma, (int, float)) and sigma > 0 and math.isfinite(sigma)):
        raise ValueError(f'sigma must be a finite number > 0, got {sigma!r}')
    if sigma < 1e-19:
        raise ValueError(f'sigma={sigma!r} is too small: 1 / sigma^2 overflows float32 and the gradient at zero error '
                         'is NaN; sigma is the width of the well in the coordinates\' units (the MSE trap: 0.1)')
    if not (isinstance(gaussian_weight, (int, float)) and gaussian_weight >= 0):
        raise ValueError(f'gaussian_weight must be >= 0, got {gaussian_weight!r}')


def gaussian_l1(pred: Tensor, target: Tensor, sigma: float = 0.1, gaussian_weight: float = 1.0) -> Tensor:
    """Element-wise ``|p − t| + λ (1 − exp(−‖p − t‖² / σ²))``, the well shared by the coordinates of one item.

    The norm runs over the last dimension (the coordinates of one point or box), and the well's value is added
    to each coordinate, so that a mean over all elements is the mean over items of ``MAE + λ · well``.

    Args:
        pred (Tensor): Predicted coordinates ``(..., D)``, e.g. ``(N, 2)`` points or ``(N, 4)`` boxes.
        target (Tensor): Targets, same shape.
        sigma (float): Width σ of the well, in the units of the coordinates, ``> 0``. Defaults to 0.1.
        gaussian_weight (float): Depth λ of the well, ``>= 0``. Defaults to 1.0.

    Returns:
        Tensor: Element-wise loss, same shape as ``pred``, float32 for half-precision inputs.

    Example:
        >>> gaussian_l1(torch.tensor([[0.1, 0.0]]), torch.zeros(1, 2))
        tensor([[0.7321, 0.6321]])
    """
    check_gaussian_l1_args(sigma, gaussian_weight)
    check_same_shape(pred, target)
    if pred.dim() < 2:
        raise ValueError(f'gaussian_l1: pred must be (..., D), the D coordinates of one item last, got shape '
                         f'{tuple(pred.shape)}: a 1-d tensor would be one {pred.numel()}-dimensional point; use '
                         'pred[:, None] for scalar targets')
    if pred.dtype in (torch.float16, torch.bfloat16):
        pred, target = pred.float(), target.float()
    diff = pred - target.to(pred.dtype)
    well = 1 - torch.exp(-diff.pow(2).sum(-1, keepdim=True) / sigma**2)
    return diff.abs() + gaussian_weight * well
