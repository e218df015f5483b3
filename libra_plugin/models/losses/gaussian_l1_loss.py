"""Multimodal coordinate regression loss (L1 + inverted Gaussian well) with mmdet's loss contract."""
from torch import Tensor

from libra_plugin.functional.gaussian_l1 import check_gaussian_l1_args, gaussian_l1
from libra_plugin.registry import MODELS
from .base import ElementwiseLoss


@MODELS.register_module()
class GaussianL1Loss(ElementwiseLoss):
    """``|p − t|₁ + λ (1 − exp(−‖p − t‖² / σ²))``: L1 that settles on one of several equally good targets.

    With several indistinguishable candidate targets (identical dots, one of them the label), MSE regresses to
    their midpoint and L1 to anywhere on the flat valley between them, so the prediction lands on no object. The
    Gaussian well makes each candidate a strict optimum and the prediction lands on one of them (the "MSE trap",
    reproduced by ``python -m libra_plugin mse-trap``).

    Choosing ``sigma``: it is in the units of the targets (normalised coordinates: a fraction of the image). Take
    about the distance between candidate targets, or the size of an object. Much smaller and the well is too narrow
    to be felt from where training starts, leaving plain L1; much larger and one well covers several candidates and
    pulls towards their middle, like MSE. On the 16 × 16 dots task 0.1 works, 0.02 and 0.3 do not (README).

    Args:
        sigma (float): Width σ of the well in target units, ``> 0``. Defaults to 0.1.
        gaussian_weight (float): Depth λ of the well, ``>= 0`` (0 gives L1). Defaults to 1.0.
        reduction (str): ``'none'``, ``'mean'`` or ``'sum'``. Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.

    Shape:
        - pred, target: ``(N, D)``: points (D = 2) or boxes (D = 4); the well spans the D coordinates of an item.
        - weight: ``(N, D)`` or ``(N,)``.
        - Output: scalar, or ``(N, D)`` with ``reduction='none'``.

    Example:
        >>> import torch
        >>> loss = GaussianL1Loss(sigma=0.1)
        >>> loss(torch.tensor([[0.1, 0.0]]), torch.zeros(1, 2))
        tensor(0.6821)
    """

    def __init__(self,
                 sigma: float = 0.1,
                 gaussian_weight: float = 1.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__(reduction, loss_weight)
        check_gaussian_l1_args(sigma, gaussian_weight)  # at build time, before any iteration
        self.sigma = sigma
        self.gaussian_weight = gaussian_weight

    def elementwise(self, pred: Tensor, target: Tensor) -> Tensor:
        return gaussian_l1(pred, target, self.sigma, self.gaussian_weight)
