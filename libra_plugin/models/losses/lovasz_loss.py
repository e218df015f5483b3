"""Lovász hinge (binary) and Lovász-softmax (multi-class) losses with mmseg's loss contract."""
from typing import Optional, Sequence, Union

import torch
from torch import Tensor

from libra_plugin.functional.lovasz import lovasz_hinge, lovasz_softmax
from libra_plugin.registry import MODELS
from .base import SegLoss, check_multiclass_shapes, valid_labels


class _LovaszBase(SegLoss):

    def __init__(self, per_image: bool, loss_weight: float, loss_name: str) -> None:
        super().__init__(loss_weight, loss_name)
        self.per_image = per_image


@MODELS.register_module()
class LovaszHingeLoss(_LovaszBase):
    """Binary Lovász hinge loss (Berman et al., CVPR 2018), a surrogate of the foreground IoU.

    Accepts a one-channel head (``(B, 1, H, W)`` or ``(B, H, W)``: the foreground logit) or a two-channel head
    (``(B, 2, H, W)``: the margin ``logit₁ − logit₀`` is used; mmseg's ``LovaszLoss`` raises IndexError there,
    mmsegmentation#1036). All images go through one sort; ignored pixels are excluded exactly, pixel ``weight``
    is honoured, an image with no valid pixel is left out of the mean, an all-ignored batch gives 0.

    Also usable as an mmdet mask loss: called as ``loss(mask_pred (N, C, h, w), mask_targets (N, h, w),
    labels (N,))`` it takes each RoI's class channel, like mmdet's mask cross-entropy.

    Args:
        per_image (bool): Mean of per-image losses (the reference's default); else the batch is one set.
            Defaults to True.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key in the losses dict, starting with ``'loss_'``. Defaults to ``'loss_lovasz_hinge'``.

    Shape:
        - cls_score: ``(B, 1, H, W)``, ``(B, H, W)`` or ``(B, 2, H, W)``.
        - label: ``(B, H, W)`` with values 0, 1 or ``ignore_index``.
        - Output: scalar.

    Example:
        >>> loss = LovaszHingeLoss()
        >>> loss(torch.tensor([[[[3.0, -3.0]]]]), torch.tensor([[[1, 0]]]))
        tensor(0.)
    """

    def __init__(self, per_image: bool = True, loss_weight: float = 1.0,
                 loss_name: str = 'loss_lovasz_hinge') -> None:
        super().__init__(per_image, loss_weight, loss_name)

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = 255,
                **kwargs) -> Tensor:
        """Loss of the logits ``cls_score`` against ``label`` (mmseg's call)."""
        empty = self.empty_or_checked(cls_score, label)
        if empty is not None:
            return empty
        if cls_score.dim() == 4 and weight is not None and weight.dim() == 1:  # mmdet mask head: class per RoI
            cls_score = cls_score[torch.arange(cls_score.shape[0], device=cls_score.device), weight.long()]
            weight = None
        if cls_score.dim() == 4:
            channels = cls_score.shape[1]
            if channels == 1:
                cls_score = cls_score[:, 0]
            elif channels == 2:
                cls_score = cls_score[:, 1] - cls_score[:, 0]
            else:
                raise ValueError(f'LovaszHingeLoss needs a binary head with 1 or 2 channels, got {channels}; '
                                 'use LovaszSoftmaxLoss for more classes')
        if cls_score.shape != label.shape:
            raise ValueError(f'cls_score must match label (B, H, W) {tuple(label.shape)}, got '
                             f'{tuple(cls_score.shape)}')
        valid = valid_labels(label, ignore_index, 2, 'LovaszHingeLoss')
        labels = torch.where(valid, label, torch.zeros_like(label))
        return self.loss_weight * lovasz_hinge(cls_score.float(), labels, valid, weight, self.per_image)


@MODELS.register_module()
class LovaszSoftmaxLoss(_LovaszBase):
    """Multi-class Lovász-softmax loss (Berman et al., CVPR 2018), vectorised over classes and images.

    Args:
        classes (str | Sequence[int]): ``'present'`` (classes present in the labels), ``'all'`` or a list.
            Defaults to ``'present'``.
        per_image (bool): Mean of per-image losses; else the batch is one set (the reference's default).
            Defaults to False.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key in the losses dict. Defaults to ``'loss_lovasz_softmax'``.

    Shape:
        - cls_score: ``(B, C, H, W)`` logits.
        - label: ``(B, H, W)`` class indices or ``ignore_index``.
        - Output: scalar.
    """

    def __init__(self,
                 classes: Union[str, Sequence[int]] = 'present',
                 per_image: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_lovasz_softmax') -> None:
        super().__init__(per_image, loss_weight, loss_name)
        if isinstance(classes, str) and classes not in ('present', 'all'):
            raise ValueError(f"classes must be 'present', 'all' or a list of class indices, got {classes!r}")
        self.classes = classes

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = 255,
                **kwargs) -> Tensor:
        """Loss of the logits ``cls_score`` against ``label`` (mmseg's call)."""
        empty = self.empty_or_checked(cls_score, label)
        if empty is not None:
            return empty
        check_multiclass_shapes(cls_score, label)
        num_classes = cls_score.shape[1]
        if not isinstance(self.classes, str) and any(not 0 <= c < num_classes for c in self.classes):
            raise ValueError(f'classes must be indices in [0, {num_classes - 1}], got {list(self.classes)}')
        valid = valid_labels(label, ignore_index, num_classes, 'LovaszSoftmaxLoss')
        labels = torch.where(valid, label, torch.zeros_like(label))
        probs = cls_score.float().softmax(1)
        return self.loss_weight * lovasz_softmax(probs, labels, valid, weight, self.classes, self.per_image)
