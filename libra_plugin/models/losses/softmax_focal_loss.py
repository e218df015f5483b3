"""Softmax focal loss per pixel with mmseg's loss contract (mmseg's own ``FocalLoss`` is the sigmoid form)."""
from typing import Optional, Sequence

import torch
from torch import Tensor

from libra_plugin.functional.ib_focal import ib_focal
from libra_plugin.functional.reduction import masked_mean
from libra_plugin.registry import MODELS
from .base import SegLoss


@MODELS.register_module()
class SoftmaxFocalLoss(SegLoss):
    """Softmax focal loss (Lin et al., ICCV 2017) per pixel: ``(1 − p_y)^γ · CE``, the "method 1" of the IB focal
    paper's PiCIE study (γ = 2). Ignored pixels are left out; ``weight`` multiplies each pixel's loss; the mean is
    over all pixels (``avg_non_ignore=False``, mmseg's default) or the non-ignored ones.

    With ``class_weight`` each pixel's loss is multiplied by ``w_y`` and the mean is torch's weighted one,
    ``Σ w_y ℓ / Σ w_y`` over the non-ignored pixels (``F.cross_entropy(weight=w, ignore_index=...)`` at γ = 0). That is
    what mmseg's ``CrossEntropyLoss(class_weight=...)`` computes where it works; in mmseg 1.2.2 it raises
    ``IndexError`` on any label map with ``ignore_index`` pixels (``cross_entropy_loss.py`` indexes the weights with
    255), so class-weighted CE on data with void is ``SoftmaxFocalLoss(gamma=0.0, class_weight=[...])``.

    Args:
        gamma (float): Focusing exponent γ ``>= 0`` (0: cross-entropy). Defaults to 2.0.
        avg_non_ignore (bool): Average over non-ignored pixels only. Defaults to False.
        class_weight (Sequence[float], optional): ``w_c`` per class (the mean becomes the weighted one, above).
            Defaults to None.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key in the losses dict. Defaults to ``'loss_focal'``.

    Shape:
        - cls_score: ``(B, C, H, W)`` logits; label: ``(B, H, W)``; weight: ``(B, H, W)`` or None.

    Example:
        >>> loss = SoftmaxFocalLoss(gamma=0.0)  # plain CE: log(1 + e^-2) at the one pixel
        >>> round(float(loss(torch.tensor([[[[2.0]], [[0.0]]]]), torch.tensor([[[0]]]))), 4)
        0.1269
    """

    def __init__(self, gamma: float = 2.0, avg_non_ignore: bool = False, loss_weight: float = 1.0,
                 loss_name: str = 'loss_focal', class_weight: Optional[Sequence[float]] = None) -> None:
        super().__init__(loss_weight, loss_name)
        if not (isinstance(gamma, (int, float)) and gamma >= 0):
            raise ValueError(f'gamma must be a number >= 0, got {gamma!r}')
        weights = None if class_weight is None else torch.as_tensor(class_weight, dtype=torch.float32)
        if weights is not None and not (weights.dim() == 1 and bool(torch.isfinite(weights).all())
                                        and bool((weights >= 0).all()) and bool(weights.sum() > 0)):
            raise ValueError(f'class_weight must be a list of finite weights >= 0, not all 0, got {class_weight!r}')
        self.gamma = float(gamma)
        self.avg_non_ignore = avg_non_ignore
        self.register_buffer('class_weight', torch.empty(0) if weights is None else weights, persistent=False)

    def compute(self, cls_score: Tensor, labels: Tensor, valid: Tensor, weight: Optional[Tensor]) -> Tensor:
        # focal of the (unweighted) CE: (1 - e^-CE)^gamma * CE = (1 - p_y)^gamma * CE
        loss = ib_focal(cls_score, labels, None, gamma=self.gamma)
        if not self.class_weight.numel():
            return self.loss_weight * masked_mean(loss, valid, weight, over_valid=self.avg_non_ignore)
        if self.class_weight.numel() != cls_score.shape[1]:
            raise ValueError(f'class_weight has {self.class_weight.numel()} entries but the head predicts '
                             f'{cls_score.shape[1]} classes')
        w_y = torch.where(valid, self.class_weight.to(loss.dtype)[labels], 0)
        pixel = loss * w_y if weight is None else loss * w_y * weight
        return self.loss_weight * torch.where(valid, pixel, 0).sum() / w_y.sum().clamp_min(1e-12)
