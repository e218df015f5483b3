"""Balanced L1 loss (Libra R-CNN §3.3) with mmdet's loss contract."""
from torch import Tensor

from libra_plugin.functional.balanced_l1 import balanced_l1, check_balanced_l1_args
from libra_plugin.registry import MODELS
from .base import ElementwiseLoss


@MODELS.register_module()
class BalancedL1Loss(ElementwiseLoss):
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
        tensor(1.4536)
    """

    def __init__(self,
                 alpha: float = 0.5,
                 gamma: float = 1.5,
                 beta: float = 1.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 legacy_beta: bool = False) -> None:
        super().__init__(reduction, loss_weight)
        check_balanced_l1_args(alpha, gamma, beta)  # at build time, before any iteration
        self.alpha = alpha
        self.gamma = gamma
        self.beta = beta
        self.legacy_beta = legacy_beta

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        return balanced_l1(pred, target, self.alpha, self.gamma, self.beta, self.legacy_beta)
