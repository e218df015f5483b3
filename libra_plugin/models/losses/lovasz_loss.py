"""Lovász hinge (binary) and Lovász-softmax (multi-class) losses with mmseg's loss contract.

Both take every argument of mmseg's ``LovaszLoss`` with its meaning, so a config keeps working when only
``type='LovaszLoss'`` changes to ``'LovaszHingeLoss'`` (``loss_type='binary'``) or ``'LovaszSoftmaxLoss'``
(``loss_type='multi_class'``, mmseg's default). Where we deliberately differ:

- the defaults ``per_image`` (hinge: True, the paper's reference; mmseg: False) and the log key
  (``loss_lovasz_hinge`` / ``loss_lovasz_softmax``; mmseg: ``loss_lovasz``; set ``loss_name`` to keep yours);
- bad arguments raise ``ValueError`` naming them (mmseg: ``AssertionError``), and a ``loss_type`` of the other
  class is an error pointing to it;
- with ``per_image=False`` the loss is one value, so every ``reduction`` is accepted (mmseg asserts ``'none'``);
- ``reduction='mean'`` over images leaves out an image with no valid pixel (mmseg counts it as a 0);
- ``avg_factor`` divides the per-image sum for ``'mean'`` (as mmseg); elsewhere, where mmseg ignores it
  (``per_image=False``, ``'none'``), it is an error; ``reduction_override`` outside none/mean/sum is an error;
- on the hinge, ``classes`` and ``class_weight`` are placeholders in mmseg (one foreground class): ``'present'``
  / ``'all'`` are accepted, a list of classes or a ``class_weight`` is an error.
"""
from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor

from libra_plugin.functional import check_reduction
from libra_plugin.functional.lovasz import check_classes, lovasz_hinge, lovasz_softmax
from libra_plugin.registry import MODELS
from .base import SegLoss


def load_class_weight(class_weight: Optional[Union[Sequence[float], str]]) -> Optional[list]:
    """mmseg's ``class_weight``: a list of floats, or a file holding one (``.npy``; ``.pkl``/``.json``/``.yaml``)."""
    if isinstance(class_weight, str):
        from mmengine.fileio import load
        try:
            class_weight = np.load(class_weight) if class_weight.endswith('.npy') else load(class_weight)
        except (OSError, TypeError, ValueError) as e:
            raise ValueError(f'class_weight file {class_weight!r} could not be read as a list of floats: {e}') from e
    return None if class_weight is None else [float(w) for w in np.asarray(class_weight).reshape(-1)]


class _LovaszBase(SegLoss):
    loss_type = ''  # mmseg's name of this class's loss_type

    def __init__(self, loss_type: Optional[str], per_image: bool, reduction: str, loss_weight: float,
                 loss_name: str) -> None:
        super().__init__(loss_weight, loss_name)
        name = type(self).__name__
        if loss_type is not None and loss_type != self.loss_type:
            other = 'LovaszSoftmaxLoss' if loss_type == 'multi_class' else 'LovaszHingeLoss'
            raise ValueError(f"{name} is mmseg's LovaszLoss with loss_type={self.loss_type!r}; got "
                             f"loss_type={loss_type!r}" + (f' (use {other})' if loss_type in ('binary', 'multi_class')
                                                           else " (allowed: 'binary', 'multi_class')"))
        check_reduction(reduction)
        self.per_image = per_image
        self.reduction = reduction

    def reduce(self, loss: Callable[[str], Tensor], avg_factor: Optional[float],
               reduction_override: Optional[str]) -> Tensor:
        """``loss(reduction)`` reduced as mmseg does, with ``avg_factor`` / ``reduction_override`` honoured."""
        if reduction_override is not None:
            check_reduction(reduction_override, 'reduction_override')
        reduction = reduction_override or self.reduction
        if avg_factor is None:
            return self.loss_weight * loss(reduction)
        name = type(self).__name__
        if not self.per_image:
            raise ValueError(f'{name}: avg_factor needs per_image=True (with per_image=False the batch loss is one '
                             'value, which mmseg returns without using avg_factor)')
        if reduction != 'mean':
            raise ValueError(f"{name}: avg_factor divides the sum of the per-image losses for reduction='mean'; got "
                             f'reduction={reduction!r}')
        return self.loss_weight * loss('sum') / (avg_factor + torch.finfo(torch.float32).eps)

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: Optional[int] = 255,
                **kwargs) -> Tensor:
        """Loss of the logits ``cls_score`` against ``label`` (mmseg's call, or mmdet's ``loss(pred, target, weight,
        avg_factor, reduction_override)`` order); the shared prologue of :class:`SegLoss`."""
        return super().forward(cls_score, label, weight, ignore_index, avg_factor=avg_factor,
                               reduction_override=reduction_override)


@MODELS.register_module()
class LovaszHingeLoss(_LovaszBase):
    """Binary Lovász hinge loss (Berman et al., CVPR 2018), a surrogate of the foreground IoU.

    Accepts a one-channel head (``(B, 1, H, W)`` or ``(B, H, W)``: the foreground logit) or a two-channel head
    (``(B, 2, H, W)``: the margin ``logit₁ − logit₀`` is used; mmseg's ``LovaszLoss`` raises IndexError there,
    mmsegmentation#1036). All images go through one sort; ignored pixels are excluded exactly, pixel ``weight``
    is honoured, an image with no valid pixel is left out of the mean, an all-ignored batch gives 0. mmseg's
    ``LovaszLoss(loss_type='binary')`` arguments are accepted (differences: module docstring).

    Two call contracts, chosen in the config: mmseg's (default), ``loss(cls_score, label, weight=None, ...)`` with
    a per-pixel ``weight``; and with ``mask_head=True`` mmdet's mask heads', ``loss(mask_pred (N, C, h, w),
    mask_targets (N, h, w), labels (N,))``, which takes each RoI's class channel like mmdet's mask cross-entropy.

    Args:
        per_image (bool): Per-image losses reduced over images (the reference's default); else the batch is one
            set. Defaults to True.
        reduction (str): Over images: ``'mean'``, ``'sum'`` or ``'none'`` (``(B,)``). Defaults to ``'mean'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key in the losses dict, starting with ``'loss_'``. Defaults to ``'loss_lovasz_hinge'``.
        loss_type (str, optional): mmseg's; only ``'binary'``. Defaults to None.
        classes (str): mmseg's placeholder on the binary loss: ``'present'`` or ``'all'``. Defaults to ``'present'``.
        class_weight (None): mmseg's placeholder on the binary loss; anything else is an error. Defaults to None.
        mask_head (bool): Called by an mmdet mask head (``loss_mask``): the third argument is the class of each
            RoI. Defaults to False.

    Shape:
        - cls_score: ``(B, 1, H, W)``, ``(B, H, W)`` or ``(B, 2, H, W)``; with ``mask_head``, ``(N, C, h, w)``.
        - label: ``(B, H, W)`` with values 0, 1 or ``ignore_index``.
        - Output: scalar, or ``(B,)`` for ``reduction='none'`` with ``per_image``.

    Example:
        >>> loss = LovaszHingeLoss()
        >>> loss(torch.tensor([[[[3.0, -3.0]]]]), torch.tensor([[[1, 0]]]))
        tensor(0.)
    """
    loss_type = 'binary'

    def __init__(self, per_image: bool = True, reduction: str = 'mean', loss_weight: float = 1.0,
                 loss_name: str = 'loss_lovasz_hinge', loss_type: Optional[str] = None,
                 classes: Union[str, Sequence[int]] = 'present', class_weight: None = None,
                 mask_head: bool = False) -> None:
        super().__init__(loss_type, per_image, reduction, loss_weight, loss_name)
        self.mask_head = mask_head
        if classes not in ('present', 'all'):
            raise ValueError(f"LovaszHingeLoss has one foreground class: classes must be 'present' or 'all' (no "
                             f'effect, as in mmseg), got {classes!r}; use LovaszSoftmaxLoss to choose classes')
        if class_weight is not None:
            raise ValueError(f'LovaszHingeLoss has one foreground class: class_weight must be None (mmseg ignores '
                             f'it on the binary loss), got {class_weight!r}; scale the loss with loss_weight')

    def check_shapes(self, cls_score: Tensor, label: Tensor, weight: Optional[Tensor]):
        """One foreground logit per pixel, from a 1- or 2-channel head (or a mask head's RoI class channel)."""
        if self.mask_head:  # mmdet's loss_mask(mask_preds, mask_targets, labels): the class channel of each RoI
            if cls_score.dim() != 4 or weight is None or tuple(weight.shape) != (cls_score.shape[0], ):
                raise ValueError('LovaszHingeLoss(mask_head=True) is called as loss(mask_pred (N, C, h, w), '
                                 f'mask_targets (N, h, w), labels (N,)); got mask_pred {tuple(cls_score.shape)} and '
                                 f'labels {None if weight is None else tuple(weight.shape)}')
            cls_score = cls_score[torch.arange(cls_score.shape[0], device=cls_score.device), weight.long()]
            weight = None
        elif weight is not None and weight.shape != label.shape:
            raise ValueError(f'LovaszHingeLoss: weight must be per pixel, shape {tuple(label.shape)}, got '
                             f'{tuple(weight.shape)}' + ("; one class per RoI is an mmdet mask head's call: set "
                                                         'mask_head=True' if weight.dim() == 1 else ''))
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
        return cls_score, weight

    def label_classes(self, cls_score: Tensor) -> int:
        return 2

    def compute(self, cls_score: Tensor, labels: Tensor, valid: Tensor, weight: Optional[Tensor],
                avg_factor: Optional[float] = None, reduction_override: Optional[str] = None) -> Tensor:
        return self.reduce(lambda r: lovasz_hinge(cls_score.float(), labels, valid, weight, self.per_image, r),
                           avg_factor, reduction_override)


@MODELS.register_module()
class LovaszSoftmaxLoss(_LovaszBase):
    """Multi-class Lovász-softmax loss (Berman et al., CVPR 2018), vectorised over classes and images.

    mmseg's ``LovaszLoss`` (``loss_type='multi_class'``) with the same arguments (differences: module docstring).

    Args:
        classes (str | Sequence[int]): ``'present'`` (classes present in the labels), ``'all'`` or a list.
            Defaults to ``'present'``.
        per_image (bool): Per-image losses reduced over images; else the batch is one set (the reference's
            default). Defaults to False.
        reduction (str): Over images: ``'mean'``, ``'sum'`` or ``'none'`` (``(B,)``). Defaults to ``'mean'``.
        class_weight (Sequence[float] | str, optional): Multiplier of each class's loss, or a file holding them
            (``.npy``, ``.pkl``, ``.json``, ``.yaml``), as mmseg. Defaults to None.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key in the losses dict. Defaults to ``'loss_lovasz_softmax'``.
        loss_type (str, optional): mmseg's; only ``'multi_class'``. Defaults to None.

    Shape:
        - cls_score: ``(B, C, H, W)`` logits.
        - label: ``(B, H, W)`` class indices or ``ignore_index``.
        - Output: scalar, or ``(B,)`` for ``reduction='none'`` with ``per_image``.
    """
    loss_type = 'multi_class'

    def __init__(self,
                 classes: Union[str, Sequence[int]] = 'present',
                 per_image: bool = False,
                 reduction: str = 'mean',
                 class_weight: Optional[Union[Sequence[float], str]] = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_lovasz_softmax',
                 loss_type: Optional[str] = None) -> None:
        super().__init__(loss_type, per_image, reduction, loss_weight, loss_name)
        check_classes(classes)  # at build time; the indices' range once the number of classes is known
        self.classes = classes
        self.class_weight = load_class_weight(class_weight)

    def compute(self, cls_score: Tensor, labels: Tensor, valid: Tensor, weight: Optional[Tensor],
                avg_factor: Optional[float] = None, reduction_override: Optional[str] = None) -> Tensor:
        probs = cls_score.float().softmax(1)
        class_weight = None if self.class_weight is None else probs.new_tensor(self.class_weight)
        return self.reduce(
            lambda r: lovasz_softmax(probs, labels, valid, weight, self.classes, self.per_image, class_weight, r),
            avg_factor, reduction_override)
