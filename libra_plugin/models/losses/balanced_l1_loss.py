"""Balanced L1 loss (Libra R-CNN §3.3) with mmdet's loss contract."""
from typing import Any, Optional

import torch.nn as nn
from torch import Tensor

from libra_plugin.functional import balanced_l1, check_reduction, weight_reduce_loss
from libra_plugin.registry import MODELS


@MODELS.register_module()
class BalancedL1Loss(nn.Module):
    """Balanced L1 loss (Pang et al., CVPR 2019), continuous for every ``beta``.

    Inliers (``|x| < beta``) get the gradient ``alpha · ln(b|x|/beta + 1)``, outliers the constant ``gamma``, with
    ``b = e^{gamma/alpha} − 1``. The loss is ``beta · L(x / beta)`` with the paper's ``L``: for ``beta = 1`` it is
    mmdet's ``BalancedL1Loss``; for ``beta ≠ 1`` (Libra RetinaNet: 0.11) mmdet's gradient is ``alpha(1/beta − 1)``
    at 0 and jumps at ``|x| = beta`` (mmdetection#2483), ours is 0 at 0 and continuous. ``legacy_beta=True``
    reproduces mmdet's formula. Half-precision inputs are computed in float32.

    Args:
        alpha (float): Inlier gradient scale α, ``> 0``. Defaults to 0.5.
        gamma (float): Outlier gradient γ, ``> 0``. Defaults to 1.5.
        beta (float): Inlier/outlier threshold β, ``> 0``. Defaults to 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        legacy_beta (bool): mmdet's β generalisation. Defaults to False.

    Shape:
        - pred, target: ``(N, 4)`` (any shape, equal).
        - weight: same as ``pred``, or ``(N,)``.
        - Output: scalar, or ``(N, 4)`` with ``reduction='none'``.

    Example:
        >>> import torch
        >>> loss = BalancedL1Loss(beta=0.11)
        >>> loss(torch.zeros(2, 4), torch.ones(2, 4))
        tensor(1.4454)
    """

    def __init__(self,
                 alpha: float = 0.5,
                 gamma: float = 1.5,
                 beta: float = 1.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 legacy_beta: bool = False) -> None:
        super().__init__()
        for name, value in (('alpha', alpha), ('gamma', gamma), ('beta', beta)):
            if not value > 0:
                raise ValueError(f'{name} must be > 0, got {value!r}')
        check_reduction(reduction)
        self.alpha = alpha
        self.gamma = gamma
        self.beta = beta
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.legacy_beta = legacy_beta

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs: Any) -> Tensor:
        """Loss of ``pred`` against ``target``, weighted by ``weight`` and reduced (mmdet's contract)."""
        if reduction_override is not None:
            check_reduction(reduction_override, 'reduction_override')
        reduction = reduction_override or self.reduction
        if target.numel() == 0:
            return pred.sum() * 0
        if pred.shape != target.shape:
            raise ValueError(f'pred and target must have the same shape, got {tuple(pred.shape)} and '
                             f'{tuple(target.shape)}')
        loss = balanced_l1(pred, target, self.alpha, self.gamma, self.beta, self.legacy_beta)
        if weight is not None and weight.dim() < loss.dim() and weight.shape[0] == loss.shape[0]:
            weight = weight.reshape(weight.shape + (1, ) * (loss.dim() - weight.dim()))
        return self.loss_weight * weight_reduce_loss(loss, weight, reduction, avg_factor)
