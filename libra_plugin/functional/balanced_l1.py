"""Balanced L1 loss (Libra R-CNN, Pang et al., CVPR 2019, arXiv:1904.02701, §3.3), pure torch.

The paper's loss, with threshold 1 and ``b = e^{γ/α} − 1`` (so that ``α ln(b + 1) = γ``)::

    L₁(x) = α/b (b|x| + 1) ln(b|x| + 1) − α|x|     if |x| < 1
            γ|x| + γ/b − α                          otherwise

    dL₁/d|x| = α ln(b|x| + 1)  (< 1),   γ  (≥ 1)

For another threshold β we use ``β · L₁(x / β)``: value and gradient are continuous, the gradient is 0 at 0,
and β = 1 is the paper. mmdet instead writes ``α/b (b|x| + 1) ln(b|x|/β + 1) − α|x|`` /
``γ|x| + γ/b − αβ``: for β ≠ 1 its gradient is ``α(1/β − 1)`` at 0 (4.04 at β = 0.11) and jumps at |x| = β
(mmdetection#2483). ``legacy_beta=True`` reproduces that formula.
"""
import math

import torch
from torch import Tensor

from .checks import check_same_shape


class _BalancedL1(torch.autograd.Function):
    """Fused forward/backward: saves only the difference, the gradient is one log per element."""

    @staticmethod
    def forward(ctx, pred: Tensor, target: Tensor, alpha: float, gamma: float, beta: float) -> Tensor:
        diff = pred - target
        ad = diff.abs()
        b = math.expm1(gamma / alpha)
        inner = ad < beta
        log_term = torch.log1p(ad * (b / beta))
        loss = torch.where(inner, (alpha / b) * (b * ad + beta) * log_term - alpha * ad,
                           gamma * ad + (gamma / b - alpha) * beta)
        ctx.save_for_backward(diff)
        ctx.consts = (alpha, gamma, beta, b)
        return loss

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        (diff, ) = ctx.saved_tensors
        alpha, gamma, beta, b = ctx.consts
        ad = diff.abs()
        mag = torch.where(ad < beta, alpha * torch.log1p(ad * (b / beta)), torch.full_like(ad, gamma))
        grad = grad_out * mag * diff.sign()
        grad_pred = grad if ctx.needs_input_grad[0] else None
        grad_target = -grad if ctx.needs_input_grad[1] else None
        return grad_pred, grad_target, None, None, None


def check_balanced_l1_args(alpha: float, gamma: float, beta: float) -> None:
    """α, γ and β must be finite numbers > 0 (ValueError naming the first that is not), and γ/α small enough that
    ``b = e^{γ/α} − 1`` is a float32 number (γ/α < 88.7; beyond it b is inf and the loss and its gradients NaN)."""
    for name, value in (('alpha', alpha), ('gamma', gamma), ('beta', beta)):
        if not (isinstance(value, (int, float)) and 0 < value < math.inf):
            raise ValueError(f'{name} must be a finite number > 0, got {value!r}')
    if gamma / alpha >= 88.7:
        raise ValueError(f'gamma / alpha = {gamma / alpha:.4g} makes b = e^(gamma/alpha) - 1 overflow float32 (the '
                         'loss and gradients would be NaN): keep gamma / alpha below 88.7 (the paper: 1.5 / 0.5 = 3)')


def balanced_l1(pred: Tensor,
                target: Tensor,
                alpha: float = 0.5,
                gamma: float = 1.5,
                beta: float = 1.0,
                legacy_beta: bool = False) -> Tensor:
    """Element-wise Balanced L1 loss, computed in float32 (or float64 for float64 inputs).

    Args:
        pred (Tensor): Predictions, any shape, e.g. ``(N, 4)`` box deltas.
        target (Tensor): Targets, same shape as ``pred``.
        alpha (float): α, the gradient scale of inliers, ``> 0``. Defaults to 0.5.
        gamma (float): γ, the gradient of outliers, ``> 0``. Defaults to 1.5.
        beta (float): β, the inlier/outlier threshold, ``> 0``. Defaults to 1.0.
        legacy_beta (bool): Use mmdet's β generalisation (discontinuous gradient for β ≠ 1). Defaults to False.

    Returns:
        Tensor: Element-wise loss, same shape as ``pred``.

    Example:
        >>> balanced_l1(torch.tensor([0.0, 0.5, 2.0]), torch.zeros(3))
        tensor([0.0000, 0.4006, 2.5786])
    """
    check_balanced_l1_args(alpha, gamma, beta)
    check_same_shape(pred, target)
    if pred.dtype != torch.float64:
        pred, target = pred.float(), target.float()
    else:
        target = target.to(pred.dtype)
    if not legacy_beta:
        return _BalancedL1.apply(pred, target, alpha, gamma, beta)
    diff = torch.abs(pred - target)
    b = math.e**(gamma / alpha) - 1
    return torch.where(diff < beta, alpha / b * (b * diff + 1) * torch.log(b * diff / beta + 1) - alpha * diff,
                       gamma * diff + gamma / b - alpha * beta)
